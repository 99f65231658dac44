import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from './helpers.js';
import { endTxn, NOW, plainBatch, produce, producerBatch } from './txn-helpers.js';

test('without transactions the last stable offset is the high watermark', () => {
  const env = testEnv();
  const log = env.open();
  log.append(plainBatch(3));
  assert.equal(log.lastStableOffset, 0);
  log.maybeIncrementHighWatermark(3);
  assert.equal(log.lastStableOffset, 3);
  assert.equal(log.firstUnstableOffset, -1);
  produce(log, producerBatch(1, 0, 2, 'idem', { transactional: false }));
  assert.equal(log.lastStableOffset, 5, 'idempotent batches are stable at once');
});

test('interleaved producers: the LSO stays at the earliest open transaction and moves as markers arrive', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, plainBatch(2)); // 0-1 plain
  produce(log, producerBatch(1, 0, 2, 'p1')); // 2-3 txn of 1
  assert.equal(log.lastStableOffset, 2);
  produce(log, producerBatch(2, 0, 1, 'p2')); // 4 txn of 2
  produce(log, plainBatch(1)); // 5 plain
  produce(log, producerBatch(1, 0, 1, 'p1b', { sequence: 2 })); // 6 txn of 1 continues
  assert.equal(log.highWatermark, 7);
  assert.equal(log.lastStableOffset, 2);
  assert.equal(log.firstUnstableOffset, 2);

  endTxn(log, 2, 0, true); // 7: producer 2 commits; producer 1 still holds the LSO
  assert.equal(log.lastStableOffset, 2);
  endTxn(log, 1, 0, false); // 8: producer 1 aborts; nothing open
  assert.equal(log.lastStableOffset, 9);
  assert.equal(log.firstUnstableOffset, -1);

  produce(log, producerBatch(2, 0, 1, 'p2b', { sequence: 1 })); // 9 new txn of 2
  produce(log, producerBatch(3, 0, 1, 'p3')); // 10 txn of 3
  endTxn(log, 2, 0, false); // 11
  assert.equal(log.lastStableOffset, 10, 'now producer 3 holds it');
  endTxn(log, 3, 0, true); // 12
  assert.equal(log.lastStableOffset, 13);
});

test('a decided transaction stays unstable until the high watermark passes its marker', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 3, 'a'), false);
  log.maybeIncrementHighWatermark(2);
  assert.equal(log.lastStableOffset, 0);
  endTxn(log, 1, 0, true, { advanceHw: false }); // marker at 3
  log.maybeIncrementHighWatermark(3);
  assert.equal(log.lastStableOffset, 0, 'the marker is not below the high watermark yet');
  log.maybeIncrementHighWatermark(4);
  assert.equal(log.lastStableOffset, 4);
});

test('the LSO never exceeds the high watermark, and never falls below the log start offset', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, plainBatch(3), false);
  log.maybeIncrementHighWatermark(1);
  produce(log, producerBatch(7, 0, 1, 'a'), false); // 3
  assert.equal(log.lastStableOffset, 1);
  log.maybeIncrementHighWatermark(4);
  assert.equal(log.lastStableOffset, 3);
  produce(log, plainBatch(2)); // 4-5
  log.maybeIncrementLogStartOffset(5);
  assert.equal(log.firstUnstableOffset, 5);
  assert.equal(log.lastStableOffset, 5);
});

test('an ongoing transaction keeps its producer from expiring', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 1, 'open'));
  produce(log, producerBatch(2, 0, 1, 'idle', { transactional: false }));
  assert.equal(log.removeExpiredProducers(NOW + 10_000, 1000), 1);
  assert.deepEqual([...log.activeProducers()].map((e) => e.producerId), [1]);
  assert.equal(log.lastStableOffset, 0);
});

test('truncation below a marker reopens its transaction; truncation below its start removes it', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 2, 'a')); // 0-1
  produce(log, plainBatch(1)); // 2
  endTxn(log, 1, 0, true); // 3
  assert.equal(log.lastStableOffset, 4);
  log.truncateTo(3);
  assert.equal(log.highWatermark, 3);
  assert.equal(log.lastStableOffset, 0, 'the commit is gone: the transaction is open again');
  log.truncateTo(0);
  assert.equal(log.firstUnstableOffset, -1);
  assert.equal(log.lastStableOffset, 0);
  assert.equal([...log.activeProducers()].length, 0);
});
