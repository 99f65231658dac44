import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatches, testEnv } from './helpers.js';
import { endTxn, plainBatch, produce, producerBatch } from './txn-helpers.js';

function offsets(records: Buffer): number[] {
  return decodeBatches(records).flatMap((b) => (b.records.length === 0 ? [] : [b.baseOffset]));
}

test("'txnCommitted' reads stop at the last stable offset; 'highWatermark' reads do not", () => {
  const env = testEnv();
  const log = env.open();
  produce(log, plainBatch(2)); // 0-1
  produce(log, producerBatch(1, 0, 2, 'open')); // 2-3
  produce(log, plainBatch(1)); // 4
  assert.equal(log.lastStableOffset, 2);
  const committed = log.read(0, 1 << 20, { isolation: 'txnCommitted' });
  assert.deepEqual(offsets(committed.records), [0]);
  assert.deepEqual(committed.abortedTransactions, []);
  const uncommitted = log.read(0, 1 << 20, { isolation: 'highWatermark' });
  assert.deepEqual(offsets(uncommitted.records), [0, 2, 4]);
  assert.equal(uncommitted.abortedTransactions, null);
  // At the LSO: nothing yet, no error.
  const atLso = log.read(2, 1 << 20, { isolation: 'txnCommitted' });
  assert.equal(atLso.records.length, 0);
  assert.deepEqual(atLso.abortedTransactions, []);
  endTxn(log, 1, 0, true); // 5
  assert.deepEqual(offsets(log.read(2, 1 << 20, { isolation: 'txnCommitted' }).records), [2, 4, 5]);
});

test('a read_committed read lists the aborted transactions that overlap the records it returns', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 2, 'p1')); // 0-1
  produce(log, producerBatch(2, 0, 1, 'p2')); // 2
  produce(log, producerBatch(1, 0, 1, 'p1b', { sequence: 2 })); // 3
  endTxn(log, 1, 0, false); // 4
  produce(log, plainBatch(1)); // 5
  endTxn(log, 2, 0, true); // 6
  produce(log, producerBatch(3, 0, 1, 'p3')); // 7
  endTxn(log, 3, 0, false); // 8
  produce(log, plainBatch(1)); // 9
  assert.equal(log.lastStableOffset, 10);

  const all = log.read(0, 1 << 20, { isolation: 'txnCommitted' });
  assert.deepEqual(offsets(all.records), [0, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(all.abortedTransactions!.map((t) => [t.producerId, t.firstOffset]), [
    [1, 0],
    [3, 7],
  ]);
  // Only the first batches: only what overlaps them.
  const batchSize = log.read(0, 1 << 20).records.readInt32BE(8) + 12;
  const first = log.read(0, batchSize, { isolation: 'txnCommitted' });
  assert.deepEqual(offsets(first.records), [0]);
  assert.deepEqual(first.abortedTransactions!.map((t) => t.producerId), [1]);
  // From after the first abort's marker: only the second.
  const later = log.read(5, 1 << 20, { isolation: 'txnCommitted' });
  assert.deepEqual(later.abortedTransactions!.map((t) => t.producerId), [3]);
});

test('a reader at the LSO of one producer sees later plain records only once the transaction is decided', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(1, 0, 1, 'txn')); // 0
  for (let i = 0; i < 3; i++) produce(log, plainBatch(1)); // 1-3
  assert.equal(log.read(0, 1 << 20, { isolation: 'txnCommitted' }).records.length, 0);
  assert.equal(log.bytesBetween(0, log.lastStableOffset), 0);
  endTxn(log, 1, 0, false); // 4
  const r = log.read(0, 1 << 20, { isolation: 'txnCommitted' });
  assert.deepEqual(offsets(r.records), [0, 1, 2, 3, 4]);
  assert.deepEqual(r.abortedTransactions, [{ producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 5 }]);
});
