// Transactions end to end on an embedded broker, driven request by request with the wire
// client as a transactional producer drives them: transaction.version 0-1 clients (explicit
// AddPartitionsToTxn and AddOffsetsToTxn, EndTxn v3) and transaction.version 2 clients (Produce
// v12 and TxnOffsetCommit v5 adding their partitions themselves, EndTxn v5 bumping the epoch).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { OFFSETS_TOPIC, partitionFor } from '../../../src/coordinator/group/offsets-topic.js';
import { writeMarkers } from '../../../src/broker/txn/txn-markers.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { fetchRequest, onlyPartition } from '../fetch/requests.js';
import {
  addPartitions, awaitState, describeTxn, endTxn, fetchOffset, findGroupCoordinator, findTxnCoordinator, initTxn, logContents, produceTxn, txnBatch,
  txnOffsetCommit,
} from './helpers.js';

const OFFSETS_PARTITIONS = 3;
let tb: TestBroker;

before(async () => {
  tb = await startTestBroker({ config: { 'offsets.topic.num.partitions': OFFSETS_PARTITIONS, 'transaction.state.log.num.partitions': 2 } });
  await makeTopic(tb, 'in', 2);
  await makeTopic(tb, 'out', 2);
});
after(() => tb.close());

test('ApiVersions: the transaction APIs with their served ranges, and transaction.version 2 finalized', async () => {
  const r = await tb.client.request(ApiKey.ApiVersions, 4, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
  const range = (k: number) => r.apiKeys.filter((x) => x.apiKey === k).map((x) => [x.minVersion, x.maxVersion])[0];
  // What a Kafka 4.4.0 broker advertises, but WriteTxnMarkers (broker to broker) 1-1 where it has 1-2.
  assert.deepEqual(
    [ApiKey.InitProducerId, ApiKey.AddPartitionsToTxn, ApiKey.AddOffsetsToTxn, ApiKey.EndTxn, ApiKey.WriteTxnMarkers, ApiKey.TxnOffsetCommit, ApiKey.DescribeTransactions, ApiKey.ListTransactions].map(range),
    [[0, 5], [0, 5], [0, 4], [0, 5], [1, 1], [0, 6], [0, 0], [0, 2]],
  );
  assert.deepEqual(r.supportedFeatures.find((f) => f.name === 'transaction.version'), { name: 'transaction.version', minVersion: 0, maxVersion: 2 });
  assert.deepEqual(r.finalizedFeatures.find((f) => f.name === 'transaction.version'), { name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 });
});

/** A read_committed Fetch of one partition from `offset`: its last stable offset, aborted transactions and data batches' first offsets. */
async function readCommitted(topic: string, partition: number, offset: number) {
  const r = await tb.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic, partitions: [{ partition, fetchOffset: BigInt(offset) }] }], { isolationLevel: 1 }));
  const p = onlyPartition(r);
  assert.equal(p.errorCode, ErrorCode.NONE);
  return { lso: Number(p.lastStableOffset), hw: Number(p.highWatermark), aborted: (p.abortedTransactions ?? []).map((a) => [Number(a.producerId), Number(a.firstOffset)]) };
}

/** The markers a partition's log holds, in order. */
async function markers(topic: string, partition: number): Promise<string[]> {
  return (await logContents(tb, topic, partition)).filter((b) => b.startsWith('COMMIT') || b.startsWith('ABORT'));
}

test('transaction.version 0: add partitions, produce, add offsets, commit offsets, commit; then an aborted one', async () => {
  const c = tb.client;
  const id = 'tv0';
  const group = 'tv0-group';
  const offsetsPartition = partitionFor(group, OFFSETS_PARTITIONS);
  await findTxnCoordinator(c, id);
  await findGroupCoordinator(c, group);
  const p = await initTxn(c, id);
  assert.equal(p.producerEpoch, 0);
  assert.equal((await describeTxn(c, id)).transactionState, 'Empty');

  // A committed transaction over two partitions and the group's offsets.
  assert.deepEqual(await addPartitions(c, id, p, 'out', [0, 1]), ['out-0:0', 'out-1:0']);
  assert.equal((await produceTxn(c, id, 'out', 0, txnBatch(p, 0, ['a0', 'a1']))).errorCode, ErrorCode.NONE);
  assert.equal((await produceTxn(c, id, 'out', 1, txnBatch(p, 0, ['b0']))).errorCode, ErrorCode.NONE);
  const addOffsets = await c.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: id, producerId: BigInt(p.producerId), producerEpoch: p.producerEpoch, groupId: group });
  assert.equal(addOffsets.errorCode, ErrorCode.NONE);
  const ongoing = await describeTxn(c, id);
  assert.equal(ongoing.transactionState, 'Ongoing');
  assert.deepEqual(ongoing.topics.map((t) => [t.topic, [...t.partitions].sort()]).sort(), [[OFFSETS_TOPIC, [offsetsPartition]], ['out', [0, 1]]]);
  assert.equal(await txnOffsetCommit(c, id, group, p, 'in', 0, 7n), ErrorCode.NONE);
  // Before the commit the offset is pending: read_committed consumers are told to wait, others see nothing yet.
  assert.deepEqual(await fetchOffset(c, group, 'in', 0, true), [ErrorCode.UNSTABLE_OFFSET_COMMIT, -1n]);
  assert.deepEqual(await fetchOffset(c, group, 'in', 0, false), [ErrorCode.NONE, -1n]);
  // read_committed consumers stop before the open transaction.
  assert.deepEqual(await readCommitted('out', 0, 0), { lso: 0, hw: 2, aborted: [] });
  const listed = await c.request(ApiKey.ListTransactions, 1, { stateFilters: ['Ongoing'], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: null });
  assert.deepEqual(listed.transactionStates.map((t) => [t.transactionalId, Number(t.producerId)]), [[id, p.producerId]]);

  const ended = await endTxn(c, id, p, true);
  assert.deepEqual([ended.errorCode, ended.producerId, ended.producerEpoch], [ErrorCode.NONE, -1n, -1], 'v3: no epoch in the answer');
  await awaitState(c, id, 'CompleteCommit');
  assert.deepEqual(await logContents(tb, 'out', 0), ['txn a0,a1', `COMMIT(${p.producerId}/0 c0)`]);
  assert.deepEqual(await logContents(tb, 'out', 1), ['txn b0', `COMMIT(${p.producerId}/0 c0)`]);
  assert.deepEqual(await markers(OFFSETS_TOPIC, offsetsPartition), [`COMMIT(${p.producerId}/0 c0)`]);
  assert.deepEqual(await fetchOffset(c, group, 'in', 0, true), [ErrorCode.NONE, 7n], 'committed with the transaction');
  assert.deepEqual(await readCommitted('out', 0, 0), { lso: 3, hw: 3, aborted: [] }, 'the marker made it stable');

  // An aborted transaction: its data is marked ABORT and its offsets are dropped.
  assert.deepEqual(await addPartitions(c, id, p, 'out', [0]), ['out-0:0']);
  assert.equal((await produceTxn(c, id, 'out', 0, txnBatch(p, 2, ['x0']))).errorCode, ErrorCode.NONE);
  assert.equal((await c.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: id, producerId: BigInt(p.producerId), producerEpoch: 0, groupId: group })).errorCode, ErrorCode.NONE);
  assert.equal(await txnOffsetCommit(c, id, group, p, 'in', 0, 99n), ErrorCode.NONE);
  assert.equal((await endTxn(c, id, p, false)).errorCode, ErrorCode.NONE);
  await awaitState(c, id, 'CompleteAbort');
  assert.deepEqual(await logContents(tb, 'out', 0), ['txn a0,a1', `COMMIT(${p.producerId}/0 c0)`, 'txn x0', `ABORT(${p.producerId}/0 c0)`]);
  assert.deepEqual(await logContents(tb, 'out', 1), ['txn b0', `COMMIT(${p.producerId}/0 c0)`], 'a partition outside the transaction gets no marker');
  assert.deepEqual(await markers(OFFSETS_TOPIC, offsetsPartition), [`COMMIT(${p.producerId}/0 c0)`, `ABORT(${p.producerId}/0 c0)`]);
  assert.deepEqual(await fetchOffset(c, group, 'in', 0, true), [ErrorCode.NONE, 7n], 'the aborted offset never shows');
  assert.deepEqual(await readCommitted('out', 0, 0), { lso: 5, hw: 5, aborted: [[p.producerId, 3]] }, 'the aborted transaction is listed for consumers to skip');
  // A retried EndTxn of the same outcome is answered NONE; the other outcome is refused.
  assert.equal((await endTxn(c, id, p, false)).errorCode, ErrorCode.NONE);
  assert.equal((await endTxn(c, id, p, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
});

test('transaction.version 2: Produce v12 and TxnOffsetCommit v5 add their partitions; EndTxn v5 bumps the epoch', async () => {
  const c = tb.client;
  const id = 'tv2';
  const group = 'tv2-group';
  const offsetsPartition = partitionFor(group, OFFSETS_PARTITIONS);
  await findTxnCoordinator(c, id);
  await findGroupCoordinator(c, group);
  let p = await initTxn(c, id, 5);

  // No AddPartitionsToTxn: the leader adds the partition with the first batch.
  assert.equal((await produceTxn(c, id, 'out', 1, txnBatch(p, 0, ['t0']), 12)).errorCode, ErrorCode.NONE);
  assert.equal((await produceTxn(c, id, 'out', 1, txnBatch(p, 1, ['t1']), 12)).errorCode, ErrorCode.NONE);
  // No AddOffsetsToTxn either.
  assert.equal(await txnOffsetCommit(c, id, group, p, 'in', 1, 3n, 5), ErrorCode.NONE);
  const ongoing = await describeTxn(c, id);
  assert.equal(ongoing.transactionState, 'Ongoing');
  assert.deepEqual(ongoing.topics.map((t) => [t.topic, [...t.partitions]]).sort(), [[OFFSETS_TOPIC, [offsetsPartition]], ['out', [1]]]);

  const ended = await endTxn(c, id, p, true, 5);
  assert.deepEqual([ended.errorCode, Number(ended.producerId), ended.producerEpoch], [ErrorCode.NONE, p.producerId, 1], 'the epoch to go on with');
  await awaitState(c, id, 'CompleteCommit');
  // The markers carry the bumped epoch.
  assert.deepEqual((await logContents(tb, 'out', 1)).slice(-3), ['txn t0', 'txn t1', `COMMIT(${p.producerId}/1 c0)`]);
  assert.deepEqual((await markers(OFFSETS_TOPIC, offsetsPartition)).at(-1), `COMMIT(${p.producerId}/1 c0)`);
  assert.deepEqual(await fetchOffset(c, group, 'in', 1, true), [ErrorCode.NONE, 3n]);

  // The next transaction goes on with the new epoch; the old one is fenced.
  p = { producerId: p.producerId, producerEpoch: ended.producerEpoch };
  const stale = await produceTxn(c, id, 'out', 0, txnBatch({ producerId: p.producerId, producerEpoch: 0 }, 2, ['late']), 12);
  assert.equal(stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal((await produceTxn(c, id, 'out', 0, txnBatch(p, 0, ['n0']), 12)).errorCode, ErrorCode.NONE);
  const aborted = await endTxn(c, id, p, false, 5);
  assert.deepEqual([aborted.errorCode, aborted.producerEpoch], [ErrorCode.NONE, 2]);
  await awaitState(c, id, 'CompleteAbort');
  assert.deepEqual((await logContents(tb, 'out', 0)).slice(-2), ['txn n0', `ABORT(${p.producerId}/2 c0)`]);
  assert.ok(!(await logContents(tb, 'out', 0)).includes('txn late'), 'nothing of the fenced batch was written');
});

test('TxnOffsetCommit v6 names topics by id: the offset commits with the transaction, UNKNOWN_TOPIC_ID for an id no topic has', async () => {
  const c = tb.client;
  const id = 'tv2-ids';
  const group = 'tv2-ids-group';
  await findTxnCoordinator(c, id);
  await findGroupCoordinator(c, group);
  const p = await initTxn(c, id, 5);
  const topicId = tb.broker.metadata.topic('in')!.id;
  const nowhere = Buffer.alloc(16, 3);
  const r = await c.request(ApiKey.TxnOffsetCommit, 6, {
    transactionalId: id, groupId: group, producerId: BigInt(p.producerId), producerEpoch: p.producerEpoch, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [
      { name: '', topicId, partitions: [{ partitionIndex: 0, committedOffset: 8n, committedLeaderEpoch: -1, committedMetadata: 'by id' }] },
      { name: '', topicId: nowhere, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] },
    ],
  });
  assert.deepEqual(r.topics.map((t) => [t.topicId, t.partitions.map((x) => [x.partitionIndex, x.errorCode])]), [
    [topicId, [[0, ErrorCode.NONE]]],
    [nowhere, [[0, ErrorCode.UNKNOWN_TOPIC_ID]]],
  ]);
  assert.equal((await endTxn(c, id, p, true, 5)).errorCode, ErrorCode.NONE);
  await awaitState(c, id, 'CompleteCommit');
  assert.deepEqual(await fetchOffset(c, group, 'in', 0, true), [ErrorCode.NONE, 8n]);
});

test('WriteTxnMarkers from another coordinator: markers appended per partition, errors per partition', async () => {
  const c = tb.client;
  const id = 'remote';
  await findTxnCoordinator(c, id);
  const p = await initTxn(c, id);
  assert.deepEqual(await addPartitions(c, id, p, 'in', [1]), ['in-1:0']);
  assert.equal((await produceTxn(c, id, 'in', 1, txnBatch(p, 0, ['r0']))).errorCode, ErrorCode.NONE);
  const r = await c.request(ApiKey.WriteTxnMarkers, 1, {
    markers: [{ producerId: BigInt(p.producerId), producerEpoch: 0, transactionResult: true, coordinatorEpoch: 0, transactionVersion: 0, topics: [{ name: 'in', partitionIndexes: [1] }, { name: 'nope', partitionIndexes: [0] }] }],
  });
  assert.deepEqual(r.markers.map((m) => [Number(m.producerId), m.topics.map((t) => [t.name, t.partitions.map((x) => [x.partitionIndex, x.errorCode])])]), [
    [p.producerId, [['in', [[1, ErrorCode.NONE]]], ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]]],
  ]);
  assert.deepEqual((await logContents(tb, 'in', 1)).slice(-2), ['txn r0', `COMMIT(${p.producerId}/0 c0)`]);
  const empty = await c.request(ApiKey.WriteTxnMarkers, 1, { markers: [] });
  assert.deepEqual(empty.markers, []);
});

test('a transaction version 2 marker sent again (a reloaded PrepareCommit) is answered as written, not refused', async () => {
  const c = tb.client;
  const id = 'resent';
  await findTxnCoordinator(c, id);
  const p = await initTxn(c, id, 5);
  assert.equal((await produceTxn(c, id, 'in', 0, txnBatch(p, 0, ['q0']), 12)).errorCode, ErrorCode.NONE);
  const ended = await endTxn(c, id, p, true, 5);
  await awaitState(c, id, 'CompleteCommit');
  const before = await logContents(tb, 'in', 0);
  assert.equal(before.at(-1), `COMMIT(${p.producerId}/${ended.producerEpoch} c0)`);
  const marker = { producerId: p.producerId, producerEpoch: ended.producerEpoch, commit: true, coordinatorEpoch: 0, transactionVersion: 2 };
  assert.deepEqual(await writeMarkers(tb.broker, marker, [{ topic: 'in', partition: 0 }]), [{ topic: 'in', partition: 0, errorCode: ErrorCode.NONE }]);
  assert.deepEqual(await logContents(tb, 'in', 0), before, 'nothing written twice');
  // A marker of an older epoch is still refused by the log.
  const stale = await writeMarkers(tb.broker, { ...marker, producerEpoch: ended.producerEpoch - 1 }, [{ topic: 'in', partition: 0 }]);
  assert.deepEqual(stale.map((r) => r.errorCode), [ErrorCode.INVALID_PRODUCER_EPOCH]);
});
