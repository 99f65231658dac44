import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { IllegalTransitionError, isEpochExhausted, TransactionMetadata } from '../../../src/coordinator/txn/transaction-metadata.js';
import {
  isValidTransition,
  stateFromId,
  stateFromName,
  stateName,
  TransactionState,
  TransactionVersion,
} from '../../../src/coordinator/txn/transaction-state.js';
import { partitions } from './helpers.js';

function metadata(fields: Partial<ConstructorParameters<typeof TransactionMetadata>[0]> = {}): TransactionMetadata {
  return new TransactionMetadata({
    transactionalId: 'tx', producerId: 7, producerEpoch: 3, txnTimeoutMs: 1000, state: TransactionState.Empty,
    txnLastUpdateTimestamp: 0, clientTransactionVersion: TransactionVersion.TV0, ...fields,
  });
}

test('states have Kafka ids, names and valid previous states', () => {
  const names = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];
  names.forEach((name, id) => {
    assert.equal(stateName(stateFromId(id)), name);
    assert.equal(stateFromName(name), id);
  });
  assert.equal(stateFromName('ongoing'), undefined, 'names are matched exactly, as Kafka does');
  assert.throws(() => stateFromId(8));
  assert.ok(isValidTransition(TransactionState.Ongoing, TransactionState.PrepareEpochFence));
  assert.ok(isValidTransition(TransactionState.CompleteCommit, TransactionState.PrepareAbort), 'TV2 may abort from CompleteCommit');
  assert.ok(!isValidTransition(TransactionState.Empty, TransactionState.PrepareCommit));
  assert.ok(!isValidTransition(TransactionState.PrepareCommit, TransactionState.CompleteAbort));
  assert.ok(!isValidTransition(TransactionState.Ongoing, TransactionState.Dead));
});

test('epochs from Short.MaxValue - 1 on are exhausted', () => {
  assert.ok(!isEpochExhausted(32765));
  assert.ok(isEpochExhausted(32766));
  assert.ok(isEpochExhausted(32767));
});

test('a prepared transition blocks others until it completes', () => {
  const m = metadata();
  const t = m.prepareAddPartitions(partitions(['a', 0]), 100, TransactionVersion.TV0);
  assert.equal(m.pendingState, TransactionState.Ongoing);
  assert.throws(() => m.prepareAddPartitions(partitions(['a', 1]), 101, TransactionVersion.TV0), IllegalTransitionError);
  m.completeTransitionTo(t);
  assert.equal(m.state, TransactionState.Ongoing);
  assert.equal(m.pendingState, null);
  assert.equal(m.txnStartTimestamp, 100);
  assert.ok(m.topicPartitions.has('a', 0));
  // Adding more keeps the start time.
  m.completeTransitionTo(m.prepareAddPartitions(partitions(['a', 1]), 200, TransactionVersion.TV0));
  assert.equal(m.txnStartTimestamp, 100);
  assert.equal(m.topicPartitions.size, 2);
});

test('InitProducerId epochs: bump, KIP-360 retry keeps the epoch, a wrong expected epoch is fenced', () => {
  const m = metadata({ producerEpoch: 3 });
  const bumped = m.prepareIncrementProducerEpoch(2000, null, 10);
  assert.ok(typeof bumped !== 'number');
  assert.equal(bumped.producerEpoch, 4);
  assert.equal(bumped.lastProducerEpoch, -1);
  m.completeTransitionTo(bumped);
  assert.equal(m.txnTimeoutMs, 2000);

  const recovered = m.prepareIncrementProducerEpoch(2000, 4, 11);
  assert.ok(typeof recovered !== 'number');
  m.completeTransitionTo(recovered);
  assert.equal(m.producerEpoch, 5);
  assert.equal(m.lastProducerEpoch, 4);

  const retry = m.prepareIncrementProducerEpoch(2000, 4, 12);
  assert.ok(typeof retry !== 'number');
  assert.equal(retry.producerEpoch, 5, 'the retry of a bump that succeeded gets the same epoch');
  m.completeTransitionTo(retry);

  assert.equal(m.prepareIncrementProducerEpoch(2000, 2, 13), ErrorCode.PRODUCER_FENCED);
  assert.equal(m.pendingState, null, 'a refusal prepares nothing');
});

test('TV2 EndTxn bumps the epoch at PrepareCommit and keeps it at CompleteCommit', () => {
  const m = metadata({ state: TransactionState.Ongoing, topicPartitions: partitions(['a', 0]), txnStartTimestamp: 5 });
  const prepare = m.prepareAbortOrCommit(TransactionState.PrepareCommit, TransactionVersion.TV2, -1, 20, false);
  assert.equal(prepare.producerEpoch, 4);
  assert.equal(prepare.lastProducerEpoch, 3);
  m.completeTransitionTo(prepare);
  assert.equal(m.producerEpoch, 4);
  m.removePartition('a', 0);
  const complete = m.prepareComplete(30);
  assert.equal(complete.txnState, TransactionState.CompleteCommit);
  m.completeTransitionTo(complete);
  assert.equal(m.state, TransactionState.CompleteCommit);
  assert.equal(m.producerEpoch, 4);
  assert.equal(m.topicPartitions.size, 0);
});

test('TV0 EndTxn keeps the epoch', () => {
  const m = metadata({ state: TransactionState.Ongoing, topicPartitions: partitions(['a', 0]), txnStartTimestamp: 5 });
  m.completeTransitionTo(m.prepareAbortOrCommit(TransactionState.PrepareAbort, TransactionVersion.TV0, -1, 20, false));
  assert.equal(m.producerEpoch, 3);
  assert.throws(() => m.completeTransitionTo(m.prepareNoTransit()), IllegalTransitionError, 'nothing pending');
});

test('completing a transition that does not match the prepared one is refused', () => {
  const m = metadata({ state: TransactionState.Ongoing, topicPartitions: partitions(['a', 0]), txnStartTimestamp: 5 });
  const prepare = m.prepareAbortOrCommit(TransactionState.PrepareCommit, TransactionVersion.TV0, -1, 20, false);
  assert.throws(() => m.completeTransitionTo({ ...prepare, producerEpoch: 9 }), IllegalTransitionError);
  assert.throws(() => m.completeTransitionTo({ ...prepare, txnState: TransactionState.PrepareAbort }), IllegalTransitionError);
  assert.throws(() => m.completeTransitionTo({ ...prepare, topicPartitions: partitions(['b', 0]) }), IllegalTransitionError);
});

test('the epoch fence bumps once, and reuses the bump after a failed write', () => {
  const m = metadata({ state: TransactionState.Ongoing, topicPartitions: partitions(['a', 0]) });
  assert.equal(m.prepareFenceProducerEpoch().producerEpoch, 4);
  m.pendingState = null;
  m.hasFailedEpochFence = true;
  assert.equal(m.prepareFenceProducerEpoch().producerEpoch, 3);
  m.pendingState = null;
  assert.throws(() => metadata({ state: TransactionState.Ongoing, producerEpoch: 32767 }).prepareFenceProducerEpoch(), IllegalTransitionError);
});

test('rotation to a new producer id starts at epoch 0 and needs no pending transaction', () => {
  const m = metadata({ producerEpoch: 32766 });
  const t = m.prepareProducerIdRotation(99, 1000, 50, true);
  assert.equal(t.producerId, 99);
  assert.equal(t.producerEpoch, 0);
  assert.equal(t.lastProducerEpoch, 32766);
  assert.equal(t.prevProducerId, 7);
  m.completeTransitionTo(t);
  assert.equal(m.producerId, 99);
  assert.equal(m.previousProducerId, 7);
  assert.throws(() => metadata({ state: TransactionState.Ongoing }).prepareProducerIdRotation(99, 1000, 50, false), IllegalTransitionError);
});

test('partitions leave a transaction only while it is being prepared', () => {
  const m = metadata({ state: TransactionState.Ongoing, topicPartitions: partitions(['a', 0]) });
  assert.throws(() => m.removePartition('a', 0), IllegalTransitionError);
});

test('Dead is prepared for expiration but never completed', () => {
  const m = metadata({ state: TransactionState.CompleteCommit, txnStartTimestamp: 5 });
  const dead = m.prepareDead();
  assert.equal(dead.txnState, TransactionState.Dead);
  assert.throws(() => m.completeTransitionTo(dead), IllegalTransitionError);
  assert.throws(() => metadata({ state: TransactionState.Ongoing }).prepareDead(), IllegalTransitionError);
});
