// Committed offsets: simple and member commits, metadata limits, fetch, OffsetDelete,
// DeleteGroups, expiry under offsets.retention.minutes, and rebuilding from the records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { CommitRequest } from '../../../src/coordinator/group/offsets.js';
import type { CommitResult } from '../../../src/coordinator/group/coordinator.js';
import { GroupState } from '../../../src/coordinator/group/classic/group-state.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { harness, join, MemoryLog, stableGroup, subscription, leaveNow } from './helpers.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

function commitReq(groupId: string, offsets: Array<[string, number, bigint, string?]>, o: Partial<CommitRequest> = {}): CommitRequest {
  const byTopic = new Map<string, CommitRequest['topics'][number]['partitions'][number][]>();
  for (const [topic, partitionIndex, committedOffset, metadata] of offsets) {
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic)!.push({ partitionIndex, committedOffset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: metadata ?? null });
  }
  return {
    groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 9,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    ...o,
  };
}

async function commit(h: Awaited<ReturnType<typeof harness>>, req: CommitRequest): Promise<CommitResult> {
  return h.coord.commitOffsets(req);
}

test('a simple commit (generation -1) creates an empty group without a protocol; fetch returns what was committed', async () => {
  const h = await harness();
  const r = await commit(h, commitReq('simple', [['t', 0, 10n, 'meta-0'], ['t', 1, 20n], ['u', 0, 30n, '']]));
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(r.topics, [
    { name: 't', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] },
    { name: 'u', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, errorCode: 0 }] },
  ]);
  const group = h.coord.groups.group('simple')!;
  assert.equal(group.state, GroupState.Empty);
  assert.equal(group.protocolType, null);
  const fetched = await h.coord.fetchOffsets('simple', [{ name: 't', partitionIndexes: [0, 1, 2] }], false);
  assert.deepEqual(fetched, [{
    name: 't',
    topicId: ZERO_UUID,
    partitions: [
      { partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: -1, metadata: 'meta-0', errorCode: 0 },
      { partitionIndex: 1, committedOffset: 20n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
      { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
    ],
  }]);
  const all = await h.coord.fetchOffsets('simple', null, false);
  assert.deepEqual(all.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)]), [['t', [10n, 20n]], ['u', [30n]]]);
  assert.deepEqual(await h.coord.fetchOffsets('unknown', null, false), []);
  assert.deepEqual((await h.coord.fetchOffsets('unknown', [{ name: 't', partitionIndexes: [0] }], false))[0]!.partitions[0]!.committedOffset, -1n);
});

test('commit metadata over offset.metadata.max.bytes is refused per partition; the rest is committed', async () => {
  const h = await harness({ offsetMetadataMaxSize: 5 });
  const r = await commit(h, commitReq('g', [['t', 0, 1n, '12345'], ['t', 1, 2n, '123456']]));
  assert.deepEqual(r.topics[0]!.partitions, [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE }]);
  assert.equal(h.log.records.length, 1);
});

test('a member commit needs the current generation and member id; a group that does not exist is GROUP_ID_NOT_FOUND from v9, ILLEGAL_GENERATION before', async () => {
  const h = await harness();
  const { members, generation } = stableGroup(h, 'g', 2);
  const ok = await commit(h, commitReq('g', [['t', 0, 5n]], { generationIdOrMemberEpoch: generation, memberId: members[0]! }));
  assert.equal(ok.errorCode, ErrorCode.NONE);
  assert.equal((await commit(h, commitReq('g', [['t', 0, 5n]], { generationIdOrMemberEpoch: generation, memberId: 'nobody' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await commit(h, commitReq('g', [['t', 0, 5n]], { generationIdOrMemberEpoch: generation + 1, memberId: members[0]! }))).errorCode, ErrorCode.ILLEGAL_GENERATION);
  // A simple commit to a group with members is refused.
  assert.equal((await commit(h, commitReq('g', [['t', 0, 5n]]))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await commit(h, commitReq('none', [['t', 0, 5n]], { generationIdOrMemberEpoch: 1, memberId: 'm' }))).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal((await commit(h, commitReq('none', [['t', 0, 5n]], { generationIdOrMemberEpoch: 1, memberId: 'm', apiVersion: 8 }))).errorCode, ErrorCode.ILLEGAL_GENERATION);
});

test('a commit renews the member\'s session', async () => {
  const h = await harness();
  const { members, generation } = stableGroup(h, 'g', 1, { sessionTimeoutMs: 10_000 });
  for (let i = 0; i < 5; i++) {
    h.advance(6000);
    assert.equal((await commit(h, commitReq('g', [['t', 0, BigInt(i)]], { generationIdOrMemberEpoch: generation, memberId: members[0]! }))).errorCode, ErrorCode.NONE);
  }
  assert.equal(h.coord.groups.group('g')!.state, GroupState.Stable);
});

test('a commit is acknowledged once its record is committed; require_stable fetches wait for it', async () => {
  const h = await harness();
  h.log.holdFlush = true;
  let done = false;
  const pending = Promise.resolve(h.coord.commitOffsets(commitReq('g', [['t', 0, 7n]]))).then((r) => {
    done = true;
    return r;
  });
  const stable = Promise.resolve(h.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }], true));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  h.log.flush();
  assert.equal((await pending).errorCode, ErrorCode.NONE);
  assert.equal((await stable)[0]!.partitions[0]!.committedOffset, 7n);
});

test('OffsetFetch sees a commit only once its records are committed, never one whose append failed', async () => {
  const h = await harness();
  const fetched = async () => (await h.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }], false))[0]!.partitions[0]!.committedOffset;
  assert.equal((await commit(h, commitReq('g', [['t', 0, 5n]]))).errorCode, ErrorCode.NONE);
  h.log.holdFlush = true;
  const committing = Promise.resolve(h.coord.commitOffsets(commitReq('g', [['t', 0, 7n]])));
  assert.equal(await fetched(), 5n, 'not yet committed: the previous commit');
  h.log.flush();
  assert.equal((await committing).errorCode, ErrorCode.NONE);
  assert.equal(await fetched(), 7n);
  const failing = Promise.resolve(h.coord.commitOffsets(commitReq('g', [['t', 0, 9n]])));
  assert.equal(await fetched(), 7n);
  h.log.failWith = null;
  h.log.failHeld(ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.notEqual((await failing).errorCode, ErrorCode.NONE);
  assert.equal(await fetched(), 7n, 'a commit the ISR never took is not read');
});

test('a failed append answers every partition with the mapped error and commits nothing', async () => {
  const h = await harness();
  h.log.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const r = await commit(h, commitReq('g', [['t', 0, 7n]]));
  assert.equal(r.errorCode, ErrorCode.NOT_COORDINATOR);
  h.log.failWith = null;
  assert.equal((await h.coord.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }], false))[0]!.partitions[0]!.committedOffset, -1n);
});

test('OffsetDelete: unknown group, non-empty group, subscribed topics of a consumer group, and deletion', async () => {
  const h = await harness();
  assert.equal((await h.coord.deleteOffsets('none', [])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  await commit(h, commitReq('simple', [['t', 0, 1n], ['t', 1, 2n]]));
  const r = await h.coord.deleteOffsets('simple', [{ name: 't', partitions: [{ partitionIndex: 0 }, { partitionIndex: 5 }] }]);
  assert.deepEqual(r, { errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 5, errorCode: 0 }] }] });
  const left = await h.coord.fetchOffsets('simple', null, false);
  assert.deepEqual(left[0]!.partitions.map((p) => p.partitionIndex), [1]);
  // A consumer group subscribed to t: t's offsets are protected, others can go.
  const { members, generation } = stableGroup(h, 'c', 1, { protocols: [{ name: 'range', metadata: subscription('t') }] });
  await commit(h, commitReq('c', [['t', 0, 1n], ['other', 0, 1n]], { generationIdOrMemberEpoch: generation, memberId: members[0]! }));
  const d = await h.coord.deleteOffsets('c', [{ name: 't', partitions: [{ partitionIndex: 0 }] }, { name: 'other', partitions: [{ partitionIndex: 0 }] }]);
  assert.deepEqual(d.topics.map((t) => t.partitions[0]!.errorCode), [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE]);
  // Another protocol type with members: NON_EMPTY_GROUP.
  stableGroup(h, 'connect', 1, { protocolType: 'connect' });
  assert.equal((await h.coord.deleteOffsets('connect', [{ name: 't', partitions: [{ partitionIndex: 0 }] }])).errorCode, ErrorCode.NON_EMPTY_GROUP);
});

test('DeleteGroups: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, and an empty group\'s offsets and metadata removed', async () => {
  const h = await harness();
  await commit(h, commitReq('empty', [['t', 0, 1n]]));
  stableGroup(h, 'busy', 1);
  const results = await h.coord.deleteGroups(['empty', 'busy', 'none', 'empty']);
  assert.deepEqual(results, [
    { groupId: 'empty', errorCode: 0, errorMessage: null },
    { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: null },
    { groupId: 'none', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: null },
  ]);
  assert.equal(h.coord.groups.group('empty'), undefined);
  assert.deepEqual(await h.coord.fetchOffsets('empty', null, false), []);
  const tail = h.log.batches.at(-1)!;
  assert.deepEqual(tail.map((r) => [r.kind, r.value]), [[0, null], [1, null]]);
});

test('offsets of an empty group expire offsets.retention.minutes after it became empty; then the group goes too', async () => {
  const h = await harness({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
  const { members, generation } = stableGroup(h, 'g', 1);
  await commit(h, commitReq('g', [['t', 0, 3n]], { generationIdOrMemberEpoch: generation, memberId: members[0]! }));
  // While the member is there (subscribed to t), nothing expires.
  for (let i = 0; i < 12; i++) {
    h.advance(9000);
    h.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: members[0]!, groupInstanceId: null });
  }
  assert.equal((await h.coord.fetchOffsets('g', null, false)).length, 1);
  leaveNow(h, 'g', [{ memberId: members[0]!, groupInstanceId: null, reason: null }]);
  assert.equal(h.coord.groups.group('g')!.state, GroupState.Empty);
  h.advance(50_000);
  assert.equal((await h.coord.fetchOffsets('g', null, false)).length, 1);
  h.advance(20_000);
  assert.deepEqual(await h.coord.fetchOffsets('g', null, false), []);
  assert.equal(h.coord.groups.group('g'), undefined);
});

test('a simple group\'s offsets expire from their commit time; an explicit v2-4 retention time wins', async () => {
  const h = await harness({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 1000 });
  await commit(h, commitReq('s', [['t', 0, 1n]]));
  await commit(h, commitReq('s', [['t', 1, 1n]], { retentionTimeMs: 5000n, apiVersion: 2 }));
  h.advance(5000);
  assert.deepEqual((await h.coord.fetchOffsets('s', null, false))[0]!.partitions.map((p) => p.partitionIndex), [0]);
  h.advance(55_000);
  assert.deepEqual(await h.coord.fetchOffsets('s', null, false), []);
});

test('groups and offsets are rebuilt from the records: a new coordinator on the same log sees the same state', async () => {
  const log = new MemoryLog();
  const clock = new ManualClock();
  const h = await harness({}, log, clock);
  const { members, generation } = stableGroup(h, 'g', 2);
  await commit(h, commitReq('g', [['t', 0, 42n, 'hello'], ['t', 1, 43n]], { generationIdOrMemberEpoch: generation, memberId: members[0]! }));
  await commit(h, commitReq('simple', [['u', 3, 7n]]));
  await commit(h, commitReq('gone', [['u', 3, 7n]]));
  await h.coord.deleteGroups(['gone']);
  join(h, 'empty').get();
  h.coord.shutdown();

  const again = await harness({}, log, clock);
  const g = again.coord.groups.group('g')!;
  assert.equal(g.state, GroupState.Stable);
  assert.equal(g.generationId, generation);
  assert.deepEqual([...g.members.keys()].sort(), [...members].sort());
  assert.deepEqual([...g.members.values()].map((m) => m.assignment.toString()).sort(), ['a-0', 'a-1']);
  assert.equal(again.coord.groups.group('empty')!.state, GroupState.Empty);
  assert.equal(again.coord.groups.group('gone'), undefined);
  const offsets = await again.coord.fetchOffsets('g', null, false);
  assert.deepEqual(offsets[0]!.partitions.map((p) => [p.committedOffset, p.metadata]), [[42n, 'hello'], [43n, '']]);
  assert.equal((await again.coord.fetchOffsets('simple', null, false))[0]!.partitions[0]!.committedOffset, 7n);
  // Loaded members must heartbeat within their session, or they go.
  again.advance(5000);
  assert.equal(again.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: members[0]!, groupInstanceId: null }), ErrorCode.NONE);
  again.advance(5000);
  assert.deepEqual([...g.members.keys()], [members[0]!]);
});

test('ListGroups filters by state (case-insensitive) and type; DescribeGroups reports members of a Stable group with metadata', async () => {
  const h = await harness();
  stableGroup(h, 'stable', 2);
  await commit(h, commitReq('simple', [['t', 0, 1n]]));
  const names = (states: string[], types: string[] = []) => h.coord.listGroups(states, types).map((g) => g.groupId).sort();
  assert.deepEqual(names([]), ['simple', 'stable']);
  assert.deepEqual(names(['STABLE']), ['stable']);
  assert.deepEqual(names(['Empty']), ['simple']);
  assert.deepEqual(names([], ['classic']), ['simple', 'stable']);
  assert.deepEqual(names([], ['consumer']), []);
  assert.deepEqual(h.coord.listGroups([], []).find((g) => g.groupId === 'simple'), { groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' });
  const d = h.coord.describeGroup('stable', 5);
  assert.equal(d.groupState, 'Stable');
  assert.equal(d.protocolType, 'consumer');
  assert.equal(d.protocolData, 'range');
  assert.equal(d.members.length, 2);
  assert.deepEqual(d.members.map((m) => m.memberAssignment.toString()).sort(), ['a-0', 'a-1']);
  assert.equal(d.members[0]!.clientHost, '/127.0.0.1');
  assert.deepEqual(d.members[0]!.memberMetadata, subscription('t'));
  assert.deepEqual(h.coord.describeGroup('nope', 5), { errorCode: 0, errorMessage: null, groupId: 'nope', groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 });
  assert.equal(h.coord.describeGroup('nope', 6).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(h.coord.describeGroup('nope', 6).errorMessage, 'Group nope not found.');
});

test('a deleted topic\'s offsets are deleted from every group (onTopicDeleted)', async () => {
  const h = await harness();
  await commit(h, commitReq('a', [['gone', 0, 1n], ['kept', 0, 2n]]));
  await commit(h, commitReq('b', [['gone', 3, 1n]]));
  h.coord.onTopicDeleted('gone');
  assert.deepEqual((await h.coord.fetchOffsets('a', null, false)).map((t) => t.name), ['kept']);
  assert.deepEqual(await h.coord.fetchOffsets('b', null, false), []);
  assert.deepEqual(h.log.batches.at(-1)!.map((r) => [r.group, r.value]), [['b', null]]);
});
