// AddPartitionsToTxnSender (Kafka's AddPartitionsToTxnManager): batching per destination
// broker, one request in flight per broker, a second entry of a transactional id, and how
// answers and failures become per-partition errors. The transport is a fake the test answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { AddPartitionsToTxnRequest } from '../../../src/protocol/generated/add-partitions-to-txn-request.js';
import type { AddPartitionsToTxnResponse } from '../../../src/protocol/generated/add-partitions-to-txn-response.js';
import { AddPartitionsToTxnSender, partitionKey, type AddPartitionsToTxnTransport, type TxnPartitionsQuery } from '../../../src/broker/txn/add-partitions-to-txn-sender.js';
import { TopicPartitionSet } from '../../../src/coordinator/txn/topic-partitions.js';

interface Sent {
  node: number;
  request: AddPartitionsToTxnRequest;
  answer(r: AddPartitionsToTxnResponse | null): void;
  fail(err: Error): void;
}

function fakeTransport(): { transport: AddPartitionsToTxnTransport; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    transport: {
      addPartitionsToTxn(node, request) {
        return new Promise((resolve, reject) => sent.push({ node, request, answer: resolve, fail: reject }));
      },
    },
  };
}

function query(transactionalId: string, producerEpoch: number, partitions: Array<[string, number]>, verifyOnly = true): TxnPartitionsQuery {
  return { transactionalId, producerId: 7, producerEpoch, verifyOnly, partitions: new TopicPartitionSet(partitions.map(([topic, partition]) => ({ topic, partition }))) };
}

/** Each transaction of `request` answered with `code` for every partition. */
function answerAll(request: AddPartitionsToTxnRequest, code: (id: string, topic: string, p: number) => number): AddPartitionsToTxnResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    resultsByTopicV3AndBelow: [],
    resultsByTransaction: request.transactions.map((t) => ({
      transactionalId: t.transactionalId,
      topicResults: t.topics.map((tp) => ({ name: tp.name, resultsByPartition: tp.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.transactionalId, tp.name, p) })) })),
    })),
  };
}

const tick = () => new Promise((r) => setImmediate(r));
const logger = pino({ level: 'silent' });

test('transactions for one broker in the same turn leave in one v4+ request; the failed partitions come back with the coordinator\'s codes', async () => {
  const { transport, sent } = fakeTransport();
  const sender = new AddPartitionsToTxnSender(() => transport, logger);
  const a = sender.send(2, query('a', 0, [['t', 0], ['t', 1]]));
  const b = sender.send(2, query('b', 3, [['u', 0]], false));
  const c = sender.send(3, query('c', 0, [['t', 2]]));
  await tick();
  assert.deepEqual(sent.map((x) => [x.node, x.request.transactions.map((t) => t.transactionalId)]), [[2, ['a', 'b']], [3, ['c']]]);
  const req = sent[0]!.request;
  assert.deepEqual(req.transactions.map((t) => [t.producerId, t.producerEpoch, t.verifyOnly, t.topics]), [
    [7n, 0, true, [{ name: 't', partitions: [0, 1] }]],
    [7n, 3, false, [{ name: 'u', partitions: [0] }]],
  ]);
  sent[0]!.answer(answerAll(req, (id, _t, p) => (id === 'a' && p === 1 ? ErrorCode.TRANSACTION_ABORTABLE : ErrorCode.NONE)));
  assert.deepEqual([...(await a)], [[partitionKey('t', 1), ErrorCode.TRANSACTION_ABORTABLE]]);
  assert.deepEqual([...(await b)], []);
  sent[1]!.answer(answerAll(sent[1]!.request, () => ErrorCode.PRODUCER_FENCED));
  assert.deepEqual([...(await c)], [[partitionKey('t', 2), ErrorCode.PRODUCER_FENCED]]);
});

test('one request in flight per broker: what comes meanwhile leaves when it is answered', async () => {
  const { transport, sent } = fakeTransport();
  const sender = new AddPartitionsToTxnSender(() => transport, logger);
  const first = sender.send(2, query('a', 0, [['t', 0]]));
  await tick();
  const second = sender.send(2, query('b', 0, [['t', 1]]));
  const third = sender.send(2, query('c', 0, [['t', 2]]));
  await tick();
  assert.equal(sent.length, 1, 'nothing more while the first is in flight');
  sent[0]!.answer(answerAll(sent[0]!.request, () => ErrorCode.NONE));
  assert.deepEqual([...(await first)], []);
  await tick();
  assert.deepEqual(sent.map((x) => x.request.transactions.map((t) => t.transactionalId)), [['a'], ['b', 'c']]);
  sent[1]!.answer(answerAll(sent[1]!.request, () => ErrorCode.NONE));
  assert.deepEqual([[...(await second)], [...(await third)]], [[], []]);
});

test('a second entry of a waiting transactional id: same epoch → the first NETWORK_EXCEPTION; higher → INVALID_PRODUCER_EPOCH; lower → the newcomer INVALID_PRODUCER_EPOCH', async () => {
  const { transport, sent } = fakeTransport();
  const sender = new AddPartitionsToTxnSender(() => transport, logger);
  const a1 = sender.send(2, query('a', 1, [['t', 0]]));
  const a2 = sender.send(2, query('a', 1, [['t', 0]]));
  assert.deepEqual([...(await a1)], [[partitionKey('t', 0), ErrorCode.NETWORK_EXCEPTION]]);
  const a3 = sender.send(2, query('a', 2, [['t', 0]]));
  assert.deepEqual([...(await a2)], [[partitionKey('t', 0), ErrorCode.INVALID_PRODUCER_EPOCH]]);
  const a0 = sender.send(2, query('a', 0, [['t', 0]]));
  assert.deepEqual([...(await a0)], [[partitionKey('t', 0), ErrorCode.INVALID_PRODUCER_EPOCH]]);
  await tick();
  assert.deepEqual(sent[0]!.request.transactions.map((t) => t.producerEpoch), [2]);
  sent[0]!.answer(answerAll(sent[0]!.request, () => ErrorCode.NONE));
  assert.deepEqual([...(await a3)], []);
});

test('a failed connection gives NETWORK_EXCEPTION, a top-level error every partition (CLUSTER_AUTHORIZATION_FAILED as INVALID_TXN_STATE), a broker without v4 nothing; no transport NETWORK_EXCEPTION', async () => {
  const { transport, sent } = fakeTransport();
  const sender = new AddPartitionsToTxnSender(() => transport, logger);
  const lost = sender.send(2, query('a', 0, [['t', 0], ['t', 1]]));
  await tick();
  sent[0]!.fail(new Error('connection closed'));
  assert.deepEqual([...(await lost)].map(([, e]) => e), [ErrorCode.NETWORK_EXCEPTION, ErrorCode.NETWORK_EXCEPTION]);

  const refused = sender.send(2, query('a', 0, [['t', 0]]));
  await tick();
  sent[1]!.answer({ throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [], resultsByTopicV3AndBelow: [] });
  assert.deepEqual([...(await refused)], [[partitionKey('t', 0), ErrorCode.INVALID_TXN_STATE]]);

  const old = sender.send(2, query('a', 0, [['t', 0]]));
  await tick();
  sent[2]!.answer(null);
  assert.deepEqual([...(await old)], [], 'Kafka skips the verification when the coordinator serves no v4');

  const unanswered = sender.send(2, query('x', 0, [['t', 0]]));
  await tick();
  sent[3]!.answer({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: [] });
  assert.deepEqual([...(await unanswered)], [[partitionKey('t', 0), ErrorCode.NETWORK_EXCEPTION]]);

  const none = new AddPartitionsToTxnSender(() => null, logger);
  assert.deepEqual([...(await none.send(2, query('a', 0, [['t', 0]])))], [[partitionKey('t', 0), ErrorCode.NETWORK_EXCEPTION]]);
});

test('close settles what waits with NETWORK_EXCEPTION', async () => {
  const { transport } = fakeTransport();
  const sender = new AddPartitionsToTxnSender(() => transport, logger);
  const waiting = sender.send(2, query('a', 0, [['t', 0]]));
  sender.close();
  assert.deepEqual([...(await waiting)], [[partitionKey('t', 0), ErrorCode.NETWORK_EXCEPTION]]);
});
