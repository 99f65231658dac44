import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { append, decodeRecords, values } from '../fetch/helpers.js';
import { fetchRequest, onlyPartition, partitionsOf } from '../fetch/requests.js';
import { type TestBroker, logOf, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

let tb: TestBroker;
let topicId: Buffer;

before(async () => {
  tb = await startTestBroker();
  topicId = (await makeTopic(tb, 'orders', 2)).id;
  append(tb, 'orders', 0, values('a', 3)); // offsets 0-2
  append(tb, 'orders', 0, values('b', 2)); // 3-4
  append(tb, 'orders', 1, values('c', 1)); // 0
});

after(async () => {
  await tb.close();
});

test('Fetch v4 (lowest) reads by topic name: records, high watermark, last stable offset', async () => {
  const res = await tb.client.request(ApiKey.Fetch, 4, fetchRequest([{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: 1n }] }]));
  const p = onlyPartition(res);
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.highWatermark, 5n);
  assert.equal(p.lastStableOffset, 5n);
  assert.equal(p.abortedTransactions, null);
  // Whole batches from the one holding the fetch offset; the consumer skips offset 0.
  assert.deepEqual(decodeRecords(p.records).map((r) => r.offset), [0, 1, 2, 3, 4]);
});

test('Fetch v18 (highest): a fetcher\'s high watermark (KIP-1166) is taken and, as by a Kafka 4.4 broker, not used', async () => {
  for (const highWatermark of [9223372036854775807n, 0n]) {
    const res = await tb.client.request(ApiKey.Fetch, 18, fetchRequest([{ topicId, partitions: [{ partition: 0, fetchOffset: 3n, currentLeaderEpoch: 0, highWatermark }] }]));
    assert.equal(res.errorCode, ErrorCode.NONE);
    const p0 = res.responses[0]!.partitions[0]!;
    assert.equal(p0.errorCode, ErrorCode.NONE);
    assert.deepEqual(decodeRecords(p0.records).map((r) => r.value), ['b-0', 'b-1'], `highWatermark ${highWatermark}`);
  }
});

test('Fetch v17 reads by topic id, with the log start offset and default tagged fields', async () => {
  const res = await tb.client.request(
    ApiKey.Fetch,
    17,
    fetchRequest([{ topicId, partitions: [{ partition: 0, fetchOffset: 3n, currentLeaderEpoch: 0 }, { partition: 1, fetchOffset: 0n }] }]),
  );
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.equal(res.sessionId, 0, 'epoch -1: no session');
  assert.equal(res.responses.length, 1);
  assert.ok(res.responses[0]!.topicId.equals(topicId));
  const [p0, p1] = res.responses[0]!.partitions;
  assert.equal(p0!.logStartOffset, 0n);
  assert.equal(p0!.preferredReadReplica, -1);
  assert.equal(p0!.divergingEpoch.epoch, -1);
  assert.equal(p0!.currentLeader.leaderId, -1);
  assert.deepEqual(decodeRecords(p0!.records).map((r) => r.value), ['b-0', 'b-1']);
  assert.deepEqual(decodeRecords(p1!.records).map((r) => r.value), ['c-0']);
  assert.deepEqual(res.nodeEndpoints, []);
});

test('read_committed reports the last stable offset and an empty aborted transaction list', async () => {
  const res = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'orders', partitions: [{ partition: 1, fetchOffset: 0n }] }], { isolationLevel: 1 }));
  const p = onlyPartition(res);
  assert.equal(p.lastStableOffset, 1n);
  assert.deepEqual(p.abortedTransactions, []);
});

test('consumers read up to the high watermark only', async () => {
  await makeTopic(tb, 'hw');
  append(tb, 'hw', 0, values('x', 2));
  append(tb, 'hw', 0, values('y', 2), { advanceHw: false });
  const req = fetchRequest([{ topic: 'hw', partitions: [{ partition: 0, fetchOffset: 0n }] }]);
  let p = onlyPartition(await tb.client.request(ApiKey.Fetch, 11, req));
  assert.equal(p.highWatermark, 2n);
  assert.deepEqual(decodeRecords(p.records).map((r) => r.offset), [0, 1]);
  // At the high watermark with more in the log: no data, no error.
  p = onlyPartition(await tb.client.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'hw', partitions: [{ partition: 0, fetchOffset: 2n }] }])));
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.records?.length, 0);
  logOf(tb, 'hw').maybeIncrementHighWatermark(4);
  p = onlyPartition(await tb.client.request(ApiKey.Fetch, 11, req));
  assert.deepEqual(decodeRecords(p.records).map((r) => r.offset), [0, 1, 2, 3]);
});

test('KIP-74: the first batch comes back whole even past partition_max_bytes and max_bytes; later ones must fit', async () => {
  await makeTopic(tb, 'big', 2);
  append(tb, 'big', 0, values('p0', 4, 500));
  append(tb, 'big', 0, values('p0b', 1, 10));
  append(tb, 'big', 1, values('p1', 1, 10));
  const res = await tb.client.request(
    ApiKey.Fetch,
    12,
    fetchRequest(
      [{ topic: 'big', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 100 }, { partition: 1, fetchOffset: 0n, partitionMaxBytes: 100 }] }],
      { maxBytes: 100 },
    ),
  );
  const parts = partitionsOf(res);
  const p0 = parts.get('big:0')!;
  assert.ok(p0.records!.length > 2000, 'the oversized first batch is returned');
  assert.deepEqual(decodeRecords(p0.records).map((r) => r.offset), [0, 1, 2, 3], 'only the first batch');
  assert.equal(parts.get('big:1')!.records!.length, 0, 'the request budget is spent');
  assert.equal(parts.get('big:1')!.errorCode, ErrorCode.NONE);
});

test('OFFSET_OUT_OF_RANGE above the log end and below the log start; the log end itself is fine', async () => {
  const at = async (offset: bigint) =>
    onlyPartition(await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: offset }] }])));
  let p = await at(6n);
  assert.equal(p.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(p.highWatermark, -1n);
  assert.equal(p.logStartOffset, -1n);
  p = await at(5n);
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.records!.length, 0);
  p = await at(-1n);
  assert.equal(p.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test('unknown topics, partitions and topic ids; errors come after the partitions read', async () => {
  let res = await tb.client.request(
    ApiKey.Fetch,
    12,
    fetchRequest([
      { topic: 'nope', partitions: [{ partition: 0, fetchOffset: 0n }] },
      { topic: 'orders', partitions: [{ partition: 7, fetchOffset: 0n }, { partition: 1, fetchOffset: 0n }] },
    ]),
  );
  assert.deepEqual(
    res.responses.map((t) => [t.topic, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]),
    [
      ['orders', [[1, ErrorCode.NONE]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['orders', [[7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ],
  );
  const unknownId = Buffer.alloc(16, 7);
  res = await tb.client.request(ApiKey.Fetch, 13, fetchRequest([{ topicId: unknownId, partitions: [{ partition: 0, fetchOffset: 0n }] }]));
  assert.ok(res.responses[0]!.topicId.equals(unknownId));
  assert.equal(onlyPartition(res).errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  assert.equal(onlyPartition(res).records, null);
});

test('current leader epoch: ahead gets UNKNOWN_LEADER_EPOCH, behind FENCED_LEADER_EPOCH with the leader (v16+)', async () => {
  const req = (epoch: number) => fetchRequest([{ topic: 'orders', partitions: [{ partition: 1, fetchOffset: 0n, currentLeaderEpoch: epoch }] }]);
  assert.equal(onlyPartition(await tb.client.request(ApiKey.Fetch, 12, req(1))).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  assert.equal(onlyPartition(await tb.client.request(ApiKey.Fetch, 12, req(0))).errorCode, ErrorCode.NONE);
  const pm = tb.broker.metadata.topic('orders')!.partitions[1]!;
  pm.leaderEpoch = 3; // as after two leader changes
  try {
    let res = await tb.client.request(ApiKey.Fetch, 12, req(1));
    assert.equal(onlyPartition(res).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    res = await tb.client.request(ApiKey.Fetch, 16, fetchRequest([{ topicId, partitions: [{ partition: 1, fetchOffset: 0n, currentLeaderEpoch: 1 }] }]));
    const p = onlyPartition(res);
    assert.equal(p.errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    assert.deepEqual([p.currentLeader.leaderId, p.currentLeader.leaderEpoch], [tb.broker.nodeId, 3]);
    assert.deepEqual(res.nodeEndpoints.map((n) => [n.nodeId, n.port]), [[tb.broker.nodeId, tb.broker.port]]);
  } finally {
    pm.leaderEpoch = 0;
  }
});

test('last fetched epoch (v12+): a fetch past the end of that epoch learns the diverging epoch; an unknown epoch is out of range', async () => {
  const req = (lastFetchedEpoch: number, fetchOffset: bigint) =>
    fetchRequest([{ topic: 'orders', partitions: [{ partition: 0, fetchOffset, lastFetchedEpoch, currentLeaderEpoch: 0 }] }]);
  let p = onlyPartition(await tb.client.request(ApiKey.Fetch, 12, req(0, 7n)));
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.deepEqual([p.divergingEpoch.epoch, p.divergingEpoch.endOffset], [0, 5n]);
  assert.equal(p.records!.length, 0);
  p = onlyPartition(await tb.client.request(ApiKey.Fetch, 12, req(4, 2n)));
  assert.equal(p.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  p = onlyPartition(await tb.client.request(ApiKey.Fetch, 12, req(0, 2n)));
  assert.equal(p.divergingEpoch.epoch, -1);
  assert.deepEqual(decodeRecords(p.records).map((r) => r.offset), [0, 1, 2, 3, 4]);
});

test('replica fetches are answered as from a follower the leader does not know', async () => {
  let res = await tb.client.request(ApiKey.Fetch, 14, fetchRequest([{ topic: '', topicId, partitions: [{ partition: 0, fetchOffset: 0n }] }], { replicaId: 2 }));
  assert.equal(onlyPartition(res).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  res = await tb.client.request(
    ApiKey.Fetch,
    15,
    fetchRequest([{ topicId, partitions: [{ partition: 0, fetchOffset: 0n, currentLeaderEpoch: 0 }] }], { replicaState: { replicaId: 2, replicaEpoch: 5n } }),
  );
  assert.equal(onlyPartition(res).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
});

test('zstd topics: UNSUPPORTED_COMPRESSION_TYPE before v10, records from v10', async () => {
  await makeTopic(tb, 'zst', 1, { 'compression.type': 'zstd' });
  // The records may be anything: Kafka decides by the topic's compression.type.
  append(tb, 'zst', 0, values('z', 3), { compression: CompressionType.Lz4 });
  const req = fetchRequest([{ topic: 'zst', partitions: [{ partition: 0, fetchOffset: 0n }] }]);
  let p = onlyPartition(await tb.client.request(ApiKey.Fetch, 9, req));
  assert.equal(p.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  p = onlyPartition(await tb.client.request(ApiKey.Fetch, 10, req));
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.deepEqual(decodeRecords(p.records).map((r) => r.value), ['z-0', 'z-1', 'z-2']);
});

test('a partition named twice is fetched once, with the last values given', async () => {
  const res = await tb.client.request(
    ApiKey.Fetch,
    12,
    fetchRequest([{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: 0n }, { partition: 0, fetchOffset: 3n }] }]),
  );
  assert.deepEqual(decodeRecords(onlyPartition(res).records).map((r) => r.value), ['b-0', 'b-1']);
});
