// Open time and memory with many partitions on one broker: creates N partitions (a few
// batches each), shuts down cleanly, then measures LogManager.open after the clean shutdown
// (no recovery) and after an unclean stop (recovery of every active segment), with RSS and
// open descriptors. Prints JSON.
//
//   npm run build && node --expose-gc dist/bench/storage/partitions.js [partitions=10000] [dir]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogManager } from '../../src/storage/log-manager.js';
import { silentLogger } from '../../src/storage/logger.js';
import { encodeBatchSync } from '../../src/protocol/records/index.js';

const partitions = Number(process.argv[2] ?? 10_000);
const root = process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-partitions-'));
const dirs = [path.join(root, 'data')];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function mb(n: number): number {
  return Math.round((n / (1024 * 1024)) * 10) / 10;
}

function openFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function sample(label: string, t0: number, m: LogManager) {
  gc();
  const mem = process.memoryUsage();
  return { label, seconds: Math.round((performance.now() - t0)) / 1000, logs: m.logCount, rssMiB: mb(mem.rss), heapUsedMiB: mb(mem.heapUsed), openFds: openFds() };
}

const batch = encodeBatchSync(
  Array.from({ length: 10 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, i), timestamp: Date.now() })),
  {},
);

const results: unknown[] = [];
gc();
const baseRss = mb(process.memoryUsage().rss);
{
  const t0 = performance.now();
  const m = LogManager.open({ config: { 'log.dirs': dirs }, logger: silentLogger });
  for (let p = 0; p < partitions; p++) {
    const log = m.getOrCreateLog(`topic-${p % 100}`, Math.floor(p / 100));
    for (let i = 0; i < 3; i++) log.append(Buffer.from(batch));
    log.updateHighWatermark(log.logEndOffset);
  }
  results.push(sample('create and fill', t0, m));
  const t1 = performance.now();
  await m.shutdown();
  results.push({ label: 'clean shutdown', seconds: Math.round(performance.now() - t1) / 1000 });
}
{
  const t0 = performance.now();
  const m = LogManager.open({ config: { 'log.dirs': dirs }, logger: silentLogger });
  results.push(sample('open after clean shutdown', t0, m));
  // touch every log once (a read at its start)
  const t1 = performance.now();
  for (const log of m.allLogs()) log.read(log.logStartOffset, 1 << 20);
  results.push(sample('first read of every partition', t1, m));
  m.abandon(); // unclean: no marker
}
{
  const t0 = performance.now();
  const m = LogManager.open({ config: { 'log.dirs': dirs }, logger: silentLogger });
  results.push(sample('open after unclean stop (recovery)', t0, m));
  await m.shutdown();
}
process.stdout.write(JSON.stringify({ partitions, node: process.version, cpus: os.cpus().length, baseRssMiB: baseRss, results }, null, 2) + '\n');
if (process.argv[3] === undefined) fs.rmSync(root, { recursive: true, force: true });
