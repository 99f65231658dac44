// Metadata auto-creation answers as Kafka 4.4 does (checked against a 4.4.0 broker at v1, v4,
// v9 and v12): the request that creates a topic gets UNKNOWN_TOPIC_OR_PARTITION with no
// partitions and no topic id; the next request sees the partitions. The same after the topic
// is deleted and asked for again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

const ZERO = Buffer.alloc(16);

let ab: TestBroker;
before(async () => {
  ab = await startTestBroker({ config: { 'num.partitions': 2, 'offsets.topic.num.partitions': 3 } });
});
after(() => ab.close());

async function lookup(version: number, name: string, allowAutoTopicCreation = true) {
  const r = await ab.client.request(ApiKey.Metadata, version, {
    topics: [{ name, topicId: ZERO }],
    allowAutoTopicCreation,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(r.topics.length, 1);
  const t = r.topics[0]!;
  assert.equal(t.name, name);
  return { errorCode: t.errorCode, partitions: t.partitions.map((p) => [p.errorCode, p.partitionIndex, p.leaderId]), topicId: Buffer.from(t.topicId), isInternal: t.isInternal };
}

const self = () => ab.broker.nodeId;

test('the first Metadata request creates the topic and answers UNKNOWN_TOPIC_OR_PARTITION; the next has the partitions', async () => {
  for (const v of [0, 1, 4, 9, 10, 12, 13]) {
    const name = `auto-v${v}`;
    const first = await lookup(v, name);
    assert.deepEqual(first, { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partitions: [], topicId: ZERO, isInternal: false }, `v${v} first`);
    assert.ok(ab.broker.metadata.topic(name) !== undefined, `v${v}: created by the first request`);
    const next = await lookup(v, name);
    assert.equal(next.errorCode, ErrorCode.NONE, `v${v} next`);
    assert.deepEqual(next.partitions, [[0, 0, self()], [0, 1, self()]]);
    if (v >= 10) assert.deepEqual(next.topicId, ab.broker.metadata.topic(name)!.id);
  }
});

test('deleted and asked for again: the same sequence, with a new topic id', async () => {
  await lookup(12, 'again');
  const before = await lookup(12, 'again');
  assert.equal(before.errorCode, ErrorCode.NONE);
  const del = await ab.client.request(ApiKey.DeleteTopics, 6, { topics: [{ name: 'again', topicId: ZERO }], topicNames: [], timeoutMs: 10_000 });
  assert.equal(del.responses[0]!.errorCode, ErrorCode.NONE);
  const first = await lookup(12, 'again');
  assert.deepEqual([first.errorCode, first.partitions, first.topicId], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, [], ZERO]);
  const next = await lookup(12, 'again');
  assert.equal(next.errorCode, ErrorCode.NONE);
  assert.equal(next.partitions.length, 2);
  assert.notDeepEqual(next.topicId, before.topicId);
});

test('without auto-creation, or with an illegal name, nothing is created', async () => {
  assert.deepEqual(await lookup(12, 'not-created', false), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partitions: [], topicId: ZERO, isInternal: false });
  assert.equal(ab.broker.metadata.topic('not-created'), undefined);
  assert.equal((await lookup(12, 'bad name!')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.equal(ab.broker.metadata.topic('bad name!'), undefined);
});

test("internal topics are auto-created with their coordinator's settings, or not at all while it does not exist", async () => {
  const first = await lookup(12, '__consumer_offsets');
  assert.deepEqual([first.errorCode, first.partitions, first.isInternal], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, [], true]);
  const next = await lookup(12, '__consumer_offsets');
  assert.deepEqual([next.errorCode, next.partitions.length, next.isInternal], [ErrorCode.NONE, 3, true], 'offsets.topic.num.partitions, not num.partitions');
  assert.equal(ab.broker.logs.logConfigFor('__consumer_offsets')['cleanup.policy'], 'compact');
  for (const name of ['__transaction_state', '__share_group_state']) {
    assert.deepEqual((await lookup(12, name)), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partitions: [], topicId: ZERO, isInternal: true }, name);
    assert.equal(ab.broker.metadata.topic(name), undefined, name);
  }
});
