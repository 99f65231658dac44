// Group configs take effect where Kafka's GroupConfigManager applies them: the heartbeat
// interval a consumer, streams or share group's members are given, the number of standby
// tasks of a streams group, the acquisition lock a share group's records get, where a share
// group starts and whether it reads committed records only; and a value the
// broker's bounds no longer allow after a restart is clamped into them (GroupConfig.evaluate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultConsumerGroupHeartbeatRequest } from '../../../src/protocol/generated/consumer-group-heartbeat-request.js';
import { defaultStreamsGroupHeartbeatRequest } from '../../../src/protocol/generated/streams-group-heartbeat-request.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { append, values } from '../fetch/helpers.js';

const GROUP = 32;

async function setGroupConfigs(tb: TestBroker, group: string, configs: Record<string, string>): Promise<void> {
  const r = await tb.client.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: GROUP, resourceName: group, configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: 0, value })) }],
    validateOnly: false,
  });
  assert.deepEqual(r.responses.map((x) => [x.errorCode, x.errorMessage]), [[ErrorCode.NONE, null]]);
}

const consumerJoin = (groupId: string, memberId: string) => ({
  ...defaultConsumerGroupHeartbeatRequest(), groupId, memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['fx-in'], topicPartitions: [],
});

test('consumer and share groups get their own heartbeat interval; a share group its own record lock duration', async () => {
  const tb = await startTestBroker();
  try {
    const topic = await makeTopic(tb, 'fx-in', 2);
    await setGroupConfigs(tb, 'tuned', { 'consumer.heartbeat.interval.ms': '7000' });
    const tuned = await tb.client.request(ApiKey.ConsumerGroupHeartbeat, 1, consumerJoin('tuned', 'm-tuned-0000000001'));
    const plain = await tb.client.request(ApiKey.ConsumerGroupHeartbeat, 1, consumerJoin('plain', 'm-plain-0000000001'));
    assert.deepEqual([tuned.errorCode, tuned.heartbeatIntervalMs, plain.errorCode, plain.heartbeatIntervalMs], [ErrorCode.NONE, 7000, ErrorCode.NONE, 5000]);

    await setGroupConfigs(tb, 'workers', { 'share.heartbeat.interval.ms': '9000', 'share.record.lock.duration.ms': '20000' });
    const joined = await tb.client.request(ApiKey.ShareGroupHeartbeat, 1, { groupId: 'workers', memberId: 'member-1', memberEpoch: 0, rackId: null, subscribedTopicNames: ['fx-in'] });
    assert.deepEqual([joined.errorCode, joined.heartbeatIntervalMs], [ErrorCode.NONE, 9000]);
    const fetched = await tb.client.request(ApiKey.ShareFetch, 2, {
      groupId: 'workers', memberId: 'member-1', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100,
      shareAcquireMode: 0, isRenewAck: false, topics: [{ topicId: topic.id, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }], forgottenTopicsData: [],
    });
    assert.deepEqual([fetched.errorCode, fetched.acquisitionLockTimeoutMs], [ErrorCode.NONE, 20_000]);
    assert.equal(tb.broker.share.groupSettings('workers').partition.recordLockDurationMs, 20_000);
    assert.equal(tb.broker.share.groupSettings('other').partition.recordLockDurationMs, 30_000);
    // Changed while the group runs: the next heartbeat carries the new interval.
    await setGroupConfigs(tb, 'tuned', { 'consumer.heartbeat.interval.ms': '12000' });
    const again = await tb.client.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...defaultConsumerGroupHeartbeatRequest(), groupId: 'tuned', memberId: 'm-tuned-0000000001', memberEpoch: tuned.memberEpoch });
    assert.deepEqual([again.errorCode, again.heartbeatIntervalMs], [ErrorCode.NONE, 12_000]);
  } finally {
    await tb.close();
  }
});

test('share.isolation.level=read_committed: a share group is given records up to the last stable offset only', async () => {
  const tb = await startTestBroker();
  try {
    const topic = await makeTopic(tb, 'fx-txn');
    append(tb, 'fx-txn', 0, values('plain', 2)); // 0-1
    append(tb, 'fx-txn', 0, values('open', 2), { producerId: 7, producerEpoch: 0, baseSequence: 0, transactional: true }); // 2-3, not committed
    append(tb, 'fx-txn', 0, values('after', 1)); // 4
    await setGroupConfigs(tb, 'committed', { 'share.isolation.level': 'read_committed', 'share.auto.offset.reset': 'earliest' });
    await setGroupConfigs(tb, 'uncommitted', { 'share.auto.offset.reset': 'earliest' });
    const acquired = async (groupId: string) => {
      const joined = await tb.client.request(ApiKey.ShareGroupHeartbeat, 1, { groupId, memberId: `${groupId}-member`, memberEpoch: 0, rackId: null, subscribedTopicNames: ['fx-txn'] });
      assert.equal(joined.errorCode, ErrorCode.NONE);
      const r = await tb.client.request(ApiKey.ShareFetch, 2, {
        groupId, memberId: `${groupId}-member`, shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100,
        shareAcquireMode: 0, isRenewAck: false, topics: [{ topicId: topic.id, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }], forgottenTopicsData: [],
      });
      assert.equal(r.errorCode, ErrorCode.NONE);
      return r.responses[0]!.partitions[0]!.acquiredRecords.map((a) => [Number(a.firstOffset), Number(a.lastOffset)]);
    };
    assert.deepEqual(await acquired('committed'), [[0, 1]]);
    assert.deepEqual(await acquired('uncommitted'), [[0, 4]]);
  } finally {
    await tb.close();
  }
});

test('a streams group gets its own heartbeat interval and standby replicas', async () => {
  const tb = await startTestBroker({ config: { 'group.streams.initial.rebalance.delay.ms': 0, 'group.streams.assignment.interval.ms': 0 } });
  try {
    await makeTopic(tb, 'fx-in', 2);
    await setGroupConfigs(tb, 'app', { 'streams.heartbeat.interval.ms': '6000', 'streams.num.standby.replicas': '1' });
    const topology = {
      epoch: 1,
      subtopologies: [{ subtopologyId: '0', sourceTopics: ['fx-in'], sourceTopicRegex: [], stateChangelogTopics: [{ name: 'app-store-changelog', partitions: 0, replicationFactor: 0, topicConfigs: [] }], repartitionSinkTopics: [], repartitionSourceTopics: [], copartitionGroups: [] }],
    };
    const join = (memberId: string, processId: string) => ({
      ...defaultStreamsGroupHeartbeatRequest(), groupId: 'app', memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, topology,
      activeTasks: [], standbyTasks: [], warmupTasks: [], processId, userEndpoint: null, clientTags: [],
    });
    const m1 = await tb.client.request(ApiKey.StreamsGroupHeartbeat, 1, join('m1', 'p1'));
    assert.deepEqual([m1.errorCode, m1.heartbeatIntervalMs], [ErrorCode.NONE, 6000]);
    const m2 = await tb.client.request(ApiKey.StreamsGroupHeartbeat, 1, join('m2', 'p2'));
    assert.equal(m2.errorCode, ErrorCode.NONE);
    // With one standby replica per task (the broker's default is none), the second member, on
    // another process, stands by for the task it does not run.
    assert.deepEqual([m2.activeTasks, m2.standbyTasks], [[{ subtopologyId: '0', partitions: [1] }], [{ subtopologyId: '0', partitions: [0] }]]);
  } finally {
    await tb.close();
  }
});

test('a group value outside the bounds the broker restarted with is clamped into them', async () => {
  const first = await startTestBroker();
  const logDir = first.logDir;
  let second: TestBroker | undefined;
  try {
    await makeTopic(first, 'fx-in');
    await setGroupConfigs(first, 'clamped', { 'consumer.heartbeat.interval.ms': '14000' });
    await first.close(true);
    second = await startTestBroker({ logDir, config: { 'group.consumer.max.heartbeat.interval.ms': 8000 } });
    const r = await second.client.request(ApiKey.ConsumerGroupHeartbeat, 1, consumerJoin('clamped', 'm-clamp-0000000001'));
    assert.deepEqual([r.errorCode, r.heartbeatIntervalMs], [ErrorCode.NONE, 8000]);
  } finally {
    if (second !== undefined) await second.close();
    else await first.close();
  }
});
