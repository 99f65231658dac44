import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

const topic = (name: string, count: number, assignments: number[][] | null = null) => ({ name, count, assignments: assignments === null ? null : assignments.map((brokerIds) => ({ brokerIds })) });

test('CreatePartitions v0 (lowest) and v3 (highest) add partitions and their logs', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('grow', 1, 1, { 'retention.ms': '1234' }), newTopic('assigned', 1));
    const v0 = await ab.client.request(ApiKey.CreatePartitions, 0, { topics: [topic('grow', 3)], timeoutMs: 10_000, validateOnly: false });
    assert.deepEqual(v0.results, [{ name: 'grow', errorCode: ErrorCode.NONE, errorMessage: null }]);
    assert.equal(ab.broker.metadata.topic('grow')!.partitions.length, 3);
    assert.equal(ab.broker.logs.getLog('grow', 2)!.config['retention.ms'], 1234, 'new partitions get the topic config');
    const v3 = await ab.client.request(ApiKey.CreatePartitions, 3, { topics: [topic('assigned', 3, [[1], [1]])], timeoutMs: 10_000, validateOnly: false });
    assert.equal(v3.results[0]!.errorCode, ErrorCode.NONE);
    assert.ok(ab.broker.logs.getLog('assigned', 2) !== undefined);
    const md = await ab.client.request(ApiKey.Metadata, 12, { topics: [{ name: 'grow', topicId: Buffer.alloc(16) }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    assert.equal(md.topics[0]!.partitions.length, 3);
  } finally {
    await ab.close();
  }
});

test("CreatePartitions refuses decreases, bad assignments and unknown topics with Kafka's messages; validate_only changes nothing", async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('three', 3), newTopic('one'), newTopic('two', 2));
    const res = await ab.client.request(ApiKey.CreatePartitions, 3, {
      topics: [
        topic('three', 3),
        topic('two', 1),
        topic('nosuch', 4),
        topic('one', 3, [[1]]),
        topic('dup', 2),
        topic('dup', 3),
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const by = new Map(res.results.map((r) => [r.name, [r.errorCode, r.errorMessage]]));
    assert.deepEqual(by.get('three'), [ErrorCode.INVALID_PARTITIONS, 'Topic already has 3 partition(s).']);
    assert.deepEqual(by.get('two'), [ErrorCode.INVALID_PARTITIONS, 'The topic two currently has 2 partition(s); 1 would not be an increase.']);
    assert.deepEqual(by.get('nosuch'), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null]);
    assert.deepEqual(by.get('one'), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.']);
    assert.deepEqual(by.get('dup'), [ErrorCode.INVALID_REQUEST, 'Duplicate topic name.']);
    assert.equal(res.results.length, 5);

    const assign = await ab.client.request(ApiKey.CreatePartitions, 1, {
      topics: [topic('one', 2, [[2]]), topic('two', 3, [[1, 1]]), topic('three', 4, [[]])],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const a = new Map(assign.results.map((r) => [r.name, r.errorMessage]));
    assert.equal(a.get('one'), 'The manual partition assignment includes broker 2, but no such broker is registered.');
    assert.equal(a.get('two'), 'The manual partition assignment includes the broker 1 more than once.');
    assert.equal(a.get('three'), 'The manual partition assignment includes an empty replica list.');

    const dry = await ab.client.request(ApiKey.CreatePartitions, 2, { topics: [topic('one', 5)], timeoutMs: 10_000, validateOnly: true });
    assert.equal(dry.results[0]!.errorCode, ErrorCode.NONE);
    assert.equal(ab.broker.metadata.topic('one')!.partitions.length, 1);
    assert.equal(ab.broker.logs.getLog('one', 1), undefined);
  } finally {
    await ab.close();
  }
});
