// Configuring a topology against the topics: missing topics, derived partition counts, copartitioning, internal topics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configureTopics, isReady, StreamsStatus, summarizeTopics } from '../../../src/coordinator/streams/configured-topology.js';
import { GroupError, StreamsErrorCode } from '../../../src/coordinator/streams/errors.js';
import { topologyFromWire, validateTopology } from '../../../src/coordinator/streams/topology.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { FakeTopics, topology, type SubtopologySpec } from './streams-helpers.js';

function configure(subs: SubtopologySpec[], topics: FakeTopics) {
  return configureTopics(topologyFromWire(topology(1, subs)), topics);
}

function topicsWith(...list: Array<[string, number]>): FakeTopics {
  const t = new FakeTopics();
  for (const [name, n] of list) t.create(name, n);
  return t;
}

function throwsCode(fn: () => unknown, code: number, message?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GroupError, String(err));
    assert.equal(err.errorCode, code);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

test('missing source topics: not ready, with Kafka\'s status and message', () => {
  const c = configure([{ id: '0', sources: ['b', 'a'] }, { id: '1', sources: ['c'] }], topicsWith(['c', 1]));
  assert.equal(isReady(c), false);
  assert.equal(c.subtopologies, null);
  assert.deepEqual(c.status, { statusCode: StreamsStatus.MissingSourceTopics, statusDetail: 'Source topics a, b are missing.' });
});

test('a regular expression matching no topic counts as a missing source topic; one matching topics reads them', () => {
  const none = configure([{ id: '0', regex: ['in-.*'] }], topicsWith(['other', 1]));
  assert.equal(none.status?.statusCode, StreamsStatus.MissingSourceTopics);
  const some = configure([{ id: '0', regex: ['in-.*'] }], topicsWith(['in-a', 2], ['in-b', 5]));
  assert.ok(isReady(some));
  assert.equal(some.subtopologies!.get('0')!.numTasks, 5);
  assert.deepEqual([...some.subtopologies!.get('0')!.sourceTopics.keys()], ['in-a', 'in-b']);
});

test('changelog topics get as many partitions as their subtopology has tasks, and are created when missing', () => {
  const topics = topicsWith(['in', 3], ['other', 6]);
  const c = configure([{ id: '0', sources: ['in', 'other'], changelogs: ['app-store-changelog'] }], topics);
  assert.equal(c.subtopologies!.get('0')!.numTasks, 6);
  assert.deepEqual(c.internalTopicsToCreate.map((t) => [t.name, t.numPartitions, t.replicationFactor]), [['app-store-changelog', 6, -1]]);
  assert.deepEqual(c.internalTopicsToCreate[0]!.configs, [{ key: 'cleanup.policy', value: 'compact' }]);
  assert.deepEqual(c.status, { statusCode: StreamsStatus.MissingInternalTopics, statusDetail: 'Internal topics are missing: app-store-changelog' });
  assert.equal(isReady(c), false);
  topics.create('app-store-changelog', 6);
  const again = configure([{ id: '0', sources: ['in', 'other'], changelogs: ['app-store-changelog'] }], topics);
  assert.ok(isReady(again));
  assert.deepEqual(again.internalTopicsToCreate, []);
});

test('repartition topics take the partition count of what feeds them, through chains', () => {
  const c = configure([
    { id: '0', sources: ['in'], sinks: ['rep-a'] },
    { id: '1', repartitions: [['rep-a', 0]], sinks: ['rep-b'] },
    { id: '2', repartitions: [['rep-b', 0]], changelogs: ['store-changelog'] },
  ], topicsWith(['in', 4]));
  assert.deepEqual(c.internalTopicsToCreate.map((t) => [t.name, t.numPartitions]), [['rep-a', 4], ['rep-b', 4], ['store-changelog', 4]]);
  assert.equal(c.subtopologies!.get('2')!.numTasks, 4);
});

test('a repartition topic with a fixed partition count keeps it', () => {
  const c = configure([{ id: '0', sources: ['in'], sinks: ['rep'] }, { id: '1', repartitions: [['rep', 7]] }], topicsWith(['in', 2]));
  assert.deepEqual(c.internalTopicsToCreate.map((t) => [t.name, t.numPartitions]), [['rep', 7]]);
  assert.equal(c.subtopologies!.get('1')!.numTasks, 7);
});

test('a repartition topic nobody writes, or a loop, is an invalid topology', () => {
  throwsCode(() => configure([{ id: '0', repartitions: [['rep', 0]] }], topicsWith()), StreamsErrorCode.STREAMS_INVALID_TOPOLOGY,
    'Failed to compute number of partitions for all repartition topics, because a repartition source topic is never used as a sink topic.');
  throwsCode(() => configure([{ id: '0', repartitions: [['a', 0]], sinks: ['b'] }, { id: '1', repartitions: [['b', 0]], sinks: ['a'] }], topicsWith()),
    StreamsErrorCode.STREAMS_INVALID_TOPOLOGY, 'Failed to compute number of partitions for all repartition topics. There may be loops in the topology that cannot be resolved.');
});

test('copartitioned external topics with different partition counts are incorrectly partitioned', () => {
  const c = configure([{ id: '0', sources: ['left', 'right'], copartition: [['left', 'right']] }], topicsWith(['left', 3], ['right', 4]));
  assert.equal(isReady(c), false);
  assert.deepEqual(c.status, { statusCode: StreamsStatus.IncorrectlyPartitionedTopics, statusDetail: 'Following topics do not have the same number of partitions: [{left=3, right=4}]' });
});

test('a repartition topic copartitioned with an external topic takes its partition count', () => {
  const c = configure([
    { id: '0', sources: ['small'], sinks: ['rep'] },
    { id: '1', sources: ['table'], repartitions: [['rep', 0]], copartition: [['table', 'rep']] },
  ], topicsWith(['small', 2], ['table', 5]));
  assert.deepEqual(c.internalTopicsToCreate.map((t) => [t.name, t.numPartitions]), [['rep', 5]]);
});

test('a fixed repartition topic that differs from its copartitioned external topic is incorrectly partitioned', () => {
  const c = configure([
    { id: '0', sources: ['small'], sinks: ['rep'] },
    { id: '1', sources: ['table'], repartitions: [['rep', 3]], copartition: [['table', 'rep']] },
  ], topicsWith(['small', 2], ['table', 5]));
  assert.deepEqual(c.status, {
    statusCode: StreamsStatus.IncorrectlyPartitionedTopics,
    statusDetail: "Number of partitions [3] of repartition topic [rep] doesn't match number of partitions [5] of the source topic.",
  });
});

test('copartitioned repartition topics only: the largest count', () => {
  const c = configure([
    { id: '0', sources: ['a'], sinks: ['rep-a'] },
    { id: '1', sources: ['b'], sinks: ['rep-b'] },
    { id: '2', repartitions: [['rep-a', 0], ['rep-b', 0]], copartition: [['rep-a', 'rep-b']] },
  ], topicsWith(['a', 2], ['b', 6]));
  assert.deepEqual(c.internalTopicsToCreate.map((t) => [t.name, t.numPartitions]), [['rep-a', 6], ['rep-b', 6]]);
});

test('an existing internal topic with another partition count is incorrectly partitioned', () => {
  const c = configure([{ id: '0', sources: ['in'], changelogs: ['store-changelog'] }], topicsWith(['in', 4], ['store-changelog', 2]));
  assert.deepEqual(c.status, {
    statusCode: StreamsStatus.IncorrectlyPartitionedTopics,
    statusDetail: 'Existing topic store-changelog has different number of partitions: expected 4, found 2',
  });
});

test('topology validation: a changelog topic with a partition count, a copartition index out of range', () => {
  const w = topology(1, [{ id: '0', sources: ['in'], changelogs: ['c'] }]);
  w.subtopologies[0]!.stateChangelogTopics[0]!.partitions = 3;
  throwsCode(() => validateTopology(topologyFromWire(w)), StreamsErrorCode.STREAMS_INVALID_TOPOLOGY, 'Changelog topic c must have an undefined partition count, but it is set to 3.');
  const bad = topology(1, [{ id: '0', sources: ['in'] }]);
  bad.subtopologies[0]!.copartitionGroups.push({ sourceTopics: [5], sourceTopicRegex: [], repartitionSourceTopics: [] });
  throwsCode(() => validateTopology(topologyFromWire(bad)), ErrorCode.INVALID_REQUEST);
  const dup = topology(1, [{ id: '0', sources: ['in'] }, { id: '0', sources: ['in'] }]);
  throwsCode(() => topologyFromWire(dup), StreamsErrorCode.STREAMS_INVALID_TOPOLOGY);
});

test('summarizeTopics names three topics and counts the rest', () => {
  assert.equal(summarizeTopics([]), '<none>');
  assert.equal(summarizeTopics(['a', 'b', 'c']), 'a, b, c');
  assert.equal(summarizeTopics(['a', 'b', 'c', 'd', 'e']), 'a, b, c and 2 additional topics');
});
