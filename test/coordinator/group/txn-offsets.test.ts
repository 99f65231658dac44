// Transactional offsets (TxnOffsetCommit, KIP-98/447): pending per producer until the
// transaction's marker commits or drops them, generation and member checks, UNSTABLE_OFFSET_COMMIT
// for read_committed fetches, a plain commit written after a transactional one winning over it,
// and the same state rebuilt from the records and markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { TxnCommitRequest } from '../../../src/coordinator/group/offsets.js';
import { harness, MemoryLog, stableGroup } from './helpers.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

function txnReq(groupId: string, producerId: number, offsets: Array<[string, number, bigint]>, o: Partial<TxnCommitRequest> = {}): TxnCommitRequest {
  return {
    groupId, producerId, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, apiVersion: 3,
    topics: offsets.map(([name, partitionIndex, committedOffset]) => ({ name, partitions: [{ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: null }] })),
    ...o,
  };
}

async function offsetOf(h: Awaited<ReturnType<typeof harness>>, groupId: string, topic: string, partition: number, requireStable: boolean): Promise<[number, bigint]> {
  const t = await h.coord.fetchOffsets(groupId, [{ name: topic, partitionIndexes: [partition] }], requireStable);
  const p = t[0]!.partitions[0]!;
  return [p.errorCode, p.committedOffset];
}

test('pending until the marker: a commit makes them committed offsets, an abort drops them', async () => {
  const h = await harness();
  const r = await h.coord.commitTransactionalOffsets(txnReq('g', 7, [['t', 0, 5n], ['t', 1, 6n]]));
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(h.log.producers.at(-1), 7, 'written as a transactional batch of the producer');
  assert.deepEqual(await offsetOf(h, 'g', 't', 0, false), [ErrorCode.NONE, -1n]);
  assert.deepEqual(await offsetOf(h, 'g', 't', 0, true), [ErrorCode.UNSTABLE_OFFSET_COMMIT, -1n]);
  assert.deepEqual(await offsetOf(h, 'g', 't', 2, true), [ErrorCode.NONE, -1n], 'other partitions are stable');
  h.coord.completeTransaction(0, 7, true);
  assert.deepEqual(await offsetOf(h, 'g', 't', 0, true), [ErrorCode.NONE, 5n]);
  assert.deepEqual(await offsetOf(h, 'g', 't', 1, true), [ErrorCode.NONE, 6n]);
  assert.equal(h.coord.offsets.pending.size, 0);

  await h.coord.commitTransactionalOffsets(txnReq('g', 8, [['t', 0, 50n]]));
  h.coord.completeTransaction(0, 8, false);
  assert.deepEqual(await offsetOf(h, 'g', 't', 0, true), [ErrorCode.NONE, 5n], 'the aborted offset never shows');
  // A marker of a producer with nothing pending changes nothing.
  h.coord.completeTransaction(0, 99, true);
  assert.deepEqual(await offsetOf(h, 'g', 't', 0, true), [ErrorCode.NONE, 5n]);
});

test('a plain commit written after the transactional one wins; one written before does not', async () => {
  const h = await harness();
  await h.coord.commitTransactionalOffsets(txnReq('g', 7, [['t', 0, 5n], ['t', 1, 6n]]));
  await h.coord.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 9,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  h.coord.completeTransaction(0, 7, true);
  assert.deepEqual(await offsetOf(h, 'g', 't', 0, true), [ErrorCode.NONE, 100n]);
  assert.deepEqual(await offsetOf(h, 'g', 't', 1, true), [ErrorCode.NONE, 6n]);
});

test('a marker completes only the groups of its __consumer_offsets partition', async () => {
  const log = new MemoryLog();
  log.partitionFor = (groupId: string) => (groupId === 'a' ? 0 : 1);
  const h = await harness({}, log);
  await h.coord.commitTransactionalOffsets(txnReq('a', 7, [['t', 0, 1n]]));
  await h.coord.commitTransactionalOffsets(txnReq('b', 7, [['t', 0, 2n]]));
  h.coord.completeTransaction(1, 7, true);
  assert.deepEqual(await offsetOf(h, 'a', 't', 0, true), [ErrorCode.UNSTABLE_OFFSET_COMMIT, -1n]);
  assert.deepEqual(await offsetOf(h, 'b', 't', 0, true), [ErrorCode.NONE, 2n]);
  h.coord.completeTransaction(0, 7, true);
  assert.deepEqual(await offsetOf(h, 'a', 't', 0, true), [ErrorCode.NONE, 1n]);
});

test('generation and member checks of a classic group; unknown groups', async () => {
  const h = await harness();
  const { members, generation } = stableGroup(h, 'cg', 1);
  const member = members[0]!;
  const ok = await h.coord.commitTransactionalOffsets(txnReq('cg', 7, [['t', 0, 1n]], { generationId: generation, memberId: member }));
  assert.equal(ok.errorCode, ErrorCode.NONE);
  assert.equal((await h.coord.commitTransactionalOffsets(txnReq('cg', 7, [['t', 0, 1n]], { generationId: generation + 1, memberId: member }))).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await h.coord.commitTransactionalOffsets(txnReq('cg', 7, [['t', 0, 1n]], { generationId: generation, memberId: 'stranger' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // v0-2 carry no member: allowed even while the group has members (Kafka: older versions cannot say).
  assert.equal((await h.coord.commitTransactionalOffsets(txnReq('cg', 7, [['t', 0, 1n]]))).errorCode, ErrorCode.NONE);
  assert.equal((await h.coord.commitTransactionalOffsets(txnReq('unknown', 7, [['t', 0, 1n]], { generationId: 3, memberId: 'm' }))).errorCode, ErrorCode.ILLEGAL_GENERATION);
  const big = await h.coord.commitTransactionalOffsets({ ...txnReq('cg', 7, []), topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: 'm'.repeat(5000) }] }] });
  assert.deepEqual(big.topics, [{ name: 't', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE }] }]);
});

test('rebuilt from the log: pending offsets, markers, and offsets committed by them', async () => {
  const log = new MemoryLog();
  const h = await harness({}, log);
  await h.coord.commitTransactionalOffsets(txnReq('g', 7, [['t', 0, 5n]]));
  log.marker(0, 7, true);
  h.coord.completeTransaction(0, 7, true);
  await h.coord.commitTransactionalOffsets(txnReq('g', 8, [['t', 1, 9n]]));
  await h.coord.commitTransactionalOffsets(txnReq('g', 9, [['t', 2, 4n]]));
  log.marker(0, 9, false);
  h.coord.completeTransaction(0, 9, false);

  const again = await harness({}, log);
  assert.deepEqual(await offsetOf(again, 'g', 't', 0, true), [ErrorCode.NONE, 5n]);
  assert.deepEqual(await offsetOf(again, 'g', 't', 1, true), [ErrorCode.UNSTABLE_OFFSET_COMMIT, -1n], 'still open');
  assert.deepEqual(await offsetOf(again, 'g', 't', 2, true), [ErrorCode.NONE, -1n], 'aborted');
  again.coord.completeTransaction(0, 8, true);
  assert.deepEqual(await offsetOf(again, 'g', 't', 1, true), [ErrorCode.NONE, 9n]);
});

test('an offset with a transaction open on it does not expire', async () => {
  const h = await harness({ offsetsRetentionMs: 1000 });
  await h.coord.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 9,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  await h.coord.commitTransactionalOffsets(txnReq('g', 7, [['t', 0, 2n]]));
  h.clock.advance(5000);
  assert.equal(h.coord.cleanupGroupMetadata(), 0);
  h.coord.completeTransaction(0, 7, true);
  assert.deepEqual(await offsetOf(h, 'g', 't', 0, true), [ErrorCode.NONE, 2n]);
});
