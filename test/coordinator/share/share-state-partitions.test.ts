// ShareGroupStatePartitionMetadata transitions, as Kafka's GroupMetadataManager makes them:
// subscribed topics initialized, DeleteGroups moving everything to deleting (a deleting topic
// gone from the metadata dropped), DeleteShareGroupOffsets taking initialized and deleting
// topics and refusing the others with Kafka's errors, AlterShareGroupOffsets' initializing, and a
// deleted topic leaving all three sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { deleteAllState, deleteTopicsState, EMPTY_STATE, markPartitions, withoutTopic, withSubscribedInitialized } from '../../../src/coordinator/share/share-state-partitions.js';
import type { ShareStatePartitions } from '../../../src/coordinator/share/share-group-records.js';

const T1 = '01'.repeat(16);
const T2 = '02'.repeat(16);
const T3 = '03'.repeat(16);
const T4 = '04'.repeat(16);

test('subscribed topics get their missing partitions initialized; deleting topics wait', () => {
  assert.equal(withSubscribedInitialized(null, []), null);
  const first = withSubscribedInitialized(null, [{ topicId: T1, topicName: 't1', partitionCount: 2 }])!;
  assert.deepEqual(first, { initializing: [], initialized: [{ topicId: T1, topicName: 't1', partitions: [0, 1] }], deleting: [] });
  assert.equal(withSubscribedInitialized(first, [{ topicId: T1, topicName: 't1', partitionCount: 2 }]), null);
  const grown = withSubscribedInitialized(first, [{ topicId: T1, topicName: 't1', partitionCount: 3 }])!;
  assert.deepEqual(grown.initialized, [{ topicId: T1, topicName: 't1', partitions: [0, 1, 2] }]);
  const initializing: ShareStatePartitions = { initializing: [{ topicId: T2, topicName: 't2', partitions: [0] }], initialized: [], deleting: [{ topicId: T3, topicName: 't3' }] };
  const next = withSubscribedInitialized(initializing, [{ topicId: T2, topicName: 't2', partitionCount: 2 }, { topicId: T3, topicName: 't3', partitionCount: 1 }])!;
  assert.deepEqual(next.initialized, [{ topicId: T2, topicName: 't2', partitions: [1] }]);
  assert.deepEqual(next.deleting, [{ topicId: T3, topicName: 't3' }]);
});

test('DeleteGroups: initializing and initialized move to deleting; a deleting topic is deleted again only while it exists', () => {
  const state: ShareStatePartitions = {
    initializing: [{ topicId: T1, topicName: 't1', partitions: [0, 1] }],
    initialized: [{ topicId: T2, topicName: 't2', partitions: [0, 1] }],
    deleting: [{ topicId: T3, topicName: 't3' }, { topicId: T4, topicName: 't4' }],
  };
  const { value, topics } = deleteAllState(state, (id) => (id === T4 ? 3 : undefined));
  assert.deepEqual(topics, [
    { topicId: T1, topicName: 't1', partitions: [0, 1] },
    { topicId: T2, topicName: 't2', partitions: [0, 1] },
    { topicId: T4, topicName: 't4', partitions: [0, 1, 2] },
  ]);
  assert.deepEqual(value, { initializing: [], initialized: [], deleting: [{ topicId: T1, topicName: 't1' }, { topicId: T2, topicName: 't2' }, { topicId: T4, topicName: 't4' }] });
});

test('DeleteShareGroupOffsets: initialized and deleting topics are deleted, others refused', () => {
  const state: ShareStatePartitions = {
    initializing: [{ topicId: T2, topicName: 't2', partitions: [0, 1] }],
    initialized: [{ topicId: T1, topicName: 't1', partitions: [0, 1, 2] }],
    deleting: [{ topicId: T3, topicName: 't3' }, { topicId: T4, topicName: 't4' }],
  };
  const ids: Record<string, { topicId: string; partitionCount: number }> = { t1: { topicId: T1, partitionCount: 3 }, t2: { topicId: T2, partitionCount: 2 }, t3: { topicId: T3, partitionCount: 2 } };
  const out = deleteTopicsState(state, ['t1', 't2', 't3', 'nope'], (name) => ids[name]);
  assert.deepEqual(out.topics, [
    { topicId: T1, topicName: 't1', partitions: [0, 1, 2] },
    { topicId: T3, topicName: 't3', partitions: [0, 1] },
  ]);
  assert.deepEqual(out.refused, [
    { topicName: 't2', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'There is no offset information to delete.' },
    { topicName: 'nope', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null },
  ]);
  // Initializing stays; t1 joins the deleting topics, t4 (not asked for) stays there.
  assert.deepEqual(out.value, {
    initializing: state.initializing,
    initialized: [],
    deleting: [{ topicId: T3, topicName: 't3' }, { topicId: T4, topicName: 't4' }, { topicId: T1, topicName: 't1' }],
  });
  const none = deleteTopicsState(EMPTY_STATE, ['t1'], (name) => ids[name]);
  assert.equal(none.value, null);
  assert.deepEqual(none.topics, []);
});

test('AlterShareGroupOffsets: initializing, then initialized and no longer deleting', () => {
  const state: ShareStatePartitions = { initializing: [], initialized: [{ topicId: T1, topicName: 't1', partitions: [1] }], deleting: [{ topicId: T1, topicName: 't1' }] };
  const altering = markPartitions(state, { topicId: T1, topicName: 't1', partitions: [0] }, false);
  assert.deepEqual(altering.initializing, [{ topicId: T1, topicName: 't1', partitions: [0] }]);
  assert.deepEqual(altering.initialized, state.initialized);
  const done = markPartitions(altering, { topicId: T1, topicName: 't1', partitions: [0] }, true);
  assert.deepEqual(done, { initializing: [], initialized: [{ topicId: T1, topicName: 't1', partitions: [0, 1] }], deleting: [] });
});

test('a deleted topic leaves every set; a value without it is unchanged', () => {
  const state: ShareStatePartitions = {
    initializing: [{ topicId: T1, topicName: 't1', partitions: [0] }],
    initialized: [{ topicId: T1, topicName: 't1', partitions: [1] }, { topicId: T2, topicName: 't2', partitions: [0] }],
    deleting: [{ topicId: T1, topicName: 't1' }],
  };
  assert.deepEqual(withoutTopic(state, 't1'), { initializing: [], initialized: [{ topicId: T2, topicName: 't2', partitions: [0] }], deleting: [] });
  assert.equal(withoutTopic(state, 't3'), null);
});
