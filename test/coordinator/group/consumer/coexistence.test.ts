// Classic and consumer groups under one id space (Kafka 4.0): empty groups convert both ways,
// a classic group with members is not taken over, classic joins to a busy consumer group are
// refused; offsets survive the conversions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/protocol/generated/errors.js';
import { RecordKind } from '../../../../src/coordinator/group/records.js';
import { join, joinNew, stableGroup } from '../helpers.js';
import { consumerHarness, TestMember } from '../consumer-helpers.js';

test('an empty classic group (offsets only) becomes a consumer group on the first heartbeat, keeping its offsets', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 1);
  const committed = await h.coord.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 9,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  assert.equal(committed.errorCode, ErrorCode.NONE);
  assert.ok(h.coord.groups.group('g') !== undefined, 'a simple classic group holds the offsets');
  const n = h.log.records.length;
  const r = new TestMember(h, 'g', 'm').join();
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(h.coord.groups.group('g'), undefined, 'the classic group is gone');
  assert.equal(h.coord.consumer.group('g')!.stateName, 'Stable');
  const first = h.log.records[n]!;
  assert.equal(first.kind, RecordKind.Group, 'the classic group gets its tombstone first');
  assert.equal(first.value, null);
  assert.equal(h.coord.offsets.fetch('g', [{ name: 't', partitionIndexes: [0] }])[0]!.partitions[0]!.committedOffset, 42n);
});

test('a classic group with members is not a consumer group: GROUP_ID_NOT_FOUND', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 1);
  stableGroup(h, 'busy', 1);
  const r = new TestMember(h, 'busy', 'm').join();
  assert.equal(r.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(r.errorMessage, 'Group busy is not a consumer group.');
});

test('JoinGroup to an empty consumer group replaces it with a classic group; to a busy one INCONSISTENT_GROUP_PROTOCOL', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 1);
  const m = new TestMember(h, 'g', 'm');
  m.join();
  const refused = join(h, 'g', { memberId: '' }).get();
  assert.equal(refused.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  h.hb({ groupId: 'g', memberId: 'm', memberEpoch: -1 });
  const joined = joinNew(h, 'g');
  h.advance(0);
  assert.equal(joined.get().errorCode, ErrorCode.NONE);
  assert.equal(h.coord.consumer.group('g'), undefined);
  assert.equal(h.coord.groups.group('g')!.stateName, 'CompletingRebalance');
});
