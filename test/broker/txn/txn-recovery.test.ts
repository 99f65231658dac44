// The coordinator's background work and its state across restarts: a transaction left open past
// its transaction.timeout.ms is aborted (markers written, the producer fenced); transactions and
// pending transactional offsets are read back from __transaction_state and __consumer_offsets
// when the broker starts again, and a transaction prepared before a restart gets its markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { partitionFor } from '../../../src/coordinator/group/offsets-topic.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import {
  addPartitions, awaitState, describeTxn, endTxn, fetchOffset, findGroupCoordinator, findTxnCoordinator, initTxn, logContents, produceTxn, txnBatch,
  txnOffsetCommit,
} from './helpers.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';

test('a transaction past its timeout is aborted in the background and its producer fenced', async () => {
  const tb = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 1, 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 20 } });
  try {
    const c = tb.client;
    await makeTopic(tb, 't');
    await findTxnCoordinator(c, 'slow');
    // Long enough for the two requests below to land first, short enough to wait for.
    const p = await initTxn(c, 'slow', 4, 2000);
    assert.deepEqual(await addPartitions(c, 'slow', p, 't', [0]), ['t-0:0']);
    assert.equal((await produceTxn(c, 'slow', 't', 0, txnBatch(p, 0, ['s0']))).errorCode, ErrorCode.NONE);
    const aborted = await awaitState(c, 'slow', 'CompleteAbort');
    assert.ok(aborted.producerEpoch > p.producerEpoch, 'the abort bumped the epoch');
    assert.deepEqual(await logContents(tb, 't', 0), ['txn s0', `ABORT(${p.producerId}/${aborted.producerEpoch} c0)`]);
    assert.equal((await endTxn(c, 'slow', p, true)).errorCode, ErrorCode.PRODUCER_FENCED, 'the producer learns it was fenced');
  } finally {
    await tb.close();
  }
});

test('after a restart: completed and open transactions, pending offsets, and a prepared commit whose markers were never written', async () => {
  const config = { 'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1 };
  let tb = await startTestBroker({ config });
  const dir = tb.logDir;
  try {
    let c = tb.client;
    await makeTopic(tb, 't');
    await findTxnCoordinator(c, 'done');
    await findGroupCoordinator(c, 'g');
    // One committed transaction.
    const done = await initTxn(c, 'done');
    assert.deepEqual(await addPartitions(c, 'done', done, 't', [0]), ['t-0:0']);
    assert.equal((await produceTxn(c, 'done', 't', 0, txnBatch(done, 0, ['d0']))).errorCode, ErrorCode.NONE);
    assert.equal((await endTxn(c, 'done', done, true)).errorCode, ErrorCode.NONE);
    await awaitState(c, 'done', 'CompleteCommit');
    // One left open, with a pending transactional offset.
    const open = await initTxn(c, 'open');
    assert.deepEqual(await addPartitions(c, 'open', open, 't', [0]), ['t-0:0']);
    assert.equal((await produceTxn(c, 'open', 't', 0, txnBatch(open, 0, ['o0']))).errorCode, ErrorCode.NONE);
    assert.equal((await c.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: 'open', producerId: BigInt(open.producerId), producerEpoch: 0, groupId: 'g' })).errorCode, ErrorCode.NONE);
    assert.equal(await txnOffsetCommit(c, 'open', 'g', open, 't', 0, 11n), ErrorCode.NONE);
    // One prepared to commit whose markers are never written before the broker stops: the
    // coordinator's marker writer is made to never answer (a partition leader that hangs).
    const prepared = await initTxn(c, 'prepared');
    assert.deepEqual(await addPartitions(c, 'prepared', prepared, 't', [0]), ['t-0:0']);
    assert.equal((await produceTxn(c, 'prepared', 't', 0, txnBatch(prepared, 0, ['p0']))).errorCode, ErrorCode.NONE);
    const writer = tb.broker.transactions.markers as unknown as { writer: { writeMarkers: () => Promise<never> } };
    writer.writer.writeMarkers = () => new Promise<never>(() => {});
    assert.equal((await endTxn(c, 'prepared', prepared, true)).errorCode, ErrorCode.NONE);
    assert.equal((await describeTxn(c, 'prepared')).transactionState, 'PrepareCommit');
    await tb.close(true);

    tb = await startTestBroker({ config, logDir: dir });
    c = tb.client;
    assert.deepEqual(
      [(await describeTxn(c, 'done')).transactionState, Number((await describeTxn(c, 'done')).producerId)],
      ['CompleteCommit', done.producerId],
    );
    const reopened = await describeTxn(c, 'open');
    assert.equal(reopened.transactionState, 'Ongoing');
    assert.deepEqual(await fetchOffset(c, 'g', 't', 0, true), [ErrorCode.UNSTABLE_OFFSET_COMMIT, -1n], 'the pending offset was read back');
    // The prepared commit is completed by the new coordinator.
    await awaitState(c, 'prepared', 'CompleteCommit');
    assert.ok((await logContents(tb, 't', 0)).includes(`COMMIT(${prepared.producerId}/0 c0)`));
    // The open transaction commits now, and with it the offset written before the restart.
    assert.equal((await endTxn(c, 'open', open, true)).errorCode, ErrorCode.NONE);
    await awaitState(c, 'open', 'CompleteCommit');
    assert.deepEqual(await fetchOffset(c, 'g', 't', 0, true), [ErrorCode.NONE, 11n]);
    const markersOnOffsets = (await logContents(tb, '__consumer_offsets', partitionFor('g', 1))).filter((b) => b.startsWith('COMMIT'));
    assert.deepEqual(markersOnOffsets, [`COMMIT(${open.producerId}/0 c0)`]);
    await tb.close(true);

    // Loaded again, the committed offset stays committed (the marker is replayed too).
    tb = await startTestBroker({ config, logDir: dir });
    assert.deepEqual(await fetchOffset(tb.client, 'g', 't', 0, true), [ErrorCode.NONE, 11n]);
  } finally {
    await tb.close(true);
    rmSync(dir, { recursive: true, force: true });
  }
});
