// The transaction coordinator follows the leadership of __transaction_state's partitions, as
// the replica manager reports it: an election at the epoch already held (the coordinator's own
// start-up load and the replica manager both report it) loads once, an older one changes
// nothing, and a resignation leaves a newer election's state alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { TransactionState } from '../../../src/coordinator/txn/transaction-state.js';
import { harness, meta, MemoryTxnLog, seedTransit } from './helpers.js';

function seeded(): MemoryTxnLog {
  const log = new MemoryTxnLog(1);
  log.seed(seedTransit({ producerId: 7, producerEpoch: 0, txnState: TransactionState.Empty }), 'tx');
  return log;
}

test('an election at the epoch already held, or an older one, does not load again', async () => {
  const log = seeded();
  let loads = 0;
  const load = log.load.bind(log);
  log.load = (partition, replay) => {
    loads++;
    return load(partition, replay);
  };
  const h = await harness({ log, start: false });
  assert.equal(await h.coord.onElection(0, 4), 1);
  assert.equal(await h.coord.onElection(0, 4), 0);
  assert.equal(await h.coord.onElection(0, 3), 0);
  assert.equal(loads, 1);
  assert.equal(h.coord.txnManager.getTransactionState('tx').coordinatorEpoch, 4);
  assert.equal(await h.coord.onElection(0, 5), 1, 'a newer epoch loads again');
  assert.equal(loads, 2);
  h.coord.shutdown();
});

test('a resignation unloads the partition unless a newer election holds it; the ids then answer NOT_COORDINATOR', async () => {
  const h = await harness({ log: seeded(), start: false });
  await h.coord.onElection(0, 4);
  h.coord.onResignation(0, 3);
  assert.equal(meta(h.coord, 'tx').producerId, 7, 'an older resignation leaves the newer election');
  h.coord.onResignation(0, 5);
  assert.equal(h.coord.txnManager.getTransactionState('tx').errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(await h.coord.onElection(0, 6), 1, 'led again later: loaded again');
  assert.equal(meta(h.coord, 'tx').producerId, 7);
  h.coord.shutdown();
});
