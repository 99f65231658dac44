import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { TransactionState } from '../../../src/coordinator/txn/transaction-state.js';
import { add, harness, init, meta, MemoryTxnLog, seedTransit, settle } from './helpers.js';

test('a write in flight when the partition moves to a new coordinator epoch is not applied: NOT_COORDINATOR', async () => {
  const h = await harness();
  await init(h.coord, 'tx');
  let release!: () => void;
  h.log.appendGate = new Promise((r) => (release = r));
  const adding = add(h.coord, 'tx', 1000, 0, [['t', 0]]);
  await settle();
  const partition = h.coord.partitionFor('tx');
  h.coord.onResignation(partition, 0);
  h.log.appendGate = null;
  await h.coord.onElection(partition, 1);
  release();
  assert.equal(await adding, ErrorCode.NOT_COORDINATOR);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.Empty, 'the reloaded state knows nothing of it');
  assert.equal(h.coord.txnManager.getTransactionState('tx').coordinatorEpoch, 1);
  assert.equal(await add(h.coord, 'tx', 1000, 0, [['t', 0]]), ErrorCode.NONE);
});

test('a load overtaken by a newer election gives up', async () => {
  const log = new MemoryTxnLog(1);
  log.seed(seedTransit({ producerId: 7, producerEpoch: 0, txnState: TransactionState.Empty }), 'tx');
  let release!: () => void;
  log.loadGate = new Promise((r) => (release = r));
  const h = await harness({ log, start: false });
  const stale = h.coord.onElection(0, 1);
  await settle();
  h.coord.onResignation(0, 1);
  log.loadGate = null;
  assert.equal(await h.coord.onElection(0, 2), 1);
  release();
  assert.equal(await stale, 0);
  assert.equal(h.coord.txnManager.getTransactionState('tx').coordinatorEpoch, 2);
  assert.equal(meta(h.coord, 'tx').producerId, 7);
});
