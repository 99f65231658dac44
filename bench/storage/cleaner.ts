// Compaction throughput and its effect on the event loop: fills a compacted log (1 KiB records,
// a fixed key space), runs one cleaning round while appends continue, and reports the
// cleaner's MB/s and the event loop's delay percentiles during the round (the cleaner runs on
// the event loop and yields between batches). Prints JSON.
//
//   npm run build && node dist/bench/storage/cleaner.js [MiB=256] [keys=10000] [codec=none|lz4|zstd]
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CompressionType, encodeBatch } from '../../src/protocol/records/index.js';
import { LogCleaner } from '../../src/storage/cleaner/log-cleaner.js';
import { resolveLogConfig } from '../../src/storage/config.js';
import { NodeFs } from '../../src/storage/fs/storage-fs.js';
import { silentLogger } from '../../src/storage/logger.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { systemClock } from '../../src/storage/clock.js';

const MiB = 1024 * 1024;
const totalMiB = Number(process.argv[2] ?? 256);
const keys = Number(process.argv[3] ?? 10_000);
const codecName = process.argv[4] ?? 'none';
const codec = ({ none: CompressionType.None, lz4: CompressionType.Lz4, zstd: CompressionType.Zstd, gzip: CompressionType.Gzip } as Record<string, CompressionType>)[codecName]!;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-cleaner-'));

const log = PartitionLog.open({
  dir: path.join(root, 'compacted-0'),
  config: resolveLogConfig({ 'cleanup.policy': 'compact', 'segment.bytes': 64 * MiB, 'min.cleanable.dirty.ratio': 0.01 }),
  logger: silentLogger,
  hadCleanShutdown: true,
});
let n = 0;
// Incompressible values (windows of a random pool), so compressed logs hold as many records as plain ones.
const pool = randomBytes(1 << 20);
async function batch(records: number): Promise<Buffer> {
  return encodeBatch(
    Array.from({ length: records }, () => {
      const at = (n * 7919) % (pool.length - 1000);
      return { key: Buffer.from(`key-${n++ % keys}`), value: pool.subarray(at, at + 1000), timestamp: Date.now() };
    }),
    { compression: codec },
  );
}
const tFill = performance.now();
while (log.size < totalMiB * MiB) log.append(await batch(16));
log.roll();
log.updateHighWatermark(log.logEndOffset);
const fillSeconds = (performance.now() - tFill) / 1000;
const sizeBefore = log.size;

const cleaner = new LogCleaner({ fs: new NodeFs(), clock: systemClock, logger: silentLogger, dedupeBufferSize: 128 * MiB, logs: () => [log] });
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
const t0 = performance.now();
const round = cleaner.cleanOnce();
let appendsDuring = 0;
let done = false;
void round.finally(() => (done = true));
const during = await batch(16);
while (!done) {
  log.append(Buffer.from(during));
  appendsDuring++;
  await new Promise((r) => setTimeout(r, 1));
}
const summary = await round;
const seconds = (performance.now() - t0) / 1000;
h.disable();
const ms = (ns: number) => Math.round(ns / 1e4) / 100;
process.stdout.write(
  JSON.stringify(
    {
      codec: codecName,
      keys,
      logMiB: Math.round(sizeBefore / MiB),
      fillSeconds: Math.round(fillSeconds * 10) / 10,
      cleanSeconds: Math.round(seconds * 100) / 100,
      cleanMBps: Math.round(sizeBefore / 1e6 / seconds),
      recordsPerSecond: summary ? Math.round(summary.stats.recordsRead / seconds) : 0,
      sizeAfterMiB: Math.round((log.size / MiB) * 10) / 10,
      records: summary ? { read: summary.stats.recordsRead, kept: summary.stats.recordsRetained } : null,
      appendsDuringRound: appendsDuring,
      eventLoopDelayMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
    },
    null,
    2,
  ) + '\n',
);
await log.close();
fs.rmSync(root, { recursive: true, force: true });
