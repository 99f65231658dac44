import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { AddPartitionsToTxnRequest } from '../../../src/protocol/generated/add-partitions-to-txn-request.js';
import type { AddPartitionsToTxnTopicResult } from '../../../src/protocol/generated/add-partitions-to-txn-response.js';
import { addPartitionsToTxn, type TxnTopicsView } from '../../../src/coordinator/txn/add-partitions-to-txn.js';
import { addOffsetsToTxn } from '../../../src/coordinator/txn/add-offsets-to-txn.js';
import { describeTransactions } from '../../../src/coordinator/txn/describe-transactions.js';
import { endTxn } from '../../../src/coordinator/txn/end-txn.js';
import { listTransactions } from '../../../src/coordinator/txn/list-transactions.js';
import { TransactionState, TransactionVersion } from '../../../src/coordinator/txn/transaction-state.js';
import { add, end, harness, init, meta } from './helpers.js';

const topics: TxnTopicsView = {
  partitionExists: (topic, partition) => (topic === 't' || topic === '__consumer_offsets') && partition < 4,
  isInternal: (topic) => topic.startsWith('__'),
  mayWrite: () => true,
};

function v3Request(transactionalId: string, producerId: number, producerEpoch: number, parts: Record<string, number[]>): AddPartitionsToTxnRequest {
  return {
    transactions: [], v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: BigInt(producerId), v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: Object.entries(parts).map(([name, partitions]) => ({ name, partitions })),
  };
}

function flat(results: AddPartitionsToTxnTopicResult[]): string[] {
  return results.flatMap((t) => t.resultsByPartition.map((p) => `${t.name}-${p.partitionIndex}:${p.partitionErrorCode}`));
}

test('AddPartitionsToTxn v0-3: one transaction, per-partition results', async () => {
  const { coord } = await harness();
  await init(coord, 'tx');
  const ok = await addPartitionsToTxn(coord, topics, v3Request('tx', 1000, 0, { t: [0, 1] }), 3);
  assert.deepEqual(flat(ok.resultsByTopicV3AndBelow), ['t-0:0', 't-1:0']);
  assert.deepEqual(ok.resultsByTransaction, []);
  assert.equal(meta(coord, 'tx').clientTransactionVersion, TransactionVersion.TV0);

  const unknown = await addPartitionsToTxn(coord, topics, v3Request('tx', 1000, 0, { t: [2, 9], nope: [0] }), 3);
  assert.deepEqual(flat(unknown.resultsByTopicV3AndBelow).sort(), [`nope-0:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`, `t-2:${ErrorCode.OPERATION_NOT_ATTEMPTED}`, `t-9:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`]);
  assert.ok(!meta(coord, 'tx').topicPartitions.has('t', 2), 'nothing of a refused request is added');

  const internal = await addPartitionsToTxn(coord, topics, v3Request('tx', 1000, 0, { __consumer_offsets: [0] }), 3);
  assert.deepEqual(flat(internal.resultsByTopicV3AndBelow), [`__consumer_offsets-0:${ErrorCode.TOPIC_AUTHORIZATION_FAILED}`]);

  const fenced = await addPartitionsToTxn(coord, topics, v3Request('tx', 1000, 5, { t: [3] }), 1);
  assert.deepEqual(flat(fenced.resultsByTopicV3AndBelow), [`t-3:${ErrorCode.INVALID_PRODUCER_EPOCH}`], 'v0-1 do not know PRODUCER_FENCED');
  const fencedV2 = await addPartitionsToTxn(coord, topics, v3Request('tx', 1000, 5, { t: [3] }), 2);
  assert.deepEqual(flat(fencedV2.resultsByTopicV3AndBelow), [`t-3:${ErrorCode.PRODUCER_FENCED}`]);
});

test('AddPartitionsToTxn v4+: batched transactions from brokers, verify-only and adding', async () => {
  const { coord } = await harness();
  await init(coord, 'a');
  await init(coord, 'b');
  await add(coord, 'a', 1000, 0, [['t', 0]]);
  const request: AddPartitionsToTxnRequest = {
    v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [],
    transactions: [
      { transactionalId: 'a', producerId: 1000n, producerEpoch: 0, verifyOnly: true, topics: [{ name: 't', partitions: [0, 1] }] },
      { transactionalId: 'b', producerId: 1001n, producerEpoch: 0, verifyOnly: false, topics: [{ name: 't', partitions: [2] }, { name: '__consumer_offsets', partitions: [1] }] },
      { transactionalId: 'c', producerId: 7n, producerEpoch: 0, verifyOnly: true, topics: [{ name: 't', partitions: [0] }] },
    ],
  };
  const r = await addPartitionsToTxn(coord, topics, request, 5);
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(r.resultsByTopicV3AndBelow, []);
  assert.deepEqual(r.resultsByTransaction.map((t) => [t.transactionalId, flat(t.topicResults)]), [
    ['a', ['t-0:0', `t-1:${ErrorCode.TRANSACTION_ABORTABLE}`]],
    ['b', ['t-2:0', '__consumer_offsets-1:0']],
    ['c', [`t-0:${ErrorCode.INVALID_PRODUCER_ID_MAPPING}`]],
  ]);
  const b = meta(coord, 'b');
  assert.equal(b.state, TransactionState.Ongoing);
  assert.equal(b.clientTransactionVersion, TransactionVersion.TV2, 'added by a broker for a transaction.version 2 client');
  assert.equal(meta(coord, 'a').topicPartitions.size, 1);
});

test('EndTxn and AddOffsetsToTxn requests, by version', async () => {
  const { coord } = await harness();
  await init(coord, 'tx');
  assert.deepEqual(await addOffsetsToTxn(coord, { transactionalId: 'tx', producerId: 1000n, producerEpoch: 3, groupId: 'g' }, 1), { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
  assert.deepEqual(await addOffsetsToTxn(coord, { transactionalId: 'tx', producerId: 1000n, producerEpoch: 3, groupId: 'g' }, 2), { throttleTimeMs: 0, errorCode: ErrorCode.PRODUCER_FENCED });
  assert.deepEqual(await addOffsetsToTxn(coord, { transactionalId: 'tx', producerId: 1000n, producerEpoch: 0, groupId: 'g' }, 4), { throttleTimeMs: 0, errorCode: ErrorCode.NONE });

  assert.equal((await endTxn(coord, { transactionalId: 'tx', producerId: 1000n, producerEpoch: 9, committed: true }, 1)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  const v4 = await endTxn(coord, { transactionalId: 'tx', producerId: 1000n, producerEpoch: 0, committed: true }, 4);
  assert.deepEqual(v4, { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: -1n, producerEpoch: -1 });
  assert.equal(meta(coord, 'tx').producerEpoch, 0, 'v4 is transaction.version 0: no bump');

  await init(coord, 'tv2');
  await add(coord, 'tv2', 1001, 0, [['t', 0]], TransactionVersion.TV2);
  const v5 = await endTxn(coord, { transactionalId: 'tv2', producerId: 1001n, producerEpoch: 0, committed: false }, 5);
  assert.deepEqual(v5, { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: 1001n, producerEpoch: 1 });
});

test('DescribeTransactions', async () => {
  const { coord, clock } = await harness();
  await init(coord, 'tx', -1, -1, 30_000);
  await add(coord, 'tx', 1000, 0, [['t', 0], ['t', 2], ['u', 1]]);
  const r = describeTransactions(coord, { transactionalIds: ['tx', 'missing', ''] });
  assert.deepEqual(r.transactionStates[0], {
    errorCode: ErrorCode.NONE, transactionalId: 'tx', transactionState: 'Ongoing', transactionTimeoutMs: 30_000,
    transactionStartTimeMs: BigInt(clock.now()), producerId: 1000n, producerEpoch: 0,
    topics: [{ topic: 't', partitions: [0, 2] }, { topic: 'u', partitions: [1] }],
  });
  assert.equal(r.transactionStates[1]!.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  assert.equal(r.transactionStates[2]!.errorCode, ErrorCode.INVALID_REQUEST);
  coord.shutdown();
  assert.equal(describeTransactions(coord, { transactionalIds: ['tx'] }).transactionStates[0]!.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

test('ListTransactions filters by state, producer id and duration', async () => {
  const { coord, clock } = await harness();
  await init(coord, 'empty');
  await init(coord, 'old');
  await add(coord, 'old', 1001, 0, [['t', 0]]);
  clock.advance(10_000);
  await init(coord, 'young');
  await add(coord, 'young', 1002, 0, [['t', 1]]);
  await init(coord, 'done');
  await add(coord, 'done', 1003, 0, [['t', 2]]);
  await end(coord, 'done', 1003, 0, true);
  const names = (r: { transactionStates: Array<{ transactionalId: string }> }) => r.transactionStates.map((s) => s.transactionalId).sort();
  assert.deepEqual(names(listTransactions(coord, { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: null }, 1)), ['done', 'empty', 'old', 'young']);
  assert.deepEqual(names(listTransactions(coord, { stateFilters: ['Ongoing'], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: null }, 1)), ['old', 'young']);
  assert.deepEqual(names(listTransactions(coord, { stateFilters: [], producerIdFilters: [1000n, 1002n], durationFilter: -1n, transactionalIdPattern: null }, 0)), ['empty', 'young']);
  assert.deepEqual(names(listTransactions(coord, { stateFilters: ['Ongoing'], producerIdFilters: [], durationFilter: 5000n, transactionalIdPattern: null }, 1)), ['old'], 'running for longer than 5 s');
  assert.deepEqual(names(listTransactions(coord, { stateFilters: ['Ongoing'], producerIdFilters: [], durationFilter: 5000n, transactionalIdPattern: null }, 0)), ['old', 'young'], 'v0 has no duration filter');
  const unknown = listTransactions(coord, { stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: null }, 1);
  assert.deepEqual(unknown.unknownStateFilters, ['Bogus']);
  assert.deepEqual(names(unknown), ['old', 'young']);
  const listed = listTransactions(coord, { stateFilters: ['Empty'], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: null }, 1).transactionStates;
  assert.deepEqual(listed, [{ transactionalId: 'empty', producerId: 1000n, transactionState: 'Empty' }]);
  // v2: a pattern the whole id matches; null or empty means none; ignored before v2.
  const byPattern = (p: string | null, v = 2) => listTransactions(coord, { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: p }, v);
  assert.deepEqual(names(byPattern('o.*')), ['old']);
  assert.deepEqual(names(byPattern('.*o.*')), ['done', 'old', 'young']);
  assert.deepEqual(names(byPattern('ol')), [], 'the whole id must match');
  assert.deepEqual(names(byPattern('')), ['done', 'empty', 'old', 'young']);
  assert.deepEqual(names(byPattern(null)), ['done', 'empty', 'old', 'young']);
  assert.deepEqual(names(byPattern('o.*', 1)), ['done', 'empty', 'old', 'young'], 'v1 has no pattern');
  const bad = byPattern('(unclosed');
  assert.deepEqual([bad.errorCode, bad.transactionStates], [ErrorCode.INVALID_REGULAR_EXPRESSION, []]);
});
