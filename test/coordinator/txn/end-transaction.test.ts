import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { partitionFor } from '../../../src/coordinator/group/offsets-topic.js';
import { TransactionState, TransactionVersion } from '../../../src/coordinator/txn/transaction-state.js';
import { add, end, harness, init, meta, MemoryTxnLog, partitions, seedTransit, settle } from './helpers.js';

const TV2 = TransactionVersion.TV2;

test('a transaction (transaction.version 0): Ongoing, PrepareCommit, markers, CompleteCommit', async () => {
  const { coord, log, writer, clock } = await harness();
  await init(coord, 'tx');
  const started = clock.now();
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 0], ['t', 1]]), ErrorCode.NONE);
  assert.equal(meta(coord, 'tx').txnStartTimestamp, started);
  clock.advance(5);
  assert.equal(await add(coord, 'tx', 1000, 0, [['u', 0]]), ErrorCode.NONE);
  const appends = log.appends;
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 1]]), ErrorCode.NONE);
  assert.equal(log.appends, appends, 'partitions already in the transaction are not written again');
  assert.deepEqual(await end(coord, 'tx', 1000, 0, true), { errorCode: ErrorCode.NONE, producerId: -1, producerEpoch: -1 });
  await settle();
  assert.deepEqual(writer.written.map((w) => `${w.topic}-${w.partition}@${w.producerId}/${w.producerEpoch}:${w.result}`), ['t-0@1000/0:1', 't-1@1000/0:1', 'u-0@1000/0:1']);
  assert.deepEqual(log.states('tx'), [TransactionState.Empty, TransactionState.Ongoing, TransactionState.Ongoing, TransactionState.PrepareCommit, TransactionState.CompleteCommit]);
  const m = meta(coord, 'tx');
  assert.equal(m.state, TransactionState.CompleteCommit);
  assert.equal(m.topicPartitions.size, 0);
  assert.equal(m.producerEpoch, 0);
  // Retries and mistakes after the end.
  assert.equal((await end(coord, 'tx', 1000, 0, true)).errorCode, ErrorCode.NONE);
  assert.equal((await end(coord, 'tx', 1000, 0, false)).errorCode, ErrorCode.INVALID_TXN_STATE);
  // The next transaction starts anew.
  clock.advance(100);
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 0]]), ErrorCode.NONE);
  assert.equal(meta(coord, 'tx').txnStartTimestamp, clock.now());
});

test('EndTxn errors (transaction.version 0)', async () => {
  const { coord, writer } = await harness();
  assert.equal((await end(coord, '', 1, 0, true)).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await end(coord, 'unknown', 1, 0, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  await init(coord, 'tx');
  assert.equal((await end(coord, 'tx', 1000, 0, true)).errorCode, ErrorCode.INVALID_TXN_STATE, 'nothing to commit in Empty');
  assert.equal((await end(coord, 'tx', 1000, 0, false)).errorCode, ErrorCode.INVALID_TXN_STATE, 'nor to abort');
  await add(coord, 'tx', 1000, 0, [['t', 0]]);
  assert.equal((await end(coord, 'tx', 999, 0, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal((await end(coord, 'tx', 1000, 1, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'a client never bumps its own epoch in TV0');
  let release!: () => void;
  writer.gate = new Promise((r) => (release = r));
  assert.equal((await end(coord, 'tx', 1000, 0, false)).errorCode, ErrorCode.NONE);
  // Before the markers are written, with the completion pending: CONCURRENT_TRANSACTIONS.
  assert.equal((await end(coord, 'tx', 1000, 0, false)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal((await end(coord, 'tx', 1000, 0, true)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS, 'pending completion comes first');
  release();
  await settle();
  assert.equal((await end(coord, 'tx', 1000, 0, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.equal((await end(coord, 'tx', 1000, 0, false)).errorCode, ErrorCode.NONE);
});

test('AddPartitionsToTxn errors', async () => {
  const { coord, writer } = await harness();
  assert.equal(await add(coord, '', 1, 0, [['t', 0]]), ErrorCode.INVALID_REQUEST);
  assert.equal(await add(coord, 'nobody', 1, 0, [['t', 0]]), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  await init(coord, 'tx');
  assert.equal(await add(coord, 'tx', 5, 0, [['t', 0]]), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await add(coord, 'tx', 1000, 3, [['t', 0]]), ErrorCode.PRODUCER_FENCED);
  await add(coord, 'tx', 1000, 0, [['t', 0]]);
  writer.gate = new Promise(() => {});
  await end(coord, 'tx', 1000, 0, true);
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 1]]), ErrorCode.CONCURRENT_TRANSACTIONS, 'the transaction is being committed');
});

test('AddOffsetsToTxn adds the group\'s partition of __consumer_offsets', async () => {
  const { coord, writer } = await harness();
  await init(coord, 'tx');
  assert.equal(await coord.addOffsetsToTransaction('tx', 1000, 0, 'my-group'), ErrorCode.NONE);
  const m = meta(coord, 'tx');
  assert.ok(m.topicPartitions.has('__consumer_offsets', partitionFor('my-group', 50)));
  assert.equal(m.clientTransactionVersion, TransactionVersion.TV0);
  await end(coord, 'tx', 1000, 0, true);
  await settle();
  assert.deepEqual(writer.written.map((w) => w.topic), ['__consumer_offsets']);
  assert.equal(await coord.addOffsetsToTransaction('tx', 1000, 1, 'my-group'), ErrorCode.PRODUCER_FENCED);
});

test('KIP-890 part 1 verification: partitions in the transaction pass, others are TRANSACTION_ABORTABLE', async () => {
  const { coord } = await harness();
  const errorsOf = (id: string, pid: number, epoch: number) =>
    coord.verifyPartitionsInTransaction(id, pid, epoch, partitions(['t', 0], ['t', 9])).map((e) => `${e.topic}-${e.partition}:${e.errorCode}`);
  assert.deepEqual(errorsOf('nobody', 1, 0), [`t-0:${ErrorCode.INVALID_PRODUCER_ID_MAPPING}`, `t-9:${ErrorCode.INVALID_PRODUCER_ID_MAPPING}`]);
  await init(coord, 'tx');
  await add(coord, 'tx', 1000, 0, [['t', 0]]);
  assert.deepEqual(errorsOf('tx', 1000, 0), [`t-0:${ErrorCode.NONE}`, `t-9:${ErrorCode.TRANSACTION_ABORTABLE}`]);
  assert.deepEqual(errorsOf('tx', 1000, 1), [`t-0:${ErrorCode.PRODUCER_FENCED}`, `t-9:${ErrorCode.PRODUCER_FENCED}`]);
  assert.deepEqual(errorsOf('', 1000, 0), [`t-0:${ErrorCode.INVALID_REQUEST}`, `t-9:${ErrorCode.INVALID_REQUEST}`]);
  coord.verifyPartitionsInTransaction('tx', 1000, 0, partitions(['t', 0]));
  assert.equal(meta(coord, 'tx').topicPartitions.size, 1, 'verification adds nothing');
});

test('transaction.version 2: every EndTxn bumps the epoch and answers with it; retries are recognised', async () => {
  const { coord, writer, log } = await harness();
  await init(coord, 'tx');
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 0]], TV2), ErrorCode.NONE);
  assert.deepEqual(await end(coord, 'tx', 1000, 0, true, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
  await settle();
  assert.deepEqual(writer.written.map((w) => w.producerEpoch), [1], 'markers carry the bumped epoch');
  assert.equal(writer.attempts[0]!.transactionVersion, TV2);
  assert.equal(writer.attempts[0]!.coordinatorEpoch, 0);
  assert.equal(writer.attempts[0]!.transactionalId, 'tx');
  const m = meta(coord, 'tx');
  assert.equal(m.state, TransactionState.CompleteCommit);
  assert.equal(m.producerEpoch, 1);
  assert.equal(m.clientTransactionVersion, TV2);
  assert.equal(log.history('tx').at(-1)!.clientTransactionVersion, TV2);
  // The retry carries the epoch before the bump.
  assert.deepEqual(await end(coord, 'tx', 1000, 0, true, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
  assert.equal((await end(coord, 'tx', 1000, 0, false, TV2)).errorCode, ErrorCode.INVALID_TXN_STATE, 'a retry of the other outcome');
  assert.equal((await end(coord, 'tx', 1000, 1, true, TV2)).errorCode, ErrorCode.INVALID_TXN_STATE, 'a new commit with nothing in it');
  assert.equal((await end(coord, 'tx', 1000, 5, true, TV2)).errorCode, ErrorCode.PRODUCER_FENCED);
  // The old epoch no longer adds partitions.
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 0]], TV2), ErrorCode.PRODUCER_FENCED);
});

test('transaction.version 2: an abort with nothing in the transaction still bumps the epoch', async () => {
  const { coord, writer, clock } = await harness();
  await init(coord, 'tx');
  clock.advance(10);
  assert.deepEqual(await end(coord, 'tx', 1000, 0, false, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
  await settle();
  const m = meta(coord, 'tx');
  assert.equal(m.state, TransactionState.CompleteAbort);
  assert.equal(m.txnStartTimestamp, clock.now(), 'the abort time stands in for the start time');
  assert.equal(writer.attempts.length, 0, 'no partition, no marker');
  assert.deepEqual(await end(coord, 'tx', 1000, 0, false, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 }, 'retry');
  assert.deepEqual(await end(coord, 'tx', 1000, 1, false, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 2 }, 'a new abort');
  await settle();
  assert.equal((await end(coord, 'tx', 1000, 2, true, TV2)).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.equal((await end(coord, 'tx', 1000, 1, true, TV2)).errorCode, ErrorCode.INVALID_TXN_STATE, 'a commit retry after an abort');
});

test('transaction.version 2: while being completed, a retry is CONCURRENT_TRANSACTIONS and the current epoch is fenced', async () => {
  const { coord, writer } = await harness();
  await init(coord, 'tx');
  await add(coord, 'tx', 1000, 0, [['t', 0]], TV2);
  writer.gate = new Promise(() => {});
  await end(coord, 'tx', 1000, 0, true, TV2);
  assert.equal((await end(coord, 'tx', 1000, 0, true, TV2)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  assert.equal((await end(coord, 'tx', 1000, 1, true, TV2)).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('transaction.version 2: the bump that exhausts the epochs moves to a new producer id, and its retry is recognised', async () => {
  const log = new MemoryTxnLog();
  log.seed(seedTransit({ producerId: 7, producerEpoch: 32765, txnState: TransactionState.CompleteCommit, txnStartTimestamp: 1, clientTransactionVersion: TV2 }), 'tx');
  const { coord, writer } = await harness({ log });
  assert.equal(await add(coord, 'tx', 7, 32765, [['t', 0]], TV2), ErrorCode.NONE);
  assert.deepEqual(await end(coord, 'tx', 7, 32765, true, TV2), { errorCode: ErrorCode.NONE, producerId: 7, producerEpoch: 32766 });
  await settle();
  assert.equal(await add(coord, 'tx', 7, 32766, [['t', 0]], TV2), ErrorCode.NONE);
  assert.deepEqual(await end(coord, 'tx', 7, 32766, true, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  await settle();
  assert.deepEqual(writer.written.map((w) => [w.producerId, w.producerEpoch]), [[7, 32766], [7, 32767]], 'the last markers of the old id use its last epoch');
  const m = meta(coord, 'tx');
  assert.equal(m.state, TransactionState.CompleteCommit);
  assert.equal(m.producerId, 1000);
  assert.equal(m.producerEpoch, 0);
  assert.equal(m.previousProducerId, 7);
  assert.deepEqual(await end(coord, 'tx', 7, 32766, true, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 }, 'the retry is answered with the new id');
  assert.equal((await end(coord, 'tx', 7, 32766, false, TV2)).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 0]], TV2), ErrorCode.NONE);
  assert.deepEqual(await end(coord, 'tx', 1000, 0, true, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
});

test('transaction.version 2 after an exhausted epoch with no producer id to be had: retriable, nothing written', async () => {
  const log = new MemoryTxnLog();
  log.seed(seedTransit({ producerId: 7, producerEpoch: 32766, txnState: TransactionState.Ongoing, txnStartTimestamp: 1_000_000, topicPartitions: partitions(['t', 0]), clientTransactionVersion: TV2 }), 'tx');
  const { coord, ids } = await harness({ log });
  ids.failNext = 1;
  const appends = log.appends;
  assert.equal((await end(coord, 'tx', 7, 32766, true, TV2)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(log.appends, appends);
  assert.equal(meta(coord, 'tx').pendingState, null);
  assert.deepEqual(await end(coord, 'tx', 7, 32766, true, TV2), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
});
