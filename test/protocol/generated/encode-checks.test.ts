// What encoders refuse (ProtocolEncodeError, naming the field) and what they silently drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiVersionsResponse, CreateTopicsRequest, MetadataRequest, ProduceRequest,
} from '../../../src/protocol/generated/index.js';
import { ProtocolEncodeError } from '../../../src/protocol/primitives/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

function encodeError(fn: () => unknown): ProtocolEncodeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolEncodeError, `threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return e;
  }
  assert.fail('encoded without an error');
}

test('a non-default value of a non-ignorable field a version lacks is refused', () => {
  const e = encodeError(() => ProduceRequest.encode({ ...ProduceRequest.defaults(), transactionalId: 'tx' }, 2));
  assert.equal(e.path, 'transactionalId');
  assert.equal(e.apiKey, 0);
  assert.equal(e.apiVersion, 2);
  assert.match(e.message, /non-default transactionalId at version 2/);
  // At its default the field is simply absent.
  assert.equal(ProduceRequest.encode(ProduceRequest.defaults(), 2).length, 10);
});

test('ignorable fields a version lacks are dropped silently', () => {
  const msg = { ...ApiVersionsResponse.defaults(), throttleTimeMs: 100, finalizedFeaturesEpoch: 9n };
  const decoded = ApiVersionsResponse.decode(ApiVersionsResponse.encode(msg, 0), 0, 0);
  assert.equal(decoded.throttleTimeMs, 0);
  assert.equal(decoded.finalizedFeaturesEpoch, -1n);
});

test('null is refused in versions where a field is not nullable', () => {
  const e = encodeError(() => MetadataRequest.encode({ ...MetadataRequest.defaults(), topics: null }, 0));
  assert.equal(e.path, 'topics');
  assert.deepEqual(MetadataRequest.decode(MetadataRequest.encode({ ...MetadataRequest.defaults(), topics: null }, 1), 0, 1).topics, null);
});

test('unknown tagged fields cannot be written in a non-flexible version', () => {
  const msg = { ...ProduceRequest.defaults(), _unknownTaggedFields: [{ tag: 3, data: Buffer.from([1]) }] };
  assert.match(encodeError(() => ProduceRequest.encode(msg, 8)).message, /does not support them/);
  assert.ok(ProduceRequest.encode(msg, 9).length > 0);
});

test('strings over 32767 bytes and uuids that are not 16 bytes are refused, with the field path', () => {
  const msg = ProduceRequest.defaults();
  msg.topicData = [{ name: 'é'.repeat(20000), topicId: ZERO_UUID, partitionData: [] }];
  const e = encodeError(() => ProduceRequest.encode(msg, 9));
  assert.equal(e.path, 'topicData.name');
  assert.match(e.message, /too long/);
  const topics = { ...MetadataRequest.defaults(), topics: [{ topicId: Buffer.alloc(15), name: 't' }] };
  assert.equal(encodeError(() => MetadataRequest.encode(topics, 12)).path, 'topics.topicId');
});

test('encoding at an unsupported version is refused', () => {
  assert.match(encodeError(() => CreateTopicsRequest.encode(CreateTopicsRequest.defaults(), 99)).message, /can't write version 99/);
});

test('size() then write() fills exactly the measured bytes, so header and body share one buffer', async () => {
  const { Writer } = await import('../../../src/protocol/primitives/writer.js');
  const msg = { ...ProduceRequest.defaults(), acks: -1, timeoutMs: 30000 };
  const n = ProduceRequest.size(msg, 9);
  const w = new Writer(Buffer.alloc(n + 3), 3);
  ProduceRequest.write(w, msg, 9);
  assert.equal(w.pos, n + 3);
  assert.ok(w.buf.subarray(3).equals(ProduceRequest.encode(msg, 9)));
});
