import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { readTxnRecordValue } from '../../../src/coordinator/txn/transaction-log.js';
import { TransactionState } from '../../../src/coordinator/txn/transaction-state.js';
import { add, end, harness, init, meta } from './helpers.js';

async function committing() {
  const h = await harness();
  await init(h.coord, 'tx');
  await add(h.coord, 'tx', 1000, 0, [['t', 0], ['t', 1], ['u', 0]]);
  return h;
}

test('markers that fail are retried after the backoff until written, then the transaction completes', async () => {
  const h = await committing();
  h.writer.failPartition('t', 1, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT);
  h.writer.failPartition('u', 0, ErrorCode.NOT_ENOUGH_REPLICAS);
  await end(h.coord, 'tx', 1000, 0, true);
  await h.advance(0);
  const m = meta(h.coord, 'tx');
  assert.equal(m.state, TransactionState.PrepareCommit);
  assert.deepEqual([...m.topicPartitions].map((tp) => `${tp.topic}-${tp.partition}`), ['t-1', 'u-0'], 'the written partition left the transaction');
  assert.equal(h.writer.attempts.length, 1);
  await h.advance(99);
  assert.equal(h.writer.attempts.length, 1, 'not before the backoff');
  await h.advance(1);
  assert.deepEqual(h.writer.attempts.map((a) => a.partitions.length), [3, 2]);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.PrepareCommit);
  await h.advance(100);
  assert.deepEqual(h.writer.attempts.map((a) => a.partitions.length), [3, 2, 1]);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteCommit);
  assert.equal(h.coord.markers.numTxnsWithPendingMarkers, 0);
  assert.deepEqual(h.writer.written.map((w) => `${w.topic}-${w.partition}`), ['t-0', 'u-0', 't-1']);
});

test('a writer that rejects (nothing known written) gets every partition again', async () => {
  const h = await committing();
  h.writer.rejectNext = 2;
  await end(h.coord, 'tx', 1000, 0, false);
  await h.advance(0);
  await h.advance(100);
  await h.advance(100);
  assert.deepEqual(h.writer.attempts.map((a) => a.partitions.length), [3, 3, 3]);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteAbort);
});

test('partitions of deleted topics are skipped', async () => {
  const h = await committing();
  h.writer.deleted.add('u-0');
  await end(h.coord, 'tx', 1000, 0, true);
  await h.advance(0);
  assert.deepEqual(h.writer.attempts[0]!.partitions.map((tp) => tp.topic), ['t', 't']);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteCommit);
});

test('a topic deleted while its marker is retried is skipped at the next attempt', async () => {
  const h = await committing();
  h.writer.failPartition('u', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  await end(h.coord, 'tx', 1000, 0, true);
  await h.advance(0);
  h.writer.deleted.add('u-0');
  await h.advance(100);
  assert.equal(h.writer.attempts.length, 1);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteCommit);
});

test('a fenced producer epoch at a partition stops the sending; the transaction stays prepared', async () => {
  const h = await committing();
  h.writer.failPartition('t', 1, ErrorCode.INVALID_PRODUCER_EPOCH);
  await end(h.coord, 'tx', 1000, 0, true);
  await h.advance(1000);
  assert.equal(h.writer.attempts.length, 1);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.PrepareCommit);
  assert.equal(h.coord.markers.numTxnsWithPendingMarkers, 0);
});

test('partitions whose format cannot hold markers are dropped from the transaction', async () => {
  const h = await committing();
  h.writer.failPartition('u', 0, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
  await end(h.coord, 'tx', 1000, 0, true);
  await h.advance(0);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteCommit);
  assert.equal(h.writer.attempts.length, 1);
});

test('the completion is appended again until it is written', async () => {
  const h = await committing();
  let failures = 3;
  h.log.failIf = (_p, records) => {
    const state = readTxnRecordValue('tx', records[0]!.value)?.state;
    if (state === TransactionState.CompleteCommit && failures > 0) {
      failures--;
      return failures === 0 ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NOT_ENOUGH_REPLICAS;
    }
    return null;
  };
  await end(h.coord, 'tx', 1000, 0, true);
  await h.advance(0);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.PrepareCommit);
  assert.equal(meta(h.coord, 'tx').pendingState, TransactionState.CompleteCommit, 'the completion stays pending while it is retried');
  await h.advance(100);
  await h.advance(100);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.PrepareCommit, 'KAFKA_STORAGE_ERROR (NOT_COORDINATOR): the coordinator gives up the completion');
  assert.equal(meta(h.coord, 'tx').pendingState, null);
  assert.equal(h.log.states('tx').at(-1), TransactionState.PrepareCommit);
});

test('a completion that is refused for a while (not available) completes when the log takes it', async () => {
  const h = await committing();
  let failures = 2;
  h.log.failIf = (_p, records) => {
    if (readTxnRecordValue('tx', records[0]!.value)?.state === TransactionState.CompleteCommit && failures-- > 0) return ErrorCode.REQUEST_TIMED_OUT;
    return null;
  };
  await end(h.coord, 'tx', 1000, 0, true);
  await h.advance(0);
  await h.advance(100);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.PrepareCommit);
  await h.advance(100);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteCommit);
  assert.deepEqual(h.log.states('tx').slice(-2), [TransactionState.PrepareCommit, TransactionState.CompleteCommit]);
});

test('unloading the partition stops its markers; loading it again sends them anew', async () => {
  const h = await committing();
  h.writer.failPartition('t', 0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  await end(h.coord, 'tx', 1000, 0, true);
  await h.advance(0);
  const partition = h.coord.partitionFor('tx');
  h.coord.onResignation(partition, 0);
  assert.equal(h.coord.markers.numTxnsWithPendingMarkers, 0);
  await h.advance(1000);
  assert.equal(h.writer.attempts.length, 1, 'no retry after the resignation');
  assert.equal((await init(h.coord, 'tx')).errorCode, ErrorCode.NOT_COORDINATOR);
  await h.coord.onElection(partition, 1);
  await h.advance(0);
  assert.equal(h.writer.attempts.length, 2);
  assert.deepEqual(h.writer.attempts[1]!.partitions.map((tp) => `${tp.topic}-${tp.partition}`), ['t-0', 't-1', 'u-0'], 'the log knows every partition');
  assert.equal(h.writer.attempts[1]!.coordinatorEpoch, 1);
  assert.equal(meta(h.coord, 'tx').state, TransactionState.CompleteCommit);
});
