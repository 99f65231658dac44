import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from './helpers.js';
import { endTxn, produce, producerBatch } from './txn-helpers.js';
import { isStorageError } from '../../src/storage/errors.js';
import { decodeBatchSync } from '../../src/protocol/records/decode.js';
import { CONTROL_MASK, TRANSACTIONAL_MASK } from '../../src/protocol/records/batch-header.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';

const PID = 4000;

test('appendTxnMarker writes one control batch in Kafka format: magic 2, transactional | control, key {0, type}, value {0, coordinator epoch}', () => {
  const env = testEnv();
  const log = env.open();
  env.clock.set(1_700_000_000_000);
  produce(log, producerBatch(PID, 3, 2, 'a'));
  const commit = endTxn(log, PID, 3, true, { coordinatorEpoch: 7 });
  produce(log, producerBatch(PID, 3, 1, 'b', { sequence: 2 }));
  const abort = endTxn(log, PID, 3, false, { coordinatorEpoch: 7 });
  assert.deepEqual([commit.firstOffset, commit.lastOffset, abort.firstOffset], [2, 2, 4]);

  for (const [offset, type] of [
    [2, 1],
    [4, 0],
  ] as const) {
    const buf = log.read(offset, 1 << 20).records;
    const batch = decodeBatchSync(buf, 0, buf.readInt32BE(8) + 12);
    assert.equal(batch.magic, 2);
    assert.equal(batch.baseOffset, offset);
    assert.equal(batch.lastOffsetDelta, 0);
    assert.equal(batch.attributes & (CONTROL_MASK | TRANSACTIONAL_MASK), CONTROL_MASK | TRANSACTIONAL_MASK);
    assert.equal(batch.attributes & 0x07, 0, 'uncompressed');
    assert.equal(batch.producerId, PID);
    assert.equal(batch.producerEpoch, 3);
    assert.equal(batch.baseSequence, -1);
    assert.equal(batch.partitionLeaderEpoch, 0);
    assert.equal(batch.records.length, 1);
    const record = batch.records[0]!;
    assert.deepEqual([...record.key!], [0, 0, 0, type]);
    assert.deepEqual([...record.value!], [0, 0, 0, 0, 0, 7]);
    assert.equal(record.timestamp, 1_700_000_000_000);
  }
});

test('a marker ends the producer transaction: state keeps the marker epoch and coordinator epoch, no open transaction', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(PID, 0, 3, 'a'));
  let entry = [...log.activeProducers()].find((e) => e.producerId === PID)!;
  assert.equal(entry.currentTxnFirstOffset, 0);
  endTxn(log, PID, 1, true, { coordinatorEpoch: 5, transactionVersion: 2 });
  entry = [...log.activeProducers()].find((e) => e.producerId === PID)!;
  assert.equal(entry.currentTxnFirstOffset, -1);
  assert.equal(entry.producerEpoch, 1);
  assert.equal(entry.coordinatorEpoch, 5);
  // A new epoch empties the batch window: the next transaction of epoch 1 starts at sequence 0.
  assert.equal(entry.lastSequence, -1);
  produce(log, producerBatch(PID, 1, 1, 'b', { sequence: 0 }));
  entry = [...log.activeProducers()].find((e) => e.producerId === PID)!;
  assert.equal(entry.currentTxnFirstOffset, 4);
});

test('transaction version 2: a marker must carry an epoch above the producer epoch (INVALID_PRODUCER_EPOCH), and nothing is written', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(PID, 5, 2, 'a'));
  const end = log.logEndOffset;
  for (const epoch of [4, 5]) {
    assert.throws(
      () => endTxn(log, PID, epoch, true, { transactionVersion: 2 }),
      (e) => isStorageError(e, 'INVALID_PRODUCER_EPOCH') && e.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH && /which is <= the last seen epoch 5 \(TV2\)/.test(e.message),
    );
  }
  assert.equal(log.logEndOffset, end);
  assert.equal(log.lastStableOffset, 0, 'still open');
  endTxn(log, PID, 6, true, { transactionVersion: 2 });
  assert.equal(log.lastStableOffset, log.logEndOffset);
  // A repeated (late) marker of the same transaction is refused too.
  assert.throws(() => endTxn(log, PID, 6, true, { transactionVersion: 2 }), (e) => isStorageError(e, 'INVALID_PRODUCER_EPOCH'));
});

test('hasTxnMarker: a version 2 marker of the producer epoch with no transaction open is there already; never under versions 0 and 1', () => {
  const env = testEnv();
  const log = env.open();
  const marker = (epoch: number, transactionVersion: number) => ({ producerId: PID, producerEpoch: epoch, commit: true, coordinatorEpoch: 0, transactionVersion });
  assert.equal(log.hasTxnMarker(marker(6, 2)), false, 'unknown producer');
  produce(log, producerBatch(PID, 5, 2, 'a'));
  assert.equal(log.hasTxnMarker(marker(5, 2)), false, 'the transaction is open');
  assert.equal(log.hasTxnMarker(marker(6, 2)), false, 'not written yet');
  endTxn(log, PID, 6, true, { transactionVersion: 2 });
  assert.equal(log.hasTxnMarker(marker(6, 2)), true);
  assert.equal(log.hasTxnMarker(marker(7, 2)), false, 'a later epoch');
  assert.equal(log.hasTxnMarker(marker(6, 0)), false, 'version 0 writes an equal epoch again');
  // The next transaction of the new epoch is open: its marker is not there.
  produce(log, producerBatch(PID, 6, 1, 'b', { sequence: 0 }));
  assert.equal(log.hasTxnMarker(marker(6, 2)), false);
});

test('transaction versions 0 and 1: a marker may carry the producer epoch; only an older one is refused', () => {
  for (const tv of [0, 1]) {
    const env = testEnv();
    const log = env.open();
    produce(log, producerBatch(PID, 5, 2, 'a'));
    assert.throws(() => endTxn(log, PID, 4, false, { transactionVersion: tv }), (e) => isStorageError(e, 'INVALID_PRODUCER_EPOCH') && /which is < the last seen epoch 5 \(TV/.test(e.message));
    assert.equal(log.logEndOffset, 2);
    endTxn(log, PID, 5, false, { transactionVersion: tv });
    assert.equal(log.logEndOffset, 3);
    // The same marker again is accepted (and completes nothing).
    endTxn(log, PID, 5, false, { transactionVersion: tv });
    assert.equal(log.logEndOffset, 4);
    assert.equal(log.lastStableOffset, 4);
  }
});

test('a marker from an older coordinator epoch is fenced (TRANSACTION_COORDINATOR_FENCED); an equal or newer one passes', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(PID, 0, 1, 'a'));
  endTxn(log, PID, 0, true, { coordinatorEpoch: 3 });
  produce(log, producerBatch(PID, 0, 1, 'b', { sequence: 1 }));
  const end = log.logEndOffset;
  assert.throws(
    () => endTxn(log, PID, 0, false, { coordinatorEpoch: 2 }),
    (e) => isStorageError(e, 'TRANSACTION_COORDINATOR_FENCED') && e.errorCode === ErrorCode.TRANSACTION_COORDINATOR_FENCED && /2 \(zombie\), 3 \(current\)/.test(e.message),
  );
  assert.equal(log.logEndOffset, end);
  endTxn(log, PID, 0, false, { coordinatorEpoch: 3 });
  produce(log, producerBatch(PID, 0, 1, 'c', { sequence: 2 }));
  endTxn(log, PID, 0, true, { coordinatorEpoch: 4 });
  assert.equal([...log.activeProducers()][0]!.coordinatorEpoch, 4);
});

test('a marker for a producer the partition does not know is written and completes nothing', () => {
  const env = testEnv();
  const log = env.open();
  const info = endTxn(log, 99, 0, false, { transactionVersion: 2 });
  assert.equal(info.firstOffset, 0);
  assert.equal(log.logEndOffset, 1);
  assert.equal(log.lastStableOffset, 1);
  assert.deepEqual(log.collectAbortedTransactions(0, 1), []);
  const entry = [...log.activeProducers()].find((e) => e.producerId === 99)!;
  assert.equal(entry.producerEpoch, 0);
  assert.equal(entry.currentTxnFirstOffset, -1);
});

test('a plain batch from a producer with an open transaction is INVALID_TXN_STATE and is not written', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(PID, 0, 2, 'a'));
  assert.throws(
    () => produce(log, producerBatch(PID, 0, 1, 'plain', { sequence: 2, transactional: false })),
    (e) => isStorageError(e, 'INVALID_TXN_STATE') && e.errorCode === ErrorCode.INVALID_TXN_STATE,
  );
  assert.equal(log.logEndOffset, 2);
  endTxn(log, PID, 0, true);
  // After the marker, the producer may write plain batches again.
  produce(log, producerBatch(PID, 0, 1, 'plain', { sequence: 2, transactional: false }));
  assert.equal(log.logEndOffset, 4);
});

test('markers are refused on an offline log with KAFKA_STORAGE_ERROR', () => {
  const env = testEnv();
  const log = env.open();
  produce(log, producerBatch(PID, 0, 1, 'a'));
  env.fs.failOn('write', /\.log$/);
  assert.throws(() => endTxn(log, PID, 0, true), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
  assert.throws(() => endTxn(log, PID, 0, true), (e) => isStorageError(e, 'KAFKA_STORAGE_ERROR'));
  assert.equal(log.isOffline, true);
});
