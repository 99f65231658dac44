import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OngoingTxns } from '../../src/storage/ongoing-txns.js';

test('the first unstable offset is the earliest open transaction, or a completed one the high watermark has not passed', () => {
  const t = new OngoingTxns();
  assert.equal(t.firstUnstableOffset(), -1);
  t.begin(1, 10);
  t.begin(2, 12);
  t.begin(3, 15);
  assert.equal(t.firstUndecidedOffset(), 10);
  // Kafka's lastStableOffset(completedTxn): the next open transaction of another producer.
  assert.equal(t.lastStableOffsetOf({ producerId: 2, firstOffset: 12, lastOffset: 20, isAborted: true }), 10);
  assert.equal(t.complete({ producerId: 1, firstOffset: 10, lastOffset: 21, isAborted: false }), true);
  assert.equal(t.firstUndecidedOffset(), 12);
  assert.equal(t.firstUnstableOffset(), 10, 'decided above the high watermark');
  t.onHighWatermarkUpdated(21);
  assert.equal(t.firstUnstableOffset(), 10);
  t.onHighWatermarkUpdated(22);
  assert.equal(t.firstUnstableOffset(), 12);
  assert.equal(t.lastStableOffsetOf({ producerId: 2, firstOffset: 12, lastOffset: 22, isAborted: true }), 15);
  t.complete({ producerId: 2, firstOffset: 12, lastOffset: 22, isAborted: true });
  t.complete({ producerId: 3, firstOffset: 15, lastOffset: 23, isAborted: true });
  assert.equal(t.ongoingCount, 0);
  assert.equal(t.firstUndecidedOffset(), -1);
  assert.equal(t.lastStableOffsetOf({ producerId: 4, firstOffset: 30, lastOffset: 31, isAborted: true }), 32);
  t.onLogStartOffsetIncremented(24);
  assert.equal(t.firstUnstableOffset(), -1);
});

test('completing a transaction that never started is refused', () => {
  const t = new OngoingTxns();
  t.begin(1, 5);
  assert.equal(t.complete({ producerId: 1, firstOffset: 4, lastOffset: 6, isAborted: false }), false);
  assert.equal(t.firstUndecidedOffset(), 5);
  t.clear();
  assert.equal(t.firstUnstableOffset(), -1);
});
