// Transactions refused with Kafka's error codes, nothing written and the broker serving on:
// a transactional batch before AddPartitionsToTxn, a fenced producer epoch (EndTxn, Produce,
// AddPartitionsToTxn), unknown transactional ids and producers, unknown partitions, a
// transactional.id longer than a protocol string may be, a bad transaction timeout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { encodeRequestFrame } from '../../../src/protocol/header.js';
import { WireClient } from '../../helpers/wire-client.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { addPartitions, describeTxn, endTxn, findGroupCoordinator, findTxnCoordinator, initTxn, logContents, produceTxn, txnBatch, txnOffsetCommit } from './helpers.js';

let tb: TestBroker;

before(async () => {
  tb = await startTestBroker({ config: { 'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1 } });
  await makeTopic(tb, 't', 2);
  await findTxnCoordinator(tb.client, 'any');
});
after(() => tb.close());

test('a transactional batch before AddPartitionsToTxn: INVALID_TXN_STATE (v0-10), TRANSACTION_ABORTABLE (v11); nothing written', async () => {
  const c = tb.client;
  const p = await initTxn(c, 'early');
  const v9 = await produceTxn(c, 'early', 't', 0, txnBatch(p, 0, ['e']), 9);
  assert.deepEqual([v9.errorCode, v9.errorMessage, v9.baseOffset, v9.logStartOffset], [ErrorCode.INVALID_TXN_STATE, 'Partition was not added to the transaction', -1n, -1n]);
  const v11 = await produceTxn(c, 'early', 't', 0, txnBatch(p, 0, ['e']), 11);
  assert.deepEqual([v11.errorCode, v11.errorMessage], [ErrorCode.TRANSACTION_ABORTABLE, null]);
  assert.deepEqual(await logContents(tb, 't', 0), []);
  // An id with no transaction state at all: the producer id is not its.
  const stranger = await produceTxn(c, 'nobody', 't', 0, txnBatch({ producerId: 424242, producerEpoch: 0 }, 0, ['s']), 11);
  assert.equal(stranger.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  // Once added, the same batch goes in.
  assert.deepEqual(await addPartitions(c, 'early', p, 't', [0]), ['t-0:0']);
  assert.equal((await produceTxn(c, 'early', 't', 0, txnBatch(p, 0, ['e']), 11)).errorCode, ErrorCode.NONE);
  assert.deepEqual(await logContents(tb, 't', 0), ['txn e']);
  // With verification turned off (transaction.partition.verification.enable=false) Kafka would take it; not tested here.
});

test('fencing: a second InitProducerId fences the first producer everywhere', async () => {
  const c = tb.client;
  const old = await initTxn(c, 'fenced');
  assert.deepEqual(await addPartitions(c, 'fenced', old, 't', [1]), ['t-1:0']);
  assert.equal((await produceTxn(c, 'fenced', 't', 1, txnBatch(old, 0, ['o0']))).errorCode, ErrorCode.NONE);
  // The new producer's InitProducerId aborts the open transaction; it retries until that is done.
  let fresh: { producerId: number; producerEpoch: number } | null = null;
  while (fresh === null) {
    const r = await c.request(ApiKey.InitProducerId, 4, { transactionalId: 'fenced', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false });
    if (r.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) continue;
    assert.equal(r.errorCode, ErrorCode.NONE);
    fresh = { producerId: Number(r.producerId), producerEpoch: r.producerEpoch };
  }
  assert.equal(fresh.producerId, old.producerId);
  assert.ok(fresh.producerEpoch > old.producerEpoch);
  const contents = await logContents(tb, 't', 1);
  assert.equal(contents.at(-1)!.startsWith(`ABORT(${old.producerId}/`), true, contents.join(' | '));
  // The old epoch is refused by EndTxn (by version), AddPartitionsToTxn and Produce.
  assert.equal((await endTxn(c, 'fenced', old, true, 1)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await endTxn(c, 'fenced', old, true, 3)).errorCode, ErrorCode.PRODUCER_FENCED);
  assert.deepEqual(await addPartitions(c, 'fenced', old, 't', [1], 1), [`t-1:${ErrorCode.INVALID_PRODUCER_EPOCH}`]);
  assert.deepEqual(await addPartitions(c, 'fenced', old, 't', [1], 3), [`t-1:${ErrorCode.PRODUCER_FENCED}`]);
  const late = await produceTxn(c, 'fenced', 't', 1, txnBatch(old, 1, ['o1']));
  assert.equal(late.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.deepEqual(await logContents(tb, 't', 1), contents, 'nothing more written');
  // TxnOffsetCommit from the fenced epoch.
  await findGroupCoordinator(c, 'fenced-group');
  assert.equal(await txnOffsetCommit(c, 'fenced', 'fenced-group', old, 't', 0, 1n), ErrorCode.INVALID_PRODUCER_EPOCH);
});

test('unknown transactional ids, producers and partitions', async () => {
  const c = tb.client;
  assert.equal((await endTxn(c, 'never-initialized', { producerId: 5, producerEpoch: 0 }, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const p = await initTxn(c, 'known');
  assert.equal((await endTxn(c, 'known', { producerId: p.producerId + 1, producerEpoch: 0 }, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal((await endTxn(c, 'known', p, true)).errorCode, ErrorCode.INVALID_TXN_STATE, 'nothing to commit');
  assert.deepEqual((await addPartitions(c, 'known', p, 'missing', [0])), [`missing-0:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`]);
  const mixed = await c.request(ApiKey.AddPartitionsToTxn, 3, {
    v3AndBelowTransactionalId: 'known', v3AndBelowProducerId: BigInt(p.producerId), v3AndBelowProducerEpoch: 0,
    v3AndBelowTopics: [{ name: 't', partitions: [0, 7] }],
  });
  assert.deepEqual(mixed.resultsByTopicV3AndBelow[0]!.resultsByPartition.map((x) => [x.partitionIndex, x.partitionErrorCode]).sort(), [
    [0, ErrorCode.OPERATION_NOT_ATTEMPTED], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ]);
  const internal = await addPartitions(c, 'known', p, '__transaction_state', [0]);
  assert.deepEqual(internal, [`__transaction_state-0:${ErrorCode.TOPIC_AUTHORIZATION_FAILED}`]);
  const described = await c.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['never-initialized', ''] });
  assert.deepEqual(described.transactionStates.map((s) => s.errorCode), [ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, ErrorCode.INVALID_REQUEST]);
  // A marker from another coordinator for a producer this partition never saw: answered per partition, the broker goes on.
  const marker = await c.request(ApiKey.WriteTxnMarkers, 1, {
    markers: [{ producerId: 777_777n, producerEpoch: 3, transactionResult: false, coordinatorEpoch: 0, transactionVersion: 0, topics: [{ name: 't', partitionIndexes: [1, 9] }] }],
  });
  const results = marker.markers[0]!.topics[0]!.partitions.map((x) => [x.partitionIndex, x.errorCode]);
  assert.deepEqual(results[1], [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.equal(typeof results[0]![1], 'number');
  assert.equal((await initTxn(c, 'still-serving')).producerEpoch, 0);
});

/** InitProducerId v4 as bytes, built by hand: our encoder refuses strings over 32767 bytes, as Kafka's does. */
function initProducerIdFrame(transactionalId: string, correlationId: number): Buffer {
  const id = Buffer.from(transactionalId);
  const varint: number[] = [];
  for (let n = id.length + 1; ; n >>>= 7) {
    if (n < 0x80) {
      varint.push(n);
      break;
    }
    varint.push((n & 0x7f) | 0x80);
  }
  const header = Buffer.alloc(11);
  header.writeInt16BE(ApiKey.InitProducerId, 0);
  header.writeInt16BE(4, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(1, 8);
  header.write('t', 10);
  const tail = Buffer.alloc(14);
  tail.writeInt32BE(60_000, 0);
  tail.writeBigInt64BE(-1n, 4);
  tail.writeInt16BE(-1, 12);
  const body = Buffer.concat([header, Buffer.from([0]), Buffer.from(varint), id, tail, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

test('a transactional.id longer than a Kafka string (32767 bytes) cannot be decoded: the connection is closed, nothing kept', async () => {
  const short = encodeRequestFrame(ApiKey.InitProducerId, 4, { correlationId: 5, clientId: 't' }, { transactionalId: 'abc', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false });
  assert.deepEqual(initProducerIdFrame('abc', 5), short, 'the hand-built frame is what our encoder writes');
  const bad = await WireClient.connect(tb.bootstrap);
  bad.sendRaw(initProducerIdFrame('x'.repeat(40_000), 6));
  await bad.waitClosed();
  const c = tb.client;
  const d = await c.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['x'.repeat(32_767)] });
  assert.equal(d.transactionStates[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  // The longest id Kafka can store works.
  const longest = 'y'.repeat(32_767);
  assert.equal((await initTxn(c, longest)).producerEpoch, 0);
  assert.equal((await describeTxn(c, longest)).transactionState, 'Empty');
});

test('InitProducerId: transaction timeouts out of range, an empty transactional id', async () => {
  const c = tb.client;
  for (const timeout of [0, -5, 900_001]) {
    const t = await c.request(ApiKey.InitProducerId, 4, { transactionalId: 'timeouts', transactionTimeoutMs: timeout, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false });
    assert.equal(t.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT, `timeout ${timeout}`);
  }
  const empty = await c.request(ApiKey.InitProducerId, 4, { transactionalId: '', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false });
  assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST);
});
