import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { DeleteRecordsPartitionResult } from '../../../src/protocol/generated/delete-records-response.js';
import { append, values } from '../fetch/helpers.js';
import { fetchRequest, onlyPartition } from '../fetch/requests.js';
import { type TestBroker, logOf, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

let tb: TestBroker;

before(async () => {
  tb = await startTestBroker();
  await makeTopic(tb, 'dr', 2);
  for (let i = 0; i < 5; i++) append(tb, 'dr', 0, values(`b${i}`, 2)); // offsets 0-9, HW 10
  append(tb, 'dr', 0, values('late', 2), { advanceHw: false }); // 10-11
  await makeTopic(tb, 'compacted', 1, { 'cleanup.policy': 'compact' });
  await makeTopic(tb, '__consumer_offsets', 1);
});

after(async () => {
  await tb.close();
});

async function del(version: number, offset: number, topic = 'dr', partition = 0): Promise<DeleteRecordsPartitionResult> {
  const res = await tb.client.request(ApiKey.DeleteRecords, version, {
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset: BigInt(offset) }] }],
    timeoutMs: 1000,
  });
  assert.equal(res.topics[0]!.name, topic);
  return res.topics[0]!.partitions[0]!;
}

const pair = (r: DeleteRecordsPartitionResult) => [r.errorCode, Number(r.lowWatermark)];

test('DeleteRecords v0 (lowest) and v2 (highest) move the log start offset and answer the low watermark', async () => {
  assert.deepEqual(pair(await del(0, 3)), [0, 3]);
  assert.equal(logOf(tb, 'dr').logStartOffset, 3);
  assert.deepEqual(pair(await del(2, 2)), [0, 3], 'never backwards');
  assert.deepEqual(pair(await del(1, 4)), [0, 4]);
  // Consumers see the new start: below it is out of range, earliest is 4.
  const p = onlyPartition(await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'dr', partitions: [{ partition: 0, fetchOffset: 2n }] }])));
  assert.equal(p.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const lo = await tb.client.request(ApiKey.ListOffsets, 5, {
    replicaId: -1,
    isolationLevel: 0,
    timeoutMs: 0,
    topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }],
  });
  assert.equal(lo.topics[0]!.partitions[0]!.offset, 4n);
});

test('-1 deletes up to the high watermark; past it, or below 0, is OFFSET_OUT_OF_RANGE', async () => {
  assert.deepEqual(pair(await del(2, 11)), [ErrorCode.OFFSET_OUT_OF_RANGE, -1]);
  assert.deepEqual(pair(await del(2, -2)), [ErrorCode.OFFSET_OUT_OF_RANGE, -1]);
  assert.deepEqual(pair(await del(2, -1)), [0, 10]);
  const p = onlyPartition(await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'dr', partitions: [{ partition: 0, fetchOffset: 10n }] }])));
  assert.deepEqual([p.errorCode, p.logStartOffset, p.highWatermark], [0, 10n, 10n]);
});

test('errors: unknown partition, compacted topic, internal topic', async () => {
  assert.deepEqual(pair(await del(2, 0, 'missing')), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]);
  assert.deepEqual(pair(await del(2, 0, 'dr', 9)), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]);
  assert.deepEqual(pair(await del(2, 0, 'compacted')), [ErrorCode.POLICY_VIOLATION, -1]);
  assert.deepEqual(pair(await del(2, 0, '__consumer_offsets')), [ErrorCode.INVALID_TOPIC_EXCEPTION, -1]);
  assert.deepEqual(pair(await del(0, 0, 'dr', 1)), [0, 0], 'an empty partition: nothing to delete');
});
