import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { initProducerId } from '../../../src/coordinator/txn/init-producer-id.js';
import { TransactionState, TransactionVersion } from '../../../src/coordinator/txn/transaction-state.js';
import { ProducerIdManager } from '../../../src/coordinator/txn/producer-id-manager.js';
import { add, end, harness, init, meta, MemoryTxnLog, seedTransit, settle } from './helpers.js';

const requestIds = new ProducerIdManager({ allocate: async (size) => ({ first: 5000, last: 5000 + size - 1 }) });

test('a new transactional id gets a new producer id at epoch 0, written as Empty', async () => {
  const { coord, log } = await harness();
  const r = await init(coord, 'tx');
  assert.deepEqual(r, { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  assert.deepEqual(log.states('tx'), [TransactionState.Empty]);
  const m = log.history('tx')[0]!;
  assert.equal(m.producerId, 1000);
  assert.equal(m.txnTimeoutMs, 60_000);
});

test('each InitProducerId bumps the epoch, fencing the producers before it', async () => {
  const { coord } = await harness();
  await init(coord, 'tx');
  const second = await init(coord, 'tx');
  assert.deepEqual(second, { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 0]]), ErrorCode.PRODUCER_FENCED);
  assert.equal(await add(coord, 'tx', 1000, 1, [['t', 0]]), ErrorCode.NONE);
});

test('requests Kafka refuses before looking at any state', async () => {
  const { coord } = await harness({ config: { transactionMaxTimeoutMs: 900_000 } });
  assert.equal((await init(coord, '')).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await init(coord, 'tx', -1, -1, 900_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(coord, 'tx', -1, -1, 0)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(coord, 'tx', -1, -1, 900_000)).errorCode, ErrorCode.NONE);
  // Through the request-level checks too (producer id and epoch both set or both unset).
  const viaRequest = await initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: 1000, producerEpoch: -1 }, requestIds, 900_000, coord);
  assert.equal(viaRequest.errorCode, ErrorCode.INVALID_REQUEST);
  const served = await initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 }, requestIds, 900_000, coord);
  assert.deepEqual(served, { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
});

test('an idempotent producer (no transactional id) gets a fresh id at epoch 0', async () => {
  const { coord } = await harness();
  assert.deepEqual(await coord.initProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
});

test('KIP-360: the current producer bumps its own epoch; a retry of that bump gets the same epoch; others are fenced', async () => {
  const { coord } = await harness();
  await init(coord, 'tx');
  assert.deepEqual(await init(coord, 'tx', 1000, 0), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
  assert.equal(meta(coord, 'tx').lastProducerEpoch, 0);
  assert.deepEqual(await init(coord, 'tx', 1000, 0), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 }, 'the response was lost: same epoch');
  assert.equal((await init(coord, 'tx', 1000, 7)).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.equal((await init(coord, 'tx', 999, 1)).errorCode, ErrorCode.PRODUCER_FENCED, 'another producer id');
  // A new producer (no id) takes over: the old one's id and epoch are no longer current.
  await init(coord, 'tx');
  assert.equal((await init(coord, 'tx', 1000, 1)).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('an exhausted epoch moves the transactional id to a new producer id at epoch 0', async () => {
  const log = new MemoryTxnLog();
  log.seed(seedTransit({ producerId: 7, producerEpoch: 32766, txnState: TransactionState.CompleteCommit, txnStartTimestamp: 1 }), 'tx');
  const { coord } = await harness({ log });
  assert.deepEqual(await init(coord, 'tx', 7, 32766), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  const m = meta(coord, 'tx');
  assert.equal(m.previousProducerId, 7);
  assert.equal(m.lastProducerEpoch, 32766);
  // The retry of that rotation (its response lost) comes with the old id: it gets the new one.
  assert.deepEqual(await init(coord, 'tx', 7, 32766), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  assert.deepEqual(log.states('tx'), [TransactionState.CompleteCommit, TransactionState.Empty, TransactionState.Empty]);
});

test('an exhausted epoch without an expected producer also rotates, forgetting the last epoch', async () => {
  const log = new MemoryTxnLog();
  log.seed(seedTransit({ producerId: 7, producerEpoch: 32766, txnState: TransactionState.Empty }), 'tx');
  const { coord } = await harness({ log });
  assert.deepEqual(await init(coord, 'tx'), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
  assert.equal(meta(coord, 'tx').lastProducerEpoch, -1);
});

test('InitProducerId on an Ongoing transaction fences it: aborted, CONCURRENT_TRANSACTIONS, then the retry succeeds', async () => {
  const { coord, writer, log } = await harness();
  await init(coord, 'tx');
  await add(coord, 'tx', 1000, 0, [['t', 0], ['t', 1]]);
  const r = await init(coord, 'tx');
  assert.equal(r.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  await settle();
  // The coordinator's own abort runs at the server's transaction.version (2): its epoch bump is the fence.
  assert.deepEqual(writer.written.map((w) => [w.topic, w.partition, w.producerEpoch, w.result]), [['t', 0, 1, 0], ['t', 1, 1, 0]]);
  assert.equal(meta(coord, 'tx').state, TransactionState.CompleteAbort);
  assert.deepEqual(log.states('tx'), [TransactionState.Empty, TransactionState.Ongoing, TransactionState.PrepareAbort, TransactionState.CompleteAbort]);
  assert.deepEqual(await init(coord, 'tx'), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 2 });
  // The zombie is fenced everywhere.
  assert.equal(await add(coord, 'tx', 1000, 0, [['t', 0]]), ErrorCode.PRODUCER_FENCED);
});

test('with transaction.version 0 the fence bumps the epoch once', async () => {
  const { coord, writer } = await harness({ config: { transactionVersionLevel: TransactionVersion.TV0 } });
  await init(coord, 'tx');
  await add(coord, 'tx', 1000, 0, [['t', 0]]);
  assert.equal((await init(coord, 'tx')).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  await settle();
  assert.deepEqual(writer.written.map((w) => w.producerEpoch), [1]);
  assert.deepEqual(await init(coord, 'tx'), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 2 });
});

test('a failed fence write is not bumped again by the next fence', async () => {
  const { coord, log, writer } = await harness({ config: { transactionVersionLevel: TransactionVersion.TV0 } });
  await init(coord, 'tx');
  await add(coord, 'tx', 1000, 0, [['t', 0]]);
  log.failIf = () => ErrorCode.NOT_ENOUGH_REPLICAS;
  assert.equal((await init(coord, 'tx')).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.ok(meta(coord, 'tx').hasFailedEpochFence);
  log.failIf = null;
  assert.equal((await init(coord, 'tx')).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  await settle();
  assert.deepEqual(writer.written.map((w) => w.producerEpoch), [1], 'the fence epoch that was never handed out is used');
});

test('while a transition is being written, InitProducerId answers CONCURRENT_TRANSACTIONS; PrepareCommit too', async () => {
  const { coord, writer } = await harness();
  await init(coord, 'tx');
  await add(coord, 'tx', 1000, 0, [['t', 0]]);
  let release!: () => void;
  writer.gate = new Promise((r) => (release = r));
  await end(coord, 'tx', 1000, 0, true);
  assert.equal(meta(coord, 'tx').state, TransactionState.PrepareCommit);
  assert.equal((await init(coord, 'tx')).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  release();
  await settle();
  assert.equal(meta(coord, 'tx').state, TransactionState.CompleteCommit);
  assert.deepEqual(await init(coord, 'tx'), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 1 });
});

test('no producer id block: retriable COORDINATOR_LOAD_IN_PROGRESS', async () => {
  const { coord, ids } = await harness();
  ids.failNext = 1;
  assert.equal((await init(coord, 'tx')).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal((await init(coord, 'tx')).errorCode, ErrorCode.NONE);
});

test('ids of partitions this broker does not lead: NOT_COORDINATOR; write errors map as Kafka maps them', async () => {
  const log = new MemoryTxnLog(1);
  log.notOwned.add(0);
  const { coord } = await harness({ log });
  assert.equal((await init(coord, 'tx')).errorCode, ErrorCode.NOT_COORDINATOR);

  const h = await harness();
  h.log.failIf = () => ErrorCode.NOT_LEADER_OR_FOLLOWER;
  assert.equal((await init(h.coord, 'tx')).errorCode, ErrorCode.NOT_COORDINATOR);
  h.log.failIf = () => ErrorCode.MESSAGE_TOO_LARGE;
  assert.equal((await init(h.coord, 'tx')).errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  h.log.failIf = null;
  assert.deepEqual(await init(h.coord, 'tx'), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 }, 'a failed write leaves nothing pending');
});

test('a transactional id TransactionLogKey cannot hold (over 32767 bytes) is refused before anything is prepared', async () => {
  const { coord, log } = await harness();
  const tooLong = 'é'.repeat(16_384); // 32768 bytes in UTF-8
  assert.deepEqual(await init(coord, tooLong), { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, producerId: -1, producerEpoch: -1 });
  assert.equal(log.appends, 0);
  assert.equal(coord.txnManager.getTransactionState(tooLong).metadata, undefined);
  assert.equal((await init(coord, 'y'.repeat(32_767))).errorCode, ErrorCode.NONE);
});
