import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchSync, encodeBatchSync } from '../../src/protocol/records/index.js';
import { testEnv, type TestEnv } from './helpers.js';
import { endTxn } from './txn-helpers.js';
import { LogCleaner } from '../../src/storage/cleaner/log-cleaner.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';

function cleanerFor(env: TestEnv, log: PartitionLog): LogCleaner {
  return new LogCleaner({ fs: env.fs, clock: env.clock, logger: env.logger, dedupeBufferSize: 1 << 20, logs: () => [log] });
}

const sequences = new Map<string, number>();

/** One record `key`=`value`; transactional for a producer id, plain without. */
function write(log: PartitionLog, key: string, value: string, producer?: { id: number; epoch: number }): number {
  const seqKey = producer === undefined ? '' : `${producer.id}/${producer.epoch}`;
  const seq = sequences.get(seqKey) ?? 0;
  sequences.set(seqKey, seq + 1);
  const batch = encodeBatchSync([{ key: Buffer.from(key), value: Buffer.from(value), timestamp: 1000 }], {
    producerId: producer?.id ?? -1,
    producerEpoch: producer?.epoch ?? -1,
    baseSequence: producer === undefined ? -1 : seq,
    transactional: producer !== undefined,
    defaultTimestamp: 1000,
  });
  const info = log.append(batch, { leaderEpoch: 0 });
  log.maybeIncrementHighWatermark(log.logEndOffset);
  return info.firstOffset;
}

interface BatchView {
  offset: number;
  control: boolean;
  records: string[];
}

/** Every batch of the log: base offset, control flag, and `key=value` (or the marker type) of its records. */
function batches(log: PartitionLog): BatchView[] {
  const out: BatchView[] = [];
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const buf = log.read(next, 1 << 22).records;
    if (buf.length === 0) break;
    let at = 0;
    while (at < buf.length) {
      const b = decodeBatchSync(buf, at, at + buf.readInt32BE(at + 8) + 12);
      out.push({
        offset: b.baseOffset,
        control: b.isControl,
        records: b.records.map((r) => (b.isControl ? (r.key!.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT') : `${r.key}=${r.value}`)),
      });
      next = b.baseOffset + b.lastOffsetDelta + 1;
      at += b.sizeInBytes;
    }
  }
  return out;
}

async function cleanRound(env: TestEnv, log: PartitionLog, filler: string): Promise<void> {
  write(log, filler, 'x');
  log.roll();
  log.maybeIncrementHighWatermark(log.logEndOffset);
  const summary = await cleanerFor(env, log).cleanOnce(env.clock.now());
  assert.ok(summary !== null, 'a round ran');
}

test('compaction removes aborted data at once, keeps the abort marker and index entry while data was seen, then lets the marker go after delete.retention.ms', async () => {
  sequences.clear();
  const env = testEnv({ 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0, 'delete.retention.ms': 1000 });
  const log = env.open();
  const p1 = { id: 1, epoch: 0 };
  const p2 = { id: 2, epoch: 0 };
  write(log, 'k1', 'aborted', p1); // 0
  write(log, 'k2', 'committed', p2); // 1
  write(log, 'k9', 'aborted-too', p1); // 2
  endTxn(log, 1, 1, false, { transactionVersion: 2 }); // 3
  endTxn(log, 2, 1, true, { transactionVersion: 2 }); // 4
  write(log, 'k3', 'plain'); // 5

  await cleanRound(env, log, 'f1'); // f1 at 6
  assert.deepEqual(batches(log), [
    { offset: 1, control: false, records: ['k2=committed'] },
    { offset: 3, control: true, records: ['ABORT'] },
    { offset: 4, control: true, records: ['COMMIT'] },
    { offset: 5, control: false, records: ['k3=plain'] },
    { offset: 6, control: false, records: ['f1=x'] },
  ]);
  assert.deepEqual(log.collectAbortedTransactions(0, 7), [{ producerId: 1, firstOffset: 0, lastOffset: 3, lastStableOffset: 1 }]);

  // Producer 1 moves on, so the old marker is no longer its last record.
  write(log, 'k5', 'later', { id: 1, epoch: 1 }); // 7
  endTxn(log, 1, 2, true, { transactionVersion: 2 }); // 8
  await cleanRound(env, log, 'f2');
  // No batch of the aborted transaction left: the marker starts its delete horizon, its entry is gone.
  assert.deepEqual(log.collectAbortedTransactions(0, log.logEndOffset), []);
  assert.ok(batches(log).some((b) => b.offset === 3 && b.records[0] === 'ABORT'));

  env.clock.advance(2000);
  await cleanRound(env, log, 'f3');
  const after = batches(log);
  assert.ok(!after.some((b) => b.offset === 3), 'the abort marker is gone after its horizon');
  assert.ok(after.some((b) => b.offset === 1 && b.records[0] === 'k2=committed'));
  // The commit of producer 2 stays: its transaction's batch is still there.
  assert.ok(after.some((b) => b.offset === 4 && b.records[0] === 'COMMIT'));
  assert.equal(log.lastStableOffset, log.highWatermark);
});

test('an aborted batch that is its producer last data batch is kept empty; its marker and entry stay', async () => {
  sequences.clear();
  const env = testEnv({ 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0 });
  const log = env.open();
  write(log, 'k1', 'aborted', { id: 7, epoch: 0 }); // 0
  endTxn(log, 7, 0, false, { transactionVersion: 1 }); // 1: same epoch, the data batch stays the producer's last
  write(log, 'k2', 'plain'); // 2
  await cleanRound(env, log, 'f');
  assert.deepEqual(batches(log).slice(0, 2), [
    { offset: 0, control: false, records: [] },
    { offset: 1, control: true, records: ['ABORT'] },
  ]);
  assert.deepEqual(log.collectAbortedTransactions(0, 2).map((t) => t.producerId), [7]);
});

test('compaction stops at the last stable offset: an open transaction and everything after it stay dirty', async () => {
  sequences.clear();
  const env = testEnv({ 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0 });
  const log = env.open();
  write(log, 'k', 'old'); // 0
  write(log, 'k', 'new'); // 1
  log.roll();
  write(log, 'open', 'txn', { id: 3, epoch: 0 }); // 2
  write(log, 'k', 'newest'); // 3
  write(log, 'k', 'newest2'); // 4
  log.roll();
  write(log, 'z', 'z'); // 5: active segment
  assert.equal(log.lastStableOffset, 2);
  const summary = await cleanerFor(env, log).cleanOnce(env.clock.now());
  assert.ok(summary !== null);
  assert.equal(summary.endOffset, 2, 'the round ends where the open transaction begins');
  const all = batches(log).map((b) => [b.offset, ...b.records]);
  assert.deepEqual(all, [
    [1, 'k=new'],
    [2, 'open=txn'],
    [3, 'k=newest'],
    [4, 'k=newest2'],
    [5, 'z=z'],
  ]);
});
