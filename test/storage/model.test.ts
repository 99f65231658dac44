// Model-based tests: random sequences of append, read, roll, truncate, delete-records,
// retention, timestamp lookups and restarts (clean, killed process, power cut with fsync per
// append) against a simple in-memory model of what the log must contain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatches, makeBatch, rng, type TestRecord } from './helpers.js';
import { ManualClock } from '../../src/storage/clock.js';
import { resolveLogConfig, type LogConfig } from '../../src/storage/config.js';
import { FaultFs } from '../../src/storage/fs/fault-fs.js';
import { MemoryLogger } from '../../src/storage/logger.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { isStorageError } from '../../src/storage/errors.js';
import { LogCleaner } from '../../src/storage/cleaner/log-cleaner.js';

interface ModelRecord {
  offset: number;
  key: string;
  value: string;
  timestamp: number;
  batchBase: number;
}

class Model {
  /** Records [base, logEnd) by offset order: everything that may still exist; reads check [logStart, logEnd). */
  records: ModelRecord[] = [];
  private byOffset = new Map<number, ModelRecord>();
  logStart = 0;
  /** Log end offset (a compacted log may have no record at logEnd - 1). */
  end = 0;
  get logEnd(): number {
    return this.end;
  }
  push(r: ModelRecord): void {
    this.records.push(r);
    this.byOffset.set(r.offset, r);
    this.end = r.offset + 1;
  }
  at(offset: number): ModelRecord | undefined {
    return this.byOffset.get(offset);
  }
  truncateTo(offset: number): void {
    this.records = this.records.filter((r) => r.offset < offset);
    this.byOffset = new Map(this.records.map((r) => [r.offset, r]));
    this.end = Math.min(this.end, offset);
  }
  batchBases(): number[] {
    return [...new Set(this.records.map((r) => r.batchBase))];
  }
  /** A cleaning round over [firstDirty, end): a record goes when a later one with its key lies in that range. */
  compact(firstDirty: number, end: number): void {
    const latestInRange = new Map<string, number>();
    for (const r of this.records) if (r.offset >= firstDirty && r.offset < end) latestInRange.set(r.key, r.offset);
    this.records = this.records.filter((r) => !(r.offset < end && (latestInRange.get(r.key) ?? -1) > r.offset));
    this.byOffset = new Map(this.records.map((r) => [r.offset, r]));
  }
}

interface Checkpoint {
  recoveryPoint: number;
  logStartOffset: number;
  highWatermark: number;
}

function randomConfig(r: () => number, fsyncPerAppend: boolean, compact: boolean): LogConfig {
  return resolveLogConfig({
    'cleanup.policy': compact ? 'compact,delete' : 'delete',
    'min.cleanable.dirty.ratio': r() * 0.5,
    'segment.bytes': 2600 + Math.floor(r() * 4000),
    'index.interval.bytes': Math.floor(r() * 600),
    'segment.index.bytes': 40 + Math.floor(r() * 200),
    'message.timestamp.type': r() < 0.2 ? 'LogAppendTime' : 'CreateTime',
    'retention.ms': -1,
    'file.delete.delay.ms': Math.floor(r() * 2000),
    ...(fsyncPerAppend ? { 'flush.messages': 1 } : {}),
  });
}

async function runModel(seed: number, steps: number): Promise<void> {
  const r = rng(seed);
  const fsyncPerAppend = r() < 0.4;
  const compact = r() < 0.5;
  let config = randomConfig(r, fsyncPerAppend, compact);
  const fs = new FaultFs({ random: r });
  const clock = new ManualClock();
  fs.clockMs = () => clock.now();
  const logger = new MemoryLogger();
  fs.mkdirSync('/d');
  fs.fsyncDirSync('/');
  const dir = '/d/t-0';
  const open = (cp: Checkpoint, clean: boolean) =>
    PartitionLog.open({ dir, fs, clock, logger, config, hadCleanShutdown: clean, ...cp });
  let log = open({ recoveryPoint: 0, logStartOffset: 0, highWatermark: 0 }, false);
  const model = new Model();
  const cleaner = new LogCleaner({ fs, clock, logger, dedupeBufferSize: 28 * (8 + Math.floor(r() * 64)), logs: () => [log] });
  let checkpoint: Checkpoint = { recoveryPoint: 0, logStartOffset: 0, highWatermark: 0 };
  let seq = 0;
  const ctx = (op: string) => `seed ${seed}, op ${op}`;

  const checkRead = (op: string) => {
    if (model.logEnd === log.logStartOffset) return;
    const start = log.logStartOffset + Math.floor(r() * (log.logEndOffset - log.logStartOffset));
    const maxBytes = 1 + Math.floor(r() * 3000);
    const res = log.read(start, maxBytes, { minOneMessage: r() < 0.8 });
    const batches = decodeBatches(res.records);
    if (batches.length === 0) {
      // Legitimate when the first batch is over the limit, or when compaction removed every record from there on.
      const rest = model.records.some((m) => m.offset >= start);
      assert.ok(res.firstBatchTooLarge || !rest, ctx(`${op}: empty read at ${start} (${log.logStartOffset}..${log.logEndOffset})`));
      return;
    }
    const first = batches[0]!;
    assert.ok(first.lastOffset >= start, ctx(`${op}: first batch ${first.baseOffset}..${first.lastOffset} ends before ${start}`));
    for (let o = start; o < first.baseOffset; o++) assert.equal(model.at(o), undefined, ctx(`${op}: read at ${start} skipped record ${o}`));
    if (batches.length > 1) assert.ok(res.records.length <= maxBytes, ctx(`${op}: read ${res.records.length} > ${maxBytes}`));
    for (const b of batches) {
      assert.ok(b.crcValid, ctx(`${op}: bad crc at ${b.baseOffset}`));
      for (const rec of b.records) {
        const m = model.at(rec.offset);
        assert.ok(m, ctx(`${op}: offset ${rec.offset} not in the model`));
        assert.equal(rec.key?.toString(), m.key, ctx(`${op}: key at ${rec.offset}`));
        assert.equal(rec.value?.toString(), m.value, ctx(`${op}: value at ${rec.offset}`));
        assert.equal(rec.timestamp, m.timestamp, ctx(`${op}: timestamp at ${rec.offset}`));
      }
    }
  };

  const checkAll = (op: string) => {
    assert.equal(log.logEndOffset, model.logEnd, ctx(`${op}: log end offset`));
    const seen: number[] = [];
    let next = log.logStartOffset;
    while (next < log.logEndOffset) {
      const batches = decodeBatches(log.read(next, 1 << 20).records);
      if (batches.length === 0) break;
      for (const b of batches) {
        for (const rec of b.records) {
          if (rec.offset < log.logStartOffset) continue; // the first batch may start below the log start offset
          const m = model.at(rec.offset);
          assert.ok(m && rec.value?.toString() === m.value && rec.key?.toString() === m.key, ctx(`${op}: record ${rec.offset} differs`));
          seen.push(rec.offset);
        }
        next = b.lastOffset + 1;
      }
    }
    const want = model.records.filter((m) => m.offset >= log.logStartOffset).map((m) => m.offset);
    assert.deepEqual(seen, want, ctx(`${op}: records of the log`));
  };

  for (let step = 0; step < steps; step++) {
    const p = r();
    const op = `${step}`;
    if (process.env['MODEL_TRACE'] === String(seed)) {
      process.stderr.write(`step ${step} p=${p.toFixed(3)} leo=${log.logEndOffset} durable=${log.durableOffset} rp=${log.recoveryPoint} lso=${log.logStartOffset} segs=${log.segments.baseOffsets().join(',')}\n`);
    }
    if (p < 0.4) {
      // append 1..3 batches
      const nb = 1 + Math.floor(r() * 3);
      const bufs: Buffer[] = [];
      const recsPerBatch: TestRecord[][] = [];
      for (let b = 0; b < nb; b++) {
        const n = 1 + Math.floor(r() * 5);
        const recs: TestRecord[] = [];
        for (let i = 0; i < n; i++) {
          recs.push({ key: `k${Math.floor(r() * (compact ? 6 : 20))}`, value: `v${seq++}-${'x'.repeat(Math.floor(r() * 120))}`, timestamp: clock.now() - 50_000 + Math.floor(r() * 100_000) });
        }
        recsPerBatch.push(recs);
        bufs.push(makeBatch(recs));
      }
      const info = log.append(Buffer.concat(bufs), { leaderEpoch: 3 });
      let offset = info.firstOffset;
      assert.equal(info.firstOffset, model.logEnd, ctx(`${op}: first offset`));
      for (const recs of recsPerBatch) {
        const base = offset;
        for (const rec of recs) {
          const ts = config['message.timestamp.type'] === 'LogAppendTime' ? info.logAppendTime : rec.timestamp!;
          model.push({ offset: offset++, key: String(rec.key), value: String(rec.value), timestamp: ts, batchBase: base });
        }
      }
      if (info.durable) await info.durable;
      clock.advance(Math.floor(r() * 100));
    } else if (p < 0.6) {
      checkRead(op);
    } else if (p < 0.64) {
      log.roll();
    } else if (p < 0.68) {
      // truncate to a batch boundary
      const bases = model.batchBases().filter((b) => b >= log.logStartOffset);
      if (bases.length > 0) {
        const target = bases[Math.floor(r() * bases.length)]!;
        log.truncateTo(target);
        model.truncateTo(target);
        // a compacted log may end below the target, after its last remaining batch
        const lastBelow = model.records.length > 0 ? model.records[model.records.length - 1]!.offset + 1 : 0;
        assert.ok(log.logEndOffset <= target && log.logEndOffset >= lastBelow, ctx(`${op}: truncate to ${target} ended at ${log.logEndOffset}`));
        if (!compact) assert.equal(log.logEndOffset, target, ctx(`${op}: truncate`));
        model.end = log.logEndOffset;
        model.logStart = Math.min(model.logStart, log.logEndOffset);
        // LogManager.truncateTo writes the checkpoints right after a truncation
        checkpoint = { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark };
        assert.equal(log.logStartOffset, model.logStart, ctx(`${op}: log start after truncation`));
      }
    } else if (p < 0.72) {
      // DeleteRecords up to the high watermark
      log.updateHighWatermark(log.logEndOffset);
      const target = log.logStartOffset + Math.floor(r() * (log.highWatermark - log.logStartOffset + 1));
      log.maybeIncrementLogStartOffset(target);
      model.logStart = Math.max(model.logStart, target);
      assert.equal(log.logStartOffset, Math.max(target, log.logStartOffset));
      if (target > log.logStartOffset) assert.throws(() => log.read(target - 1, 100), (e) => isStorageError(e, 'OFFSET_OUT_OF_RANGE'));
    } else if (p < 0.76) {
      // retention by size
      log.updateHighWatermark(log.logEndOffset);
      const before = log.logStartOffset;
      config = { ...config, 'retention.bytes': Math.floor(r() * 4000) };
      log.updateConfig(config);
      log.deleteOldSegments();
      config = { ...config, 'retention.bytes': -1 };
      log.updateConfig(config);
      assert.ok(log.logStartOffset >= before);
      assert.ok(log.size >= 0);
      model.logStart = log.logStartOffset;
      log.deleter.runDue(clock.now() + 10_000);
    } else if (p < 0.8) {
      // lookup by timestamp
      const t = clock.now() - 60_000 + Math.floor(r() * 120_000);
      const found = await log.fetchOffsetByTimestamp(t);
      const want = model.records.find((m) => m.offset >= log.logStartOffset && m.timestamp >= t);
      if (process.env['MODEL_TRACE'] === String(seed) && found?.offset !== want?.offset) {
        process.stderr.write(`ts lookup t=${t} found=${JSON.stringify(found)} want=${JSON.stringify(want)}\n`);
        for (const m of model.records.filter((x) => x.offset >= (found?.offset ?? 0) - 3 && x.offset <= (want?.offset ?? 0) + 1)) process.stderr.write(`model ${JSON.stringify(m)}\n`);
        const res = decodeBatches(log.read(Math.max(log.logStartOffset, (found?.offset ?? 0) - 3), 5000).records);
        for (const b of res) process.stderr.write(`log batch ${b.baseOffset}..${b.lastOffset} max=${b.maxTimestamp} recs=${JSON.stringify(b.records.map((x) => [x.offset, x.timestamp]))}\n`);
      }
      assert.equal(found?.offset, want?.offset, ctx(`${op}: offset for time ${t}`));
      if (want) assert.equal(found!.timestamp, want.timestamp);
    } else if (p < 0.83) {
      checkpoint = { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark };
      if (r() < 0.5) await log.flush();
    } else if (p < 0.86) {
      // clean restart
      await log.close();
      checkpoint = { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark };
      log = open(checkpoint, true);
      assert.equal(log.logStartOffset, model.logStart, ctx(`${op}: log start after clean restart`));
      checkAll(`${op} clean restart`);
    } else if (p < 0.89) {
      // killed process: nothing written is lost; checkpoints may be stale
      log.closeWithoutFlush();
      fs.crash('process');
      log = open(checkpoint, false);
      model.logStart = log.logStartOffset;
      checkAll(`${op} process crash`);
    } else if (p < 0.91 && fsyncPerAppend) {
      // power cut: everything acknowledged (fsynced) survives; a valid prefix of the rest may
      const durable = log.durableOffset;
      log.closeWithoutFlush();
      fs.crash('power', { torn: r() < 0.5 });
      log = open(checkpoint, false);
      assert.ok(log.logEndOffset >= Math.min(durable, model.logEnd), ctx(`${op}: power cut lost acknowledged data (${log.logEndOffset} < ${durable})`));
      model.truncateTo(log.logEndOffset);
      model.logStart = log.logStartOffset;
      checkAll(`${op} power cut`);
    } else if (compact && p < 0.96) {
      // a cleaning round
      log.updateHighWatermark(log.logEndOffset);
      if (r() < 0.5) log.roll();
      const summary = await cleaner.cleanOnce();
      if (summary) model.compact(summary.firstDirtyOffset, summary.endOffset);
      if (r() < 0.3) checkAll(`${op} compaction`);
    } else {
      log.deleter.runDue(clock.now());
      clock.advance(1000);
    }
  }
  await log.close();
  checkpoint = { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark };
  log = open(checkpoint, true);
  checkAll('final');
  const warnings = logger.lines.filter((l) => l.level === 'error');
  assert.deepEqual(warnings, [], ctx('no errors logged'));
}

test('model-based: random operation sequences match an in-memory model', async () => {
  // MODEL_SEEDS=from:count explores more seeds (e.g. 1:2000); npm test runs 20 fixed and one random.
  const [from, count] = (process.env['MODEL_SEEDS'] ?? '1:20').split(':').map(Number) as [number, number];
  const seeds = Array.from({ length: count }, (_, i) => from + i);
  if (!process.env['MODEL_SEEDS']) seeds.push(Date.now() % 1_000_000);
  for (const seed of seeds) {
    try {
      await runModel(seed, 400);
    } catch (e) {
      (e as Error).message = `seed ${seed}: ${(e as Error).message}`;
      throw e;
    }
  }
});
