// KIP-890 verification guards in a partition's producer state (verification-state.ts,
// PartitionLog.maybeStartTransactionVerification and appendAsLeader with a guard).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from './helpers.js';
import { endTxn, NOW, producerBatch } from './txn-helpers.js';
import { isStorageError } from '../../src/storage/errors.js';
import { guardVerifies, VERIFICATION_SENTINEL, VerificationStates } from '../../src/storage/verification-state.js';

test('a verification starts a guard; the verified batch appends and spends it, opening the transaction', () => {
  const log = testEnv().open();
  const guard = log.maybeStartTransactionVerification(1, 0, 0);
  assert.notEqual(guard, VERIFICATION_SENTINEL);
  assert.equal(log.verificationGuard(1), guard);
  // a second verification of the same epoch (a pipelined request) shares it
  assert.equal(log.maybeStartTransactionVerification(1, 0, 0), guard);
  const info = log.appendAsLeader(producerBatch(1, 0, 2, 'a'), 0, guard);
  assert.equal(info.firstOffset, 0);
  assert.equal(log.hasOngoingTransaction(1, 0), true);
  assert.equal(log.verificationGuard(1), VERIFICATION_SENTINEL);
  // the transaction is open: nothing to verify, later batches need no guard
  assert.equal(log.maybeStartTransactionVerification(1, 2, 0), VERIFICATION_SENTINEL);
  assert.equal(log.appendAsLeader(producerBatch(1, 0, 1, 'b', { sequence: 2 }), 0, VERIFICATION_SENTINEL).firstOffset, 2);
});

test('a marker written between the verification and the append refuses the batch with INVALID_TXN_STATE, nothing written', () => {
  const log = testEnv().open();
  const guard = log.maybeStartTransactionVerification(1, 0, 0);
  // the transaction ends (abort) while the coordinator's answer is on its way
  endTxn(log, 1, 0, false);
  assert.equal(log.verificationGuard(1), VERIFICATION_SENTINEL);
  const end = log.logEndOffset;
  assert.throws(() => log.appendAsLeader(producerBatch(1, 0, 2, 'late'), 0, guard), (e) => isStorageError(e, 'INVALID_TXN_STATE') && /not part of an ongoing transaction/.test(e.message));
  assert.equal(log.logEndOffset, end);
  assert.equal(log.hasOngoingTransaction(1, 0), false);
  // a new verification after the marker gets a new guard, which the stale one does not match
  const fresh = log.maybeStartTransactionVerification(1, 0, 0);
  assert.notEqual(fresh, guard);
  assert.throws(() => log.appendAsLeader(producerBatch(1, 0, 2, 'late'), 0, guard), (e) => isStorageError(e, 'INVALID_TXN_STATE'));
  assert.equal(log.appendAsLeader(producerBatch(1, 0, 2, 'ok'), 0, fresh).firstOffset, end);
});

test('a transactional batch with the sentinel and no open transaction is refused when verified asynchronously; unchecked without a guard argument', () => {
  const log = testEnv().open();
  assert.throws(() => log.appendAsLeader(producerBatch(1, 0, 1, 'x'), 0, VERIFICATION_SENTINEL), (e) => isStorageError(e, 'INVALID_TXN_STATE'));
  assert.equal(log.logEndOffset, 0);
  // the synchronous path (the coordinator on this broker) verifies before calling: no guard
  assert.equal(log.appendAsLeader(producerBatch(1, 0, 1, 'x'), 0).firstOffset, 0);
  // idempotent, non-transactional batches need no verification
  assert.equal(log.appendAsLeader(producerBatch(2, 0, 1, 'i', { transactional: false }), 0, VERIFICATION_SENTINEL).firstOffset, 1);
});

test('a verification for a newer epoch replaces the older one: the older guard no longer matches', () => {
  const log = testEnv().open();
  const old = log.maybeStartTransactionVerification(1, 0, 3);
  const newer = log.maybeStartTransactionVerification(1, 0, 4);
  assert.notEqual(newer, old);
  assert.throws(() => log.appendAsLeader(producerBatch(1, 3, 1, 'old'), 0, old), (e) => isStorageError(e, 'INVALID_TXN_STATE'));
  assert.equal(log.appendAsLeader(producerBatch(1, 4, 1, 'new'), 0, newer).firstOffset, 0);
  // a verification for an older epoch than the entry's takes the entry's guard (the append's epoch check refuses it)
  const states = new VerificationStates();
  const g = states.maybeCreate(7, 0, 5, NOW);
  assert.equal(states.maybeCreate(7, 0, 4, NOW), g);
});

test('a higher sequence waits for the lowest one still being verified (OUT_OF_ORDER_SEQUENCE_NUMBER)', () => {
  const log = testEnv().open();
  const guard = log.maybeStartTransactionVerification(1, 5, 0);
  assert.equal(log.maybeStartTransactionVerification(1, 0, 0), guard);
  assert.throws(() => log.appendAsLeader(producerBatch(1, 0, 1, 'later', { sequence: 5 }), 0, guard), (e) => isStorageError(e, 'OUT_OF_ORDER_SEQUENCE_NUMBER'));
  assert.equal(log.logEndOffset, 0);
  assert.equal(log.appendAsLeader(producerBatch(1, 0, 5, 'first'), 0, guard).firstOffset, 0);
  assert.equal(log.appendAsLeader(producerBatch(1, 0, 1, 'later', { sequence: 5 }), 0, VERIFICATION_SENTINEL).firstOffset, 5);
});

test('entries never verified expire with producer.id.expiration.ms; the sentinel verifies nothing', () => {
  const states = new VerificationStates();
  const g = states.maybeCreate(1, 0, 0, 1000);
  states.maybeCreate(2, 0, 0, 5000);
  states.removeExpired(6000, 5000);
  assert.equal(states.guardOf(1), VERIFICATION_SENTINEL);
  assert.notEqual(states.guardOf(2), VERIFICATION_SENTINEL);
  assert.equal(states.size, 1);
  assert.equal(guardVerifies(g, g), true);
  assert.equal(guardVerifies(VERIFICATION_SENTINEL, VERIFICATION_SENTINEL), false);
  assert.equal(guardVerifies(g, g + 1), false);
});
