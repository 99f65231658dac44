import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/start-broker.js';
import { BrokerConnection, KafkaClient, KafkaConnectionError, KafkaResponseError, readClientProperties, parseHostPort } from '../../src/client/index.js';
import { ApiKey, apiInfo } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { eventually } from '../helpers/eventually.js';
import { makeTopic, startTestBroker } from '../helpers/test-broker.js';
import { fetchRequest } from '../broker/fetch/requests.js';

test('a connection negotiates the highest version both sides serve', async () => {
  const broker = await startBroker();
  try {
    const { host, port } = parseHostPort(broker.bootstrapServers);
    const conn = await BrokerConnection.connect(host, port, { clientId: 'client-test' });
    try {
      assert.equal(conn.version(ApiKey.Metadata), apiInfo(ApiKey.Metadata)!.validVersions.highest);
      assert.equal(conn.version(ApiKey.Metadata, 9), 9);
      assert.equal(conn.brokerRange(ApiKey.Produce)?.min, 0);
      // An API the broker does not serve at all.
      assert.throws(() => conn.version(ApiKey.Vote), (e: unknown) => e instanceof KafkaResponseError && e.code === ErrorCode.UNSUPPORTED_VERSION);
      // Pipelined requests all come back, each to its caller.
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => conn.request(ApiKey.Metadata, {
        topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
      }, i % 2 === 0 ? 12 : 4)));
      assert.equal(answers.length, 50);
      for (const a of answers) assert.equal(a.brokers[0]?.port, port);
      assert.equal(conn.inFlight, 0);
    } finally {
      conn.close();
    }
  } finally {
    await broker.close();
  }
});

test('the client finds leaders and group coordinators from the bootstrap list', async () => {
  const broker = await startBroker({ config: { 'offsets.topic.num.partitions': 3 } });
  const client = new KafkaClient({ bootstrapServers: ['127.0.0.1:1', broker.bootstrapServers], connectTimeoutMs: 2000 });
  try {
    const created = await client.request(ApiKey.CreateTopics, {
      topics: [{ name: 'orders', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000, validateOnly: false,
    });
    assert.equal(created.topics[0]?.errorCode, ErrorCode.NONE);
    const leaders = await client.leaders('orders');
    assert.deepEqual([...leaders.keys()].sort(), [0, 1, 2, 3]);
    assert.deepEqual(new Set(leaders.values()), new Set([1]));
    assert.deepEqual(client.brokers().map((b) => b.nodeId), [1]);
    const coord = await client.coordinator('group-a');
    const fetched = await coord.request(ApiKey.OffsetFetch, {
      groupId: '', topics: [], groups: [{ groupId: 'group-a', memberId: null, memberEpoch: -1, topics: null }], requireStable: false,
    });
    assert.equal(fetched.groups[0]?.errorCode, ErrorCode.NONE);
    await assert.rejects(client.leaders('missing'), (e: unknown) => e instanceof KafkaResponseError && e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
  } finally {
    client.close();
    await broker.close();
  }
});

test('a request without an answer times out; a closed connection fails what it had in flight', async () => {
  const sockets: Socket[] = [];
  const server = createServer((s) => { sockets.push(s); s.on('error', () => {}); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  try {
    // The 200 ms request timeout is what ended it (the message names it), not another limit.
    await assert.rejects(BrokerConnection.connect('127.0.0.1', port, { requestTimeoutMs: 200 }),
      (e: unknown) => e instanceof KafkaConnectionError && /request to .* timed out after 200 ms/.test(e.message));
    const pending = BrokerConnection.connect('127.0.0.1', port, { requestTimeoutMs: 60_000 });
    await eventually('the second connection', () => sockets.length === 2);
    sockets[1]!.destroy();
    // The server's close may come as a reset when the request is still unread on its side.
    await assert.rejects(pending, (e: unknown) => e instanceof KafkaConnectionError && /closed|ECONNRESET/.test(e.message));
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('a request that times out closes its connection, so its late answer is never taken for a broken stream', async () => {
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'late');
    const { host, port } = parseHostPort(tb.broker.bootstrapServers);
    const conn = await BrokerConnection.connect(host, port, { requestTimeoutMs: 300 });
    // The broker parks this fetch for 2 s, longer than the client waits.
    const fetch = conn.request(ApiKey.Fetch, fetchRequest([{ topic: 'late', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxWaitMs: 2000, minBytes: 1 }), 12);
    await assert.rejects(fetch, (e: unknown) => e instanceof KafkaConnectionError && /Fetch request to .* timed out after 300 ms/.test(e.message));
    assert.equal(conn.closed, true);
    await assert.rejects(conn.request(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, 12),
      (e: unknown) => e instanceof KafkaConnectionError && /after a request timed out/.test(e.message));
  } finally {
    await tb.close();
  }
});

test('--command-config files set client options by Kafka names and refuse what cannot be honoured', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-client-'));
  try {
    const file = join(dir, 'client.properties');
    writeFileSync(file, '# tools\nbootstrap.servers=a:1, b:2\nclient.id=tools\nrequest.timeout.ms=1500\nkey.serializer=ignored\n');
    const options = readClientProperties(file, { bootstrapServers: ['localhost:9092'] });
    assert.deepEqual(options, { bootstrapServers: ['a:1', 'b:2'], clientId: 'tools', requestTimeoutMs: 1500 });
    writeFileSync(file, 'security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\n');
    assert.throws(() => readClientProperties(file, { bootstrapServers: ['x:1'] }), /sasl.mechanism GSSAPI is not supported by the millrace client/);
    writeFileSync(file, 'request.timeout.ms=soon\n');
    assert.throws(() => readClientProperties(file, { bootstrapServers: ['x:1'] }), /request.timeout.ms must be a positive integer/);
    assert.throws(() => readClientProperties(join(dir, 'missing'), { bootstrapServers: ['x:1'] }), /cannot read command config/);
    assert.throws(() => parseHostPort('nohost'), /expected HOST:PORT/);
    assert.deepEqual(parseHostPort('[::1]:9092'), { host: '::1', port: 9092 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
