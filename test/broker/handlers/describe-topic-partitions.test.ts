import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { DescribeTopicPartitionsResponse } from '../../../src/protocol/generated/describe-topic-partitions-response.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

const req = (names: string[], limit = 2000, cursor: { topicName: string; partitionIndex: number } | null = null) => ({
  topics: names.map((name) => ({ name })),
  responsePartitionLimit: limit,
  cursor,
});
const summary = (r: DescribeTopicPartitionsResponse) => ({
  topics: r.topics.map((t) => `${t.name}:${t.errorCode}:${t.partitions.map((p) => p.partitionIndex).join(',')}`),
  next: r.nextCursor === null ? null : `${r.nextCursor.topicName}/${r.nextCursor.partitionIndex}`,
});

test('DescribeTopicPartitions v0: sorted topics, partitions with empty ELR, errors for unknown and invalid names', async () => {
  const ab = await startTestBroker();
  try {
    const ids = await createTopics(ab, newTopic('b', 2), newTopic('a', 3), newTopic('c'));
    const res = await ab.client.request(ApiKey.DescribeTopicPartitions, 0, req(['c', 'a', 'nosuch', 'bad name!', 'b']));
    assert.deepEqual(summary(res), { topics: ['a:0:0,1,2', 'b:0:0,1', 'bad name!:17:', 'c:0:0', 'nosuch:3:'], next: null });
    const a = res.topics[0]!;
    assert.ok(a.topicId.equals(ids.get('a')!));
    assert.deepEqual([a.isInternal, a.topicAuthorizedOperations], [false, 3576]);
    assert.deepEqual(a.partitions[1], {
      errorCode: 0, partitionIndex: 1, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [],
    });
  } finally {
    await ab.close();
  }
});

test('DescribeTopicPartitions pages by response_partition_limit with a cursor, as Kafka does', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('a', 3), newTopic('b', 2), newTopic('c'));
    const names = ['a', 'b', 'c'];
    const call = async (limit: number, cursor: { topicName: string; partitionIndex: number } | null = null, list = names) =>
      summary(await ab.client.request(ApiKey.DescribeTopicPartitions, 0, req(list, limit, cursor)));
    assert.deepEqual(await call(2), { topics: ['a:0:0,1'], next: 'a/2' });
    assert.deepEqual(await call(2, { topicName: 'a', partitionIndex: 2 }), { topics: ['a:0:2', 'b:0:0'], next: 'b/1' });
    assert.deepEqual(await call(3), { topics: ['a:0:0,1,2'], next: 'b/0' }, 'a full topic points the cursor at the next one');
    assert.deepEqual(await call(0, null, ['c']), { topics: ['c:0:0'], next: null }, 'a limit below 1 counts as 1');
    assert.deepEqual(await call(10, { topicName: 'a', partitionIndex: 7 }, ['a', 'b']), { topics: ['a:0:', 'b:0:0,1'], next: null });
    // All topics (empty list) from a cursor.
    assert.deepEqual(await call(1, { topicName: 'b', partitionIndex: 1 }, []), { topics: ['b:0:1'], next: 'c/0' });
    // A cursor outside the list, or negative: INVALID_REQUEST for every topic.
    const bad = await ab.client.request(ApiKey.DescribeTopicPartitions, 0, req(['a'], 10, { topicName: 'b', partitionIndex: 0 }));
    assert.deepEqual(bad.topics.map((t) => [t.name, t.errorCode, t.topicAuthorizedOperations]), [['a', ErrorCode.INVALID_REQUEST, -2147483648]]);
    const neg = await ab.client.request(ApiKey.DescribeTopicPartitions, 0, req(['a'], 10, { topicName: 'a', partitionIndex: -1 }));
    assert.equal(neg.topics[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  } finally {
    await ab.close();
  }
});
