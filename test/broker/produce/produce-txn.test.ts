// The error mappings of transaction verification, by request version: what a Produce or a
// TxnOffsetCommit answers for each answer of the transaction coordinator (Kafka's
// AddPartitionsToTxnManager, ReplicaManager and GroupCoordinatorService.handleOperationException).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { TxnOperation, txnOperationForProduce, txnOperationForTxnOffsetCommit, unverifiedMessage, verificationRefusal } from '../../../src/broker/produce/produce-txn.js';
import { txnOffsetCommitError } from '../../../src/broker/txn/txn-offset-commit.js';

test('which requests verify, add, or know TRANSACTION_ABORTABLE', () => {
  assert.deepEqual([3, 9, 10, 11, 12].map(txnOperationForProduce), [
    TxnOperation.DefaultError, TxnOperation.DefaultError, TxnOperation.DefaultError, TxnOperation.GenericErrorSupported, TxnOperation.AddPartition,
  ]);
  assert.deepEqual([0, 3, 4, 5].map(txnOperationForTxnOffsetCommit), [
    TxnOperation.DefaultError, TxnOperation.DefaultError, TxnOperation.GenericErrorSupported, TxnOperation.AddPartition,
  ]);
});

test('Produce: a verification failure as the partition answers it', () => {
  assert.equal(verificationRefusal(ErrorCode.NONE, TxnOperation.DefaultError), null);
  assert.deepEqual(verificationRefusal(ErrorCode.TRANSACTION_ABORTABLE, TxnOperation.DefaultError),
    { errorCode: ErrorCode.INVALID_TXN_STATE, message: 'Partition was not added to the transaction' }, 'older clients do not know TRANSACTION_ABORTABLE');
  assert.deepEqual(verificationRefusal(ErrorCode.TRANSACTION_ABORTABLE, TxnOperation.GenericErrorSupported), { errorCode: ErrorCode.TRANSACTION_ABORTABLE, message: null });
  assert.deepEqual(verificationRefusal(ErrorCode.TRANSACTION_ABORTABLE, TxnOperation.AddPartition), { errorCode: ErrorCode.TRANSACTION_ABORTABLE, message: null });
  assert.deepEqual(verificationRefusal(ErrorCode.PRODUCER_FENCED, TxnOperation.AddPartition), { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: null });
  for (const retriable of [ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.NETWORK_EXCEPTION, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]) {
    assert.deepEqual(verificationRefusal(retriable, TxnOperation.DefaultError), { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, message: unverifiedMessage(retriable) });
  }
  assert.equal(unverifiedMessage(ErrorCode.CONCURRENT_TRANSACTIONS), 'Unable to verify the partition has been added to the transaction. Underlying error: CONCURRENT_TRANSACTIONS');
  assert.deepEqual(verificationRefusal(ErrorCode.INVALID_PRODUCER_ID_MAPPING, TxnOperation.DefaultError), { errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING, message: null });
});

test('TxnOffsetCommit: a verification failure as the group coordinator answers it', () => {
  assert.equal(txnOffsetCommitError(ErrorCode.PRODUCER_FENCED, TxnOperation.AddPartition), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(txnOffsetCommitError(ErrorCode.TRANSACTION_ABORTABLE, TxnOperation.DefaultError), ErrorCode.INVALID_TXN_STATE);
  assert.equal(txnOffsetCommitError(ErrorCode.TRANSACTION_ABORTABLE, TxnOperation.GenericErrorSupported), ErrorCode.TRANSACTION_ABORTABLE);
  assert.equal(txnOffsetCommitError(ErrorCode.NETWORK_EXCEPTION, TxnOperation.DefaultError), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(txnOffsetCommitError(ErrorCode.NOT_ENOUGH_REPLICAS, TxnOperation.DefaultError), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(txnOffsetCommitError(ErrorCode.KAFKA_STORAGE_ERROR, TxnOperation.DefaultError), ErrorCode.NOT_COORDINATOR);
  assert.equal(txnOffsetCommitError(ErrorCode.CONCURRENT_TRANSACTIONS, TxnOperation.DefaultError), ErrorCode.CONCURRENT_TRANSACTIONS);
});
