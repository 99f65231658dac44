import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { TransactionState, TransactionVersion } from '../../../src/coordinator/txn/transaction-state.js';
import { add, end, harness, init, meta, MemoryTxnLog, partitions, seedTransit } from './helpers.js';

test('a transaction past its timeout is fenced and aborted by the periodic check', async () => {
  const h = await harness({ config: { abortTimedOutTransactionsIntervalMs: 10_000 } });
  await init(h.coord, 'tx', -1, -1, 25_000);
  await add(h.coord, 'tx', 1000, 0, [['t', 0]]);
  await h.advance(10_000);
  await h.advance(10_000);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.Ongoing, '20 s into a 25 s transaction');
  await h.advance(10_000);
  const m = meta(h.coord, 'tx');
  assert.equal(m.state, TransactionState.CompleteAbort);
  assert.equal(m.producerEpoch, 1, 'at transaction.version 2 the abort\'s bump is the fence');
  assert.deepEqual(h.writer.written.map((w) => [w.result, w.producerEpoch]), [[0, 1]]);
  // The producer finds out when it next speaks.
  assert.equal(await add(h.coord, 'tx', 1000, 0, [['t', 0]]), ErrorCode.PRODUCER_FENCED);
  assert.equal((await end(h.coord, 'tx', 1000, 0, true)).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('transaction.version 2: a transaction timed out at the last epoch moves to a new producer id; the late abort is a retry', async () => {
  const log = new MemoryTxnLog();
  log.seed(seedTransit({
    producerId: 7, producerEpoch: 32766, txnState: TransactionState.Ongoing, topicPartitions: partitions(['t', 0]),
    txnStartTimestamp: 1_000_000, txnTimeoutMs: 5000, clientTransactionVersion: TransactionVersion.TV2,
  }), 'tx');
  const h = await harness({ log, config: { abortTimedOutTransactionsIntervalMs: 10_000 } });
  await h.advance(10_000);
  const m = meta(h.coord, 'tx');
  assert.equal(m.state, TransactionState.CompleteAbort);
  assert.equal(m.producerId, 1000);
  assert.equal(m.producerEpoch, 0);
  assert.deepEqual(h.writer.written.map((w) => [w.producerId, w.producerEpoch]), [[7, 32767]]);
  assert.deepEqual(await end(h.coord, 'tx', 7, 32766, false, TransactionVersion.TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  assert.equal((await end(h.coord, 'tx', 7, 32766, true, TransactionVersion.TV2)).errorCode, ErrorCode.INVALID_TXN_STATE, 'its commit is refused');
});

test('a fence that needs a producer id nobody can give is dropped and tried again', async () => {
  const log = new MemoryTxnLog();
  log.seed(seedTransit({
    producerId: 7, producerEpoch: 32766, txnState: TransactionState.Ongoing, topicPartitions: partitions(['t', 0]),
    txnStartTimestamp: 1_000_000, txnTimeoutMs: 5000, clientTransactionVersion: TransactionVersion.TV2,
  }), 'tx');
  const h = await harness({ log, config: { abortTimedOutTransactionsIntervalMs: 10_000 } });
  h.ids.failNext = 1;
  await h.advance(10_000);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.Ongoing);
  assert.equal(meta(h.coord, 'tx').pendingState, null);
  await h.advance(10_000);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteAbort);
});

test('with transaction.version 0 a timed-out transaction is aborted at the fence epoch', async () => {
  const h = await harness({ config: { abortTimedOutTransactionsIntervalMs: 1000, transactionVersionLevel: TransactionVersion.TV0 } });
  await init(h.coord, 'tx', -1, -1, 1500);
  await add(h.coord, 'tx', 1000, 0, [['t', 0]]);
  await h.advance(1000);
  await h.advance(1000);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteAbort);
  assert.equal(meta(h.coord, 'tx').producerEpoch, 1);
});

test('transactions being completed, or not started, are not timed out', async () => {
  const h = await harness({ config: { abortTimedOutTransactionsIntervalMs: 1000 } });
  await init(h.coord, 'idle', -1, -1, 1000);
  await init(h.coord, 'tx', -1, -1, 1000);
  await add(h.coord, 'tx', 1001, 0, [['t', 0]]);
  h.writer.gate = new Promise(() => {});
  await end(h.coord, 'tx', 1001, 0, true);
  await h.advance(5000);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.PrepareCommit);
  assert.equal(meta(h.coord, 'tx').producerEpoch, 0);
  assert.equal(meta(h.coord, 'idle').state, TransactionState.Empty);
  assert.equal(meta(h.coord, 'idle').producerEpoch, 0);
});

test('transactional ids idle for transactional.id.expiration.ms are tombstoned and forgotten', async () => {
  const h = await harness({ config: { transactionalIdExpirationMs: 60_000, removeExpiredTransactionalIdsIntervalMs: 10_000, abortTimedOutTransactionsIntervalMs: 1_000_000 } });
  await init(h.coord, 'old');
  await init(h.coord, 'busy', -1, -1, 900_000);
  await add(h.coord, 'busy', 1001, 0, [['t', 0]]);
  await h.advance(30_000);
  await init(h.coord, 'recent');
  await h.advance(30_000);
  assert.equal(h.coord.describeTransaction('old').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  assert.deepEqual(h.log.states('old'), [TransactionState.Empty, 'tombstone']);
  assert.equal(h.coord.describeTransaction('recent').errorCode, ErrorCode.NONE);
  assert.equal(h.coord.describeTransaction('busy').errorCode, ErrorCode.NONE, 'an Ongoing transaction never expires');
  // A forgotten id starts over with a new producer id.
  assert.deepEqual(await init(h.coord, 'old'), { errorCode: ErrorCode.NONE, producerId: 1003, producerEpoch: 0 });
  await h.advance(60_000);
  assert.equal(h.coord.describeTransaction('recent').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
});

test('an id whose tombstone cannot be written stays', async () => {
  const h = await harness({ config: { transactionalIdExpirationMs: 1000, removeExpiredTransactionalIdsIntervalMs: 1000, abortTimedOutTransactionsIntervalMs: 1_000_000 } });
  await init(h.coord, 'tx');
  h.log.failIf = () => ErrorCode.NOT_LEADER_OR_FOLLOWER;
  await h.advance(1000);
  assert.equal(h.coord.describeTransaction('tx').errorCode, ErrorCode.NONE);
  assert.equal(meta(h.coord, 'tx').pendingState, null);
  h.log.failIf = null;
  await h.advance(1000);
  assert.equal(h.coord.describeTransaction('tx').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
});
