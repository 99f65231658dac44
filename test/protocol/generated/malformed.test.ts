// Malformed input never escapes as anything but ProtocolDecodeError: truncation at every
// length (or a good spread of lengths for long encodings), random byte flips, huge counts and
// lengths in tiny buffers, nulls where a version does not allow them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CODECS, FetchRequest, MetadataRequest, ProduceRequest, ApiVersionsRequest } from '../../../src/protocol/generated/index.js';
import { ProtocolDecodeError } from '../../../src/protocol/primitives/errors.js';
import { buildModels } from '../../../tools/codegen/generate.js';
import { findRepoRoot } from '../../../tools/codegen/paths.js';
import { Rng, sampleMessage } from '../../../tools/codegen/samples.js';

const models = buildModels(join(findRepoRoot(), 'spec'));

function cutPoints(length: number): number[] {
  if (length <= 300) return Array.from({ length }, (_, i) => i);
  const cuts = new Set<number>();
  for (let i = 0; i < 100; i++) cuts.add(i);
  for (let i = length - 100; i < length; i++) cuts.add(i);
  for (let i = 0; i < 100; i++) cuts.add(Math.floor((length * i) / 100));
  return [...cuts].sort((a, b) => a - b);
}

function decodeError(fn: () => unknown, where: string): ProtocolDecodeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolDecodeError, `${where}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return e;
  }
  assert.fail(`${where}: decoded without an error`);
}

for (const m of models) {
  test(`${m.name}: truncated and corrupted encodings only throw ProtocolDecodeError`, () => {
    const codec = CODECS[m.name]!;
    const rng = new Rng(m.name.length * 7919);
    for (let v = m.validVersions.lowest; v <= m.validVersions.highest; v++) {
      const bytes = codec.encode(sampleMessage(m, v, 'rich', 11).value, v);
      for (const cut of cutPoints(bytes.length)) {
        const err = decodeError(() => codec.decode(bytes.subarray(0, cut), 0, v), `${m.name} v${v} cut at ${cut}`);
        assert.equal(err.apiVersion, v);
        assert.equal(err.apiKey, m.apiKey ?? -1);
      }
      for (let i = 0; i < 40 && bytes.length > 0; i++) {
        const copy = Buffer.from(bytes);
        const flips = 1 + rng.int(3);
        for (let j = 0; j < flips; j++) copy[rng.int(copy.length)]! ^= 1 + rng.int(255);
        try {
          codec.decode(copy, 0, v);
        } catch (e) {
          assert.ok(e instanceof ProtocolDecodeError, `${m.name} v${v} flip: ${(e as Error)?.name}: ${(e as Error)?.message}`);
        }
      }
    }
  });
}

test('a huge array count in a tiny buffer fails before allocating', () => {
  // MetadataRequest v1: topics is a nullable int32-counted array; claim 2^31-1 topics.
  const classic = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  const e1 = decodeError(() => MetadataRequest.decode(classic, 0, 1), 'classic count');
  assert.match(e1.message, /count 2147483647 exceeds the 4 bytes left/);
  assert.equal(e1.path, 'topics');
  // MetadataRequest v12: compact array, count + 1 as an unsigned varint of 2^32 - 1.
  const compact = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0]);
  const e2 = decodeError(() => MetadataRequest.decode(compact, 0, 12), 'compact count');
  assert.match(e2.message, /count 4294967294 exceeds/);
  assert.equal(e2.apiKey, 3);
  assert.equal(e2.apiVersion, 12);
});

test('a huge tagged-field count, string length or bytes length fails cleanly', () => {
  // ApiVersionsRequest v3: two compact strings, then the tagged-field count.
  const tagged = Buffer.from([0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.match(decodeError(() => ApiVersionsRequest.decode(tagged, 0, 3), 'tag count').message, /exceeds/);
  const longString = Buffer.from([0xff, 0xff, 0x03, 0x41]);
  const e = decodeError(() => ApiVersionsRequest.decode(longString, 0, 3), 'string length');
  assert.equal(e.path, 'clientSoftwareName');
  // ProduceRequest v3: transactional id null, acks, timeout, one topic "t", one partition, records claim 1 GiB.
  const produce = Buffer.from('ffff0001000003e80000000100017400000001000000000040000000', 'hex');
  const p = decodeError(() => ProduceRequest.decode(produce, 0, 3), 'records length');
  assert.equal(p.path, 'topicData.partitionData.records');
  assert.match(p.message, /api 0 v3 field topicData\.partitionData\.records/);
});

test('null where the version does not allow it is a ProtocolDecodeError naming the field', () => {
  // ProduceRequest v9: compact nullable transactional id (null), acks, timeout, topics = null (0).
  const buf = Buffer.from('00ffff000003e800', 'hex');
  const e = decodeError(() => ProduceRequest.decode(buf, 0, 9), 'null topics');
  assert.equal(e.path, 'topicData');
  assert.match(e.message, /non-nullable field was serialized as null/);
  // FetchRequest v12 with a null (0) topics array.
  const fetch = FetchRequest.encode({ ...FetchRequest.defaults(), topics: [] }, 12);
  const i = fetch.length - 4; // v12 ends: topics, forgottenTopicsData, rackId, tagged-field count
  const nulled = Buffer.from(fetch);
  nulled[i] = 0;
  assert.equal(decodeError(() => FetchRequest.decode(nulled, 0, 12), 'null fetch topics').path, 'topics');
});

test('decoding at an unsupported version is a ProtocolDecodeError', () => {
  const beyond = ProduceRequest.validVersions.highest + 1;
  const e = decodeError(() => ProduceRequest.decode(Buffer.alloc(64), 0, beyond), `version ${beyond}`);
  assert.match(e.message, new RegExp(`can't read version ${beyond} of ProduceRequest`));
  assert.equal(e.apiVersion, beyond);
});
