// The leader's replication rules as state machines: follower caught-up times, the high
// watermark from the maximal ISR, ISR expansion and shrink candidates, acks=all verdicts,
// the follower's truncation point and the acks=all purgatory on a manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicaState } from '../../../src/cluster/replication/replica-state.js';
import { IsrChange, LeaderState } from '../../../src/cluster/replication/leader-state.js';
import { truncationState } from '../../../src/cluster/replication/truncation.js';
import { ProducePurgatory } from '../../../src/cluster/replication/delayed-produce.js';
import { ManualClock } from '../../../src/cluster/kv/clock.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { EpochEndOffset } from '../../../src/storage/leader-epoch-cache.js';

test('a follower is caught up when it fetches the leader\'s log end, or what the leader had at its previous fetch', () => {
  const r = new ReplicaState(2);
  r.reset(1000, 10, true);
  assert.equal(r.isCaughtUp(10, 1000 + 30_000, 30_000), true, 'an ISR member gets the lag time to prove itself');
  assert.equal(r.isCaughtUp(10, 1000 + 30_001, 30_000), false);
  r.updateFetchState(10, 0, 2000, 10);
  assert.equal(r.lastCaughtUpTimeMs, 2000);
  // The leader appended meanwhile: the follower fetched everything the leader had at its previous fetch.
  r.updateFetchState(10, 0, 3000, 15);
  assert.equal(r.lastCaughtUpTimeMs, 2000);
  r.updateFetchState(15, 0, 4000, 20);
  assert.equal(r.lastCaughtUpTimeMs, 3000, 'caught up as of the previous fetch');
  r.updateFetchState(16, 0, 5000, 30);
  assert.equal(r.lastCaughtUpTimeMs, 3000, 'fell behind: no progress in caught-up time');
  assert.equal(r.isCaughtUp(30, 3000 + 30_001, 30_000), false);
});

test('the high watermark is the least log end offset of the maximal ISR, held back under min.insync.replicas by the caller', () => {
  const ls = new LeaderState(1, { replicas: [1, 2, 3], isr: [1, 2, 3], leaderEpoch: 4, partitionEpoch: 7 }, 10, 0);
  assert.equal(ls.highWatermarkCandidate(12), -1, 'followers not heard from yet hold it');
  ls.updateFollower(2, 12, 0, 1, 12);
  ls.updateFollower(3, 11, 0, 1, 12);
  assert.equal(ls.highWatermarkCandidate(12), 11);
  assert.equal(ls.updateFollower(9, 12, 0, 1, 12), false, 'not a replica');
  assert.equal(ls.isUnderMinIsr(3), false);
  assert.equal(ls.isUnderMinIsr(4), true);
  // Out of the ISR, 3 no longer holds the high watermark.
  ls.update({ replicas: [1, 2, 3], isr: [1, 2], leaderEpoch: 4, partitionEpoch: 8 }, 12, 2);
  assert.equal(ls.highWatermarkCandidate(12), 12);
});

test('a follower joins the ISR once at the high watermark and the start of the leader epoch; one change at a time', () => {
  const ls = new LeaderState(1, { replicas: [1, 2, 3], isr: [1, 2], leaderEpoch: 1, partitionEpoch: 3 }, 20, 0);
  ls.updateFollower(3, 15, 0, 1, 25);
  assert.equal(ls.expansionFor(3, 15), null, 'below the leader epoch start offset');
  ls.updateFollower(3, 22, 0, 2, 25);
  assert.equal(ls.expansionFor(3, 23), null, 'below the high watermark');
  const isr = ls.expansionFor(3, 22);
  assert.deepEqual(isr, [1, 2, 3]);
  ls.beginChange(IsrChange.Expand, isr!);
  assert.deepEqual(ls.maximalIsr, [1, 2, 3], 'the replica being added counts for the high watermark');
  assert.deepEqual(ls.isr, [1, 2], 'but not for min.insync.replicas');
  assert.equal(ls.shrinkCandidate(25, 1_000_000, 10), null, 'no second change while one is in flight');
  ls.update({ replicas: [1, 2, 3], isr: [1, 2, 3], leaderEpoch: 1, partitionEpoch: 4 }, 25, 3);
  assert.equal(ls.pending, null, 'the image committed it');
});

test('ISR followers not caught up within replica.lag.time.max.ms are shrink candidates; the leader never is', () => {
  const ls = new LeaderState(1, { replicas: [1, 2, 3], isr: [1, 2, 3], leaderEpoch: 0, partitionEpoch: 0 }, 0, 1000);
  ls.updateFollower(2, 5, 0, 1000, 5);
  ls.updateFollower(3, 5, 0, 1000, 5);
  assert.equal(ls.shrinkCandidate(5, 50_000, 30_000), null, 'both at the log end');
  ls.updateFollower(2, 8, 0, 2000, 8);
  assert.equal(ls.shrinkCandidate(8, 31_000, 30_000), null, '3 was caught up at 1000: the lag time is not past yet');
  assert.deepEqual(ls.shrinkCandidate(8, 31_001, 30_000), [1, 2]);
  ls.beginChange(IsrChange.Shrink, [1, 2]);
  assert.deepEqual(ls.maximalIsr, [1, 2, 3], 'a shrink in flight still counts the leaving replica');
  ls.abandonChange();
  assert.equal(ls.pending, null);
});

test('acks=all is done at the high watermark, with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR is then too small', () => {
  const ls = new LeaderState(1, { replicas: [1, 2, 3], isr: [1, 2], leaderEpoch: 0, partitionEpoch: 0 }, 0, 0);
  assert.deepEqual(ls.checkEnoughReplicasReachOffset(5, 4, 2), { done: false, errorCode: ErrorCode.NONE });
  assert.deepEqual(ls.checkEnoughReplicasReachOffset(5, 5, 2), { done: true, errorCode: ErrorCode.NONE });
  assert.deepEqual(ls.checkEnoughReplicasReachOffset(5, 5, 3), { done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND });
});

function follower(end: number, hw: number, epochs: Array<[number, number]>): Parameters<typeof truncationState>[1] {
  return {
    logEndOffset: end,
    highWatermark: hw,
    endOffsetForEpoch(epoch: number): EpochEndOffset {
      // [epoch, start] ascending; the same rules as LeaderEpochCache.endOffsetFor.
      const last = epochs[epochs.length - 1];
      if (last === undefined) return { epoch: -1, endOffset: -1 };
      if (epoch === last[0]) return { epoch, endOffset: end };
      const i = epochs.findIndex(([e]) => e > epoch);
      if (i < 0) return { epoch: -1, endOffset: -1 };
      return i === 0 ? { epoch, endOffset: epochs[0]![1] } : { epoch: epochs[i - 1]![0], endOffset: epochs[i]![1] };
    },
  };
}

test('a follower truncates where its log and the leader\'s agree (KIP-101, KIP-279)', () => {
  // Same epoch, the leader's ends earlier: the follower's unacknowledged tail goes.
  assert.deepEqual(truncationState({ epoch: 0, endOffset: 3 }, follower(5, 3, [[0, 0]])), { offset: 3, complete: true });
  // The follower has less than the leader: nothing to cut.
  assert.deepEqual(truncationState({ epoch: 0, endOffset: 8 }, follower(5, 3, [[0, 0]])), { offset: 5, complete: true });
  // The leader answers with an older epoch than asked, one the follower has: cut to where it ends on both.
  assert.deepEqual(truncationState({ epoch: 1, endOffset: 7 }, follower(12, 3, [[0, 0], [1, 5], [3, 9]])), { offset: 7, complete: true });
  // An epoch the follower does not have: to the end of its largest epoch below it, then ask again.
  assert.deepEqual(truncationState({ epoch: 2, endOffset: 7 }, follower(12, 3, [[0, 0], [1, 5], [3, 9]])), { offset: 9, complete: false });
  // The leader knows no epochs: the high watermark.
  assert.deepEqual(truncationState({ epoch: -1, endOffset: -1 }, follower(12, 4, [[0, 0]])), { offset: 4, complete: true });
  // The leader's epoch is undefined but it gave an offset.
  assert.deepEqual(truncationState({ epoch: -1, endOffset: 6 }, follower(12, 4, [[0, 0]])), { offset: 6, complete: true });
});

test('the acks=all purgatory answers on the partition\'s verdict, or REQUEST_TIMED_OUT at the deadline', async () => {
  const clock = new ManualClock();
  const hw = new Map<object, number>();
  const purgatory = new ProducePurgatory<object>(clock, (p, required) => ((hw.get(p) ?? 0) >= required ? ErrorCode.NONE : null));
  const a = {};
  const b = {};
  hw.set(a, 5);
  assert.equal(purgatory.wait(a, 5, 1000), ErrorCode.NONE, 'decided at once');
  const waiting = purgatory.wait(a, 7, 1000);
  const late = purgatory.wait(b, 1, 500);
  assert.ok(waiting instanceof Promise && late instanceof Promise);
  assert.equal(purgatory.size, 2);
  hw.set(a, 7);
  purgatory.checkPartition(a);
  assert.equal(await waiting, ErrorCode.NONE);
  await clock.advance(499);
  assert.equal(purgatory.size, 1);
  await clock.advance(1);
  assert.equal(await late, ErrorCode.REQUEST_TIMED_OUT);
  const never = purgatory.wait(b, 1, 10_000);
  purgatory.completeAll(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal(await never, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal(purgatory.size, 0);
});
