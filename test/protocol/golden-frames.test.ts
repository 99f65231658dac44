import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { apiInfo, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/generated/api-keys.js';
import * as RequestHeader from '../../src/protocol/generated/request-header.js';
import * as ResponseHeader from '../../src/protocol/generated/response-header.js';
import {
  decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame,
} from '../../src/protocol/header.js';
import { DRIVERS, type DriverFacts } from './golden/drivers.js';
import { checkDriverFacts } from './golden/facts.js';
import { exchanges, goldenClients, readFixture, type GoldenClient, type GoldenFileEntry } from './golden/fixtures.js';

/**
 * Every frame captured between real clients and Apache Kafka 4.0.2 (test/fixtures/golden/):
 * decodes with the generated codecs to the end of the frame, re-encodes to the same bytes
 * (through the message codecs and through encodeRequestFrame/encodeResponseFrame), and
 * carries the header values the capture recorded, the client ids the drivers configured and,
 * per client, the topic, groups and records its driver used (golden/facts.ts).
 * Produce batch contents are checked in records/golden.test.ts.
 */

/** Equal bytes, or a failure naming the first differing offset instead of two hex dumps. */
function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const around = (b: Buffer): string => b.subarray(Math.max(0, i - 8), i + 8).toString('hex');
  assert.fail(`${what}: ${actual.length} bytes re-encoded for ${expected.length} captured; first difference at ` +
    `offset ${i}: got …${around(actual)}… want …${around(expected)}…`);
}

function checkRequest(client: GoldenClient, facts: DriverFacts, entry: GoldenFileEntry, buf: Buffer): void {
  const frame = decodeRequestFrame(buf);
  assert.equal(frame.end, buf.length, 'decode consumed the whole frame');
  assert.equal(frame.apiKey, entry.apiKey, 'apiKey');
  assert.equal(frame.apiVersion, entry.apiVersion, 'apiVersion');
  assert.equal(frame.correlationId, entry.correlationId, 'correlationId');
  assert.equal(frame.headerVersion, entry.headerVersion, 'header version');
  assert.equal(frame.bodyOffset > 0 && frame.bodyOffset <= buf.length, true, 'body offset inside the frame');

  // client ids as the drivers configured them, not as index.json recorded them
  assert.ok(frame.clientId !== null && facts.clientIds.includes(frame.clientId),
    `client id ${frame.clientId} is not one of ${facts.clientIds.join(', ')}`);
  const pinned = facts.clientIdByApi[entry.apiName];
  if (pinned !== undefined) assert.equal(frame.clientId, pinned, `${entry.apiName} is sent by ${pinned}`);

  const api = apiInfo(frame.apiKey)!;
  const again = Buffer.concat([
    RequestHeader.encode(frame.header, frame.headerVersion),
    api.request.encode(frame.body, frame.apiVersion),
  ]);
  assertSameBytes(again, buf, `${client.name}/${entry.file} (header + body codecs)`);
  const framed = encodeRequestFrame(frame.apiKey, frame.apiVersion,
    { correlationId: frame.correlationId, clientId: frame.clientId }, frame.body);
  assert.equal(framed.readInt32BE(0), buf.length, 'size prefix');
  assertSameBytes(framed.subarray(4), buf, `${client.name}/${entry.file} (encodeRequestFrame)`);
}

function checkResponse(client: GoldenClient, entry: GoldenFileEntry, buf: Buffer, request: Buffer | null): void {
  const frame = decodeResponseFrame(buf, entry.apiKey, entry.apiVersion);
  assert.equal(frame.end, buf.length, 'decode consumed the whole frame');
  assert.equal(frame.headerVersion, entry.headerVersion, 'header version');
  assert.equal(frame.correlationId, entry.correlationId, 'correlationId');
  // the request's correlation id, read straight from its bytes (after api key and version)
  assert.ok(request !== null, `${entry.file} has a request`);
  assert.equal(frame.correlationId, request.readInt32BE(4), 'answers its request\'s correlation id');

  const api = apiInfo(entry.apiKey)!;
  const again = Buffer.concat([
    ResponseHeader.encode(frame.header, frame.headerVersion),
    api.response.encode(frame.body, entry.apiVersion),
  ]);
  assertSameBytes(again, buf, `${client.name}/${entry.file} (header + body codecs)`);
  const framed = encodeResponseFrame(entry.apiKey, entry.apiVersion, frame.correlationId, frame.body);
  assert.equal(framed.readInt32BE(0), buf.length, 'size prefix');
  assertSameBytes(framed.subarray(4), buf, `${client.name}/${entry.file} (encodeResponseFrame)`);
}

const clients = goldenClients();

test('golden captures: every client folder has a driver description and fixtures', () => {
  assert.deepEqual(clients.map((c) => c.name).sort(), Object.keys(DRIVERS).sort());
  for (const c of clients) {
    assert.ok(c.index.driverCompleted, `${c.name}: the driver ran to completion`);
    assert.ok(c.index.files.length > 0, `${c.name}: fixtures`);
  }
});

for (const client of clients) {
  const facts = DRIVERS[client.name];
  const pairs = exchanges(client);

  describe(`golden frames: ${client.name} (${client.index.clientVersion})`, () => {
    for (const entry of client.index.files) {
      test(entry.file, () => {
        assert.ok(facts !== undefined, `no driver description for ${client.name}`);
        const buf = readFixture(client, entry);
        assert.equal(buf.length, entry.bytes, 'size recorded in index.json');
        assert.equal(createHash('sha256').update(buf).digest('hex'), entry.sha256, 'sha256 recorded in index.json');
        const api = apiInfo(entry.apiKey);
        assert.ok(api !== undefined, `API key ${entry.apiKey} is known`);
        assert.equal(api.name, entry.apiName, 'API name');
        assert.ok(entry.apiVersion >= api.validVersions.lowest && entry.apiVersion <= api.validVersions.highest,
          `${api.name} v${entry.apiVersion} is within our spec's ${api.validVersions.lowest}-${api.validVersions.highest}`);
        assert.equal(entry.file, `${entry.exchange}-${api.name}-v${entry.apiVersion}-${entry.direction}.bin`, 'file name');
        if (entry.direction === 'request') {
          assert.equal(entry.headerVersion, requestHeaderVersion(entry.apiKey, entry.apiVersion), 'request header version');
          checkRequest(client, facts, entry, buf);
        } else {
          assert.equal(entry.headerVersion, responseHeaderVersion(entry.apiKey, entry.apiVersion), 'response header version');
          const request = pairs.get(entry.exchange)?.request;
          checkResponse(client, entry, buf, request === undefined ? null : readFixture(client, request));
        }
      });
    }

    test('every request has its response (acks=0 Produce aside)', () => {
      let paired = 0;
      for (const [exchange, pair] of pairs) {
        assert.ok(pair.request !== undefined, `exchange ${exchange} has a request`);
        if (pair.response === undefined) continue;
        assert.equal(pair.response.apiKey, pair.request.apiKey, `exchange ${exchange}: apiKey`);
        assert.equal(pair.response.apiVersion, pair.request.apiVersion, `exchange ${exchange}: apiVersion`);
        paired++;
      }
      assert.ok(paired > 0);
    });

    test('topic, groups, client software and fetched records are the driver\'s', async () => {
      assert.ok(facts !== undefined, `no driver description for ${client.name}`);
      const n = await checkDriverFacts(client, facts);
      assert.equal(n.createTopics, facts.createsTopic ? 1 : 0, 'CreateTopics requests');
      assert.ok(n.metadataListings > 0, 'a Metadata response lists the topic with 3 partitions');
      assert.ok(n.produceTopics > 0, 'Produce requests name the topic');
      assert.ok(n.fetchTopics > 0, 'Fetch requests name the topic (or its id)');
      assert.ok(n.fetchedRecords > 0, 'a Fetch response carries the records the driver produced');
      assert.ok(n.groupIds > 0, 'group requests use the driver\'s group');
      assert.ok(n.advertisedVersions > 0, 'ApiVersions advertises every version the client used');
      assert.equal(n.softwareNames > 0, facts.software !== null, 'ApiVersions v3+ names the client software');
      if (n.topicIdRefs > 0) assert.ok(n.topicIds > 0, 'topic ids used are ids the broker gave');
    });
  });
}
