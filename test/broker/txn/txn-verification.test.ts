// KIP-890 verification of transactional produce, the cases a client retries or that Kafka's
// settings turn off: a transaction version 2 producer writing while its previous transaction's
// markers are still being written (NOT_ENOUGH_REPLICAS, "Unable to verify ... CONCURRENT_TRANSACTIONS",
// which every client retries, once the broker's own retries for add.partitions.to.txn.retry.backoff.max.ms
// are over), and transaction.partition.verification.enable=false, with which
// Kafka appends a batch the coordinator never heard of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { unverifiedMessage } from '../../../src/broker/produce/produce-txn.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import { eventually } from '../../helpers/eventually.js';
import { awaitState, describeTxn, endTxn, findTxnCoordinator, initTxn, logContents, produceTxn, txnBatch } from './helpers.js';

type TestBroker = Awaited<ReturnType<typeof startTestBroker>>;

/**
 * A transaction version 2 producer 'tv2' that wrote 'first' to t-0 and committed, with the
 * commit's markers held back until `release()`: the coordinator stays in PrepareCommit.
 */
async function commitWithMarkersHeld(tb: TestBroker) {
  const c = tb.client;
  await makeTopic(tb, 't');
  await findTxnCoordinator(c, 'tv2');
  const p = await initTxn(c, 'tv2', 5);
  assert.equal((await produceTxn(c, 'tv2', 't', 0, txnBatch(p, 0, ['first']), 12)).errorCode, ErrorCode.NONE);
  // Hold the markers: the coordinator's writer answers only when released.
  const markers = tb.broker.transactions.markers as unknown as { writer: { writeMarkers: (e: unknown) => Promise<unknown> } };
  const write = markers.writer.writeMarkers.bind(markers.writer);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  markers.writer.writeMarkers = (e) => held.then(() => write(e));
  const ended = await endTxn(c, 'tv2', p, true, 5);
  assert.equal(ended.errorCode, ErrorCode.NONE);
  return { c, p, next: { producerId: p.producerId, producerEpoch: ended.producerEpoch }, release };
}

/** Wraps the coordinator's addPartitionsToTransaction: `after` sees each answer before the broker does. */
function onAddPartitions(tb: TestBroker, after: (error: number) => Promise<void> | void): void {
  const coordinator = tb.broker.transactions as unknown as { addPartitionsToTransaction: (...a: unknown[]) => Promise<number> };
  const add = coordinator.addPartitionsToTransaction.bind(coordinator);
  coordinator.addPartitionsToTransaction = async (...args: unknown[]) => {
    const error = await add(...args);
    await after(error);
    return error;
  };
}

test('transaction version 2: a produce of the next epoch while the markers are being written is retried, then accepted', async () => {
  const tb = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 1 } });
  try {
    const { c, p, next, release } = await commitWithMarkersHeld(tb);
    assert.equal((await describeTxn(c, 'tv2')).transactionState, 'PrepareCommit');
    const early = await produceTxn(c, 'tv2', 't', 0, txnBatch(next, 0, ['second']), 12);
    assert.deepEqual([early.errorCode, early.errorMessage], [ErrorCode.NOT_ENOUGH_REPLICAS, unverifiedMessage(ErrorCode.CONCURRENT_TRANSACTIONS)]);
    release();
    await awaitState(c, 'tv2', 'CompleteCommit');
    assert.equal((await produceTxn(c, 'tv2', 't', 0, txnBatch(next, 0, ['second']), 12)).errorCode, ErrorCode.NONE);
    assert.deepEqual(await logContents(tb, 't', 0), ['txn first', `COMMIT(${p.producerId}/${next.producerEpoch} c0)`, 'txn second']);
  } finally {
    await tb.close();
  }
});

test('transaction version 2: markers written within add.partitions.to.txn.retry.backoff.max.ms are waited for by the broker, not the producer', async () => {
  // A wide retry window, so that the release below lands inside it whatever the machine's pace.
  const tb = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 1, 'add.partitions.to.txn.retry.backoff.max.ms': 30_000, 'add.partitions.to.txn.retry.backoff.ms': 5 } });
  try {
    const { c, p, next, release } = await commitWithMarkersHeld(tb);
    let refusals = 0;
    onAddPartitions(tb, (error) => {
      // the broker asked while the markers were held: now let them through
      if (error === ErrorCode.CONCURRENT_TRANSACTIONS && ++refusals === 2) release();
    });
    const produced = await produceTxn(c, 'tv2', 't', 0, txnBatch(next, 0, ['second']), 12);
    assert.equal(produced.errorCode, ErrorCode.NONE, 'accepted after the broker retried');
    assert.ok(refusals >= 2, `the coordinator was asked again (${refusals} refusals)`);
    assert.deepEqual(await logContents(tb, 't', 0), ['txn first', `COMMIT(${p.producerId}/${next.producerEpoch} c0)`, 'txn second']);
  } finally {
    await tb.close();
  }
});

test('transaction version 2: pipelined batches of a producer waiting for its partition to join the transaction append in order', async () => {
  const tb = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 1, 'add.partitions.to.txn.retry.backoff.max.ms': 30_000, 'add.partitions.to.txn.retry.backoff.ms': 5 } });
  try {
    const { c, p, next, release } = await commitWithMarkersHeld(tb);
    // The first request's join is slow to be written (as a __transaction_state append can be),
    // the second's finds the partition joined already and answers at once.
    let joined = 0;
    let refused = 0;
    onAddPartitions(tb, async (error) => {
      if (error !== ErrorCode.NONE) refused++;
      else if (++joined === 1) await new Promise((r) => setTimeout(r, 100));
    });
    // sequences 0-1 and 2-3 sent back to back, both before the partition can join: the
    // markers are released once the broker has been refused the join at least once
    const a = produceTxn(c, 'tv2', 't', 0, txnBatch(next, 0, ['a0', 'a1']), 12);
    const b = produceTxn(c, 'tv2', 't', 0, txnBatch(next, 2, ['b0', 'b1']), 12);
    await eventually('the first refused join', () => refused > 0);
    release();
    assert.deepEqual([(await a).errorCode, (await b).errorCode], [ErrorCode.NONE, ErrorCode.NONE]);
    assert.deepEqual(await logContents(tb, 't', 0), ['txn first', `COMMIT(${p.producerId}/${next.producerEpoch} c0)`, 'txn a0,a1', 'txn b0,b1']);
  } finally {
    await tb.close();
  }
});

test('transaction.partition.verification.enable=false: a batch before AddPartitionsToTxn is appended, as Kafka does; Produce v12 still adds its partition', async () => {
  const tb = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 1, 'transaction.partition.verification.enable': false } });
  try {
    const c = tb.client;
    await makeTopic(tb, 't', 2);
    await findTxnCoordinator(c, 'unverified');
    const p = await initTxn(c, 'unverified');
    assert.equal((await produceTxn(c, 'unverified', 't', 0, txnBatch(p, 0, ['u0']), 9)).errorCode, ErrorCode.NONE);
    assert.deepEqual((await describeTxn(c, 'unverified')).topics, [], 'the coordinator does not know of it');
    assert.deepEqual(await logContents(tb, 't', 0), ['txn u0']);
    const v2 = await initTxn(c, 'added', 5);
    assert.equal((await produceTxn(c, 'added', 't', 1, txnBatch(v2, 0, ['a0']), 12)).errorCode, ErrorCode.NONE);
    assert.deepEqual((await describeTxn(c, 'added')).topics.map((t) => [t.topic, [...t.partitions]]), [['t', [1]]]);
  } finally {
    await tb.close();
  }
});
