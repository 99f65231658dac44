// Compaction of transactional data against a model: random keyed writes, plain and in
// transactions (committed or aborted, transaction version 2), with compaction rounds, time
// passing beyond delete.retention.ms, and restarts in between. Whatever the cleaner removed,
// a read_committed reader must still see, for every key, the latest committed value, and no
// value of an aborted transaction; cleaned ranges hold no aborted data at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchSync } from '../../src/protocol/records/decode.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { LogCleaner } from '../../src/storage/cleaner/log-cleaner.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { rng, testEnv } from './helpers.js';

interface Read {
  key: string;
  value: string;
}

interface Write extends Read {
  offset: number;
}

/** read_committed: to the LSO, skipping aborted batches; `all` also returns them (read_uncommitted). */
function readLog(log: PartitionLog, committed: boolean): Read[] {
  const out: Read[] = [];
  let next = log.logStartOffset;
  const end = committed ? log.lastStableOffset : log.highWatermark;
  while (next < end) {
    const { records: buf, abortedTransactions } = log.read(next, 1 << 20, { isolation: committed ? 'txnCommitted' : 'highWatermark' });
    if (buf.length === 0) break;
    let at = 0;
    while (at < buf.length) {
      const b = decodeBatchSync(buf, at, at + buf.readInt32BE(at + 8) + 12);
      const aborted = committed && abortedTransactions!.some((t) => t.producerId === b.producerId && t.firstOffset <= b.baseOffset && b.baseOffset < t.lastOffset);
      if (!b.isControl && !aborted) for (const r of b.records) out.push({ key: r.key!.toString(), value: r.value!.toString() });
      next = b.baseOffset + b.lastOffsetDelta + 1;
      at += b.sizeInBytes;
    }
  }
  return out;
}

function latestPerKey(reads: readonly Read[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of reads) m.set(r.key, r.value);
  return m;
}

for (const seed of [11, 12, 13, 14]) {
  test(`compaction of transactions against a model, seed ${seed}`, async () => {
    const random = rng(seed);
    const pick = (n: number) => Math.floor(random() * n);
    const env = testEnv({ 'cleanup.policy': 'compact', 'segment.bytes': 700, 'min.cleanable.dirty.ratio': 0, 'delete.retention.ms': 5_000 });
    let log = env.open();
    const cleaner = () => new LogCleaner({ fs: env.fs, clock: env.clock, logger: env.logger, dedupeBufferSize: 1 << 20, logs: () => [log] });
    const producers = [1, 2, 3].map((id) => ({ id, epoch: 0, sequence: 0, open: [] as Write[] }));
    /** Plain writes, and transactional ones once committed. */
    const committedWrites: Write[] = [];
    const abortedValues = new Set<string>();
    let n = 0;

    for (let step = 0; step < 200; step++) {
      const r = random();
      const p = producers[pick(producers.length)]!;
      const record = (): Read => ({ key: `k${pick(8)}`, value: `v${n++}` });
      if (r < 0.4) {
        // Keys of one open transaction are not written by anyone else until it ends, so the
        // model can apply a commit's values at the marker.
        const rec = record();
        if (producers.some((q) => q !== p && q.open.some((o) => o.key === rec.key))) continue;
        const info = log.append(encodeBatchSync([{ key: Buffer.from(rec.key), value: Buffer.from(rec.value), timestamp: env.clock.now() }], {
          producerId: p.id,
          producerEpoch: p.epoch,
          baseSequence: p.sequence++,
          transactional: true,
        }), { leaderEpoch: 0 });
        p.open.push({ ...rec, offset: info.firstOffset });
      } else if (r < 0.6) {
        // Plain records only for keys no open transaction holds, so the model's order is the log's.
        const rec = record();
        if (producers.some((q) => q.open.some((o) => o.key === rec.key))) continue;
        const info = log.append(encodeBatchSync([{ key: Buffer.from(rec.key), value: Buffer.from(rec.value), timestamp: env.clock.now() }]), { leaderEpoch: 0 });
        committedWrites.push({ ...rec, offset: info.firstOffset });
      } else if (r < 0.8) {
        if (p.open.length === 0) continue;
        const abort = random() < 0.5;
        log.appendTxnMarker({ producerId: p.id, producerEpoch: p.epoch + 1, commit: !abort, coordinatorEpoch: 0, transactionVersion: 2 }, 0);
        for (const o of p.open) {
          if (abort) abortedValues.add(o.value);
          else committedWrites.push(o);
        }
        p.open = [];
        p.epoch++;
        p.sequence = 0;
      } else if (r < 0.9) {
        log.roll();
        log.maybeIncrementHighWatermark(log.logEndOffset);
        await cleaner().cleanOnce(env.clock.now());
      } else if (r < 0.95) {
        env.clock.advance(3_000);
      } else {
        const end = log.logEndOffset;
        await log.close();
        log = env.open({ hadCleanShutdown: true, recoveryPoint: end, highWatermark: end });
      }
      log.maybeIncrementHighWatermark(log.logEndOffset);
      const committed = readLog(log, true);
      assert.ok(!committed.some((c) => abortedValues.has(c.value)), `no aborted value after step ${step}`);
      // For every key, the latest committed value below the last stable offset.
      const lso = log.lastStableOffset;
      const expected = latestPerKey(committedWrites.filter((w) => w.offset < lso).sort((a, b) => a.offset - b.offset));
      assert.deepEqual(latestPerKey(committed), expected, `latest values after step ${step}`);
    }
    // After a final round everything below the cleaned point is free of aborted data.
    for (const p of producers) {
      if (p.open.length === 0) continue;
      log.appendTxnMarker({ producerId: p.id, producerEpoch: p.epoch + 1, commit: false, coordinatorEpoch: 0, transactionVersion: 2 }, 0);
      for (const o of p.open) abortedValues.add(o.value);
    }
    log.roll();
    log.maybeIncrementHighWatermark(log.logEndOffset);
    await cleaner().cleanOnce(env.clock.now());
    assert.ok(!readLog(log, false).some((c) => abortedValues.has(c.value)), 'compaction removed every aborted record');
    await log.close();
  });
}
