import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { ListOffsetsRequest } from '../../../src/protocol/generated/list-offsets-request.js';
import type { ListOffsetsPartitionResponse } from '../../../src/protocol/generated/list-offsets-response.js';
import { append } from '../fetch/helpers.js';
import { type TestBroker, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

let tb: TestBroker;

before(async () => {
  tb = await startTestBroker();
  await makeTopic(tb, 'lo', 2);
  const r = (ts: number) => ({ value: Buffer.from(`at-${ts}`), timestamp: ts });
  append(tb, 'lo', 0, [r(1000), r(1001)]); // offsets 0-1
  append(tb, 'lo', 0, [r(2000)]); // 2: the largest timestamp
  append(tb, 'lo', 0, [r(1500), r(1600)]); // 3-4
  append(tb, 'lo', 0, [r(5000)], { advanceHw: false }); // 5: past the high watermark
});

after(async () => {
  await tb.close();
});

function req(partitions: Array<{ partition?: number; timestamp: number; currentLeaderEpoch?: number; topic?: string }>, opts: Partial<ListOffsetsRequest> = {}): ListOffsetsRequest {
  const topics = new Map<string, ListOffsetsRequest['topics'][number]>();
  for (const p of partitions) {
    const name = p.topic ?? 'lo';
    if (!topics.has(name)) topics.set(name, { name, partitions: [] });
    topics.get(name)!.partitions.push({ partitionIndex: p.partition ?? 0, timestamp: BigInt(p.timestamp), currentLeaderEpoch: p.currentLeaderEpoch ?? -1 });
  }
  return { replicaId: -1, isolationLevel: 0, timeoutMs: 0, ...opts, topics: [...topics.values()] };
}

async function one(version: number, timestamp: number, opts: Partial<ListOffsetsRequest> & { currentLeaderEpoch?: number } = {}): Promise<ListOffsetsPartitionResponse> {
  const { currentLeaderEpoch, ...rest } = opts;
  const res = await tb.client.request(ApiKey.ListOffsets, version, req([{ timestamp, currentLeaderEpoch }], rest));
  assert.equal(res.topics.length, 1);
  assert.equal(res.topics[0]!.partitions.length, 1);
  return res.topics[0]!.partitions[0]!;
}

const triple = (p: ListOffsetsPartitionResponse) => [p.errorCode, Number(p.offset), Number(p.timestamp), p.leaderEpoch];

test('ListOffsets v1 (lowest): latest is the high watermark, earliest the log start, lookups by timestamp', async () => {
  assert.deepEqual(triple(await one(1, -1)), [0, 5, -1, -1]);
  assert.deepEqual(triple(await one(1, -2)), [0, 0, -1, -1]);
  // The first offset whose timestamp is >= the target, in offset order.
  assert.deepEqual(triple(await one(1, 1001)), [0, 1, 1001, -1]);
  assert.deepEqual(triple(await one(1, 1500)), [0, 2, 2000, -1]);
  assert.deepEqual(triple(await one(1, 0)), [0, 0, 1000, -1]);
  // Only past the high watermark, or nowhere: offset -1, timestamp -1.
  assert.deepEqual(triple(await one(1, 4000)), [0, -1, -1, -1]);
  assert.deepEqual(triple(await one(1, 9000)), [0, -1, -1, -1]);
});

test('ListOffsets v10: leader epochs, max timestamp, earliest local, latest tiered', async () => {
  assert.deepEqual(triple(await one(10, -1)), [0, 5, -1, 0]);
  assert.deepEqual(triple(await one(10, -2)), [0, 0, -1, 0]);
  // The largest timestamp is at offset 5, past the high watermark: consumers may not see it yet.
  assert.deepEqual(triple(await one(10, -3)), [0, -1, -1, -1]);
  assert.deepEqual(triple(await one(10, -3, { replicaId: -2 })), [0, 5, 5000, 0]);
  assert.deepEqual(triple(await one(10, -4)), [0, 0, -1, 0]);
  assert.deepEqual(triple(await one(10, -5)), [0, -1, -1, -1]);
  assert.deepEqual(triple(await one(10, 1600)), [0, 2, 2000, 0]);
});

test('ListOffsets v11 (highest): -6, the earliest offset pending upload to tiered storage, is none without it', async () => {
  assert.deepEqual(triple(await one(11, -6)), [0, -1, -1, -1]);
  // The rest answers as v10 does.
  assert.deepEqual(triple(await one(11, -1)), [0, 5, -1, 0]);
  assert.deepEqual(triple(await one(11, 1600)), [0, 2, 2000, 0]);
});

test('special timestamps before their version, and unknown ones, are UNSUPPORTED_VERSION', async () => {
  assert.equal((await one(6, -3)).errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.equal((await one(7, -4)).errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.equal((await one(8, -5)).errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.equal((await one(10, -6)).errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.equal((await one(11, -7)).errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.equal((await one(7, -3)).errorCode, ErrorCode.NONE);
});

test('replicas and tools see the log end; read_committed consumers the last stable offset', async () => {
  assert.equal((await one(4, -1, { replicaId: -2 })).offset, 6n);
  assert.equal((await one(4, -1, { replicaId: 1 })).offset, 6n);
  assert.equal((await one(4, 4000, { replicaId: -2 })).offset, 5n);
  assert.equal((await one(2, -1, { isolationLevel: 1 })).offset, 5n);
});

test('leader epoch checks (v4+), unknown partitions, partitions named twice', async () => {
  assert.equal((await one(4, -1, { currentLeaderEpoch: 1 })).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  assert.equal((await one(4, -1, { currentLeaderEpoch: 0 })).errorCode, ErrorCode.NONE);
  assert.equal((await one(4, -1, { currentLeaderEpoch: -7 })).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  const res = await tb.client.request(
    ApiKey.ListOffsets,
    6,
    req([
      { timestamp: -1 },
      { timestamp: -2, partition: 1 },
      { timestamp: -1, partition: 1 },
      { timestamp: -1, partition: 5 },
      { timestamp: -1, topic: 'missing' },
    ]),
  );
  const by = new Map(res.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}:${p.partitionIndex}`, p.errorCode])));
  assert.deepEqual([...by], [
    ['lo:0', ErrorCode.NONE],
    ['lo:1', ErrorCode.INVALID_REQUEST],
    ['lo:5', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['missing:0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ]);
});

test('an empty partition: latest and earliest 0, max timestamp none', async () => {
  const res = await tb.client.request(ApiKey.ListOffsets, 9, req([{ partition: 1, timestamp: -3 }]));
  assert.deepEqual(triple(res.topics[0]!.partitions[0]!), [0, -1, -1, -1]);
  const latest = await tb.client.request(ApiKey.ListOffsets, 9, req([{ partition: 1, timestamp: -1 }]));
  assert.deepEqual(triple(latest.topics[0]!.partitions[0]!), [0, 0, -1, 0]);
});
