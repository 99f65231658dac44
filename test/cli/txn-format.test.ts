import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTransaction, formatTransactionList } from '../../src/cli/txn.js';

test('txn list prints kafka-transactions.sh list columns, headers alone when there is none', () => {
  assert.equal(formatTransactionList([]), 'TransactionalId  Coordinator  ProducerId  TransactionState\n');
  const text = formatTransactionList([
    { transactionalId: 'payments-1', coordinator: 1, producerId: 4000n, state: 'Ongoing' },
    { transactionalId: 'p2', coordinator: 2, producerId: 12n, state: 'CompleteCommit' },
  ]);
  assert.deepEqual(text.split('\n'), [
    'TransactionalId  Coordinator  ProducerId  TransactionState',
    'payments-1       1            4000        Ongoing',
    'p2               2            12          CompleteCommit',
    '',
  ]);
});

test('txn describe prints kafka-transactions.sh describe columns; start and duration None with no open transaction', () => {
  const open = formatTransaction({
    coordinator: 1, transactionalId: 't', producerId: 7n, producerEpoch: 3, state: 'Ongoing', timeoutMs: 60000,
    startTimeMs: 1_000n, partitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 2 }],
  }, 3_500);
  const [header, row] = open.split('\n');
  assert.deepEqual(header!.split(/\s+/), ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState',
    'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions']);
  assert.deepEqual(row!.split(/\s+/), ['1', 't', '7', '3', 'Ongoing', '60000', '1000', '2500', 'a-0,a-2']);
  const idle = formatTransaction({
    coordinator: 1, transactionalId: 't', producerId: 7n, producerEpoch: 4, state: 'CompleteCommit', timeoutMs: 60000,
    startTimeMs: -1n, partitions: [],
  }, 3_500);
  assert.deepEqual(idle.split('\n')[1]!.split(/\s+/), ['1', 't', '7', '4', 'CompleteCommit', '60000', 'None', 'None']);
});
