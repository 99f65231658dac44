// Storage throughput on this machine's disk, in one run: the disk's own sequential write speed
// (`dd ... conv=fdatasync`) interleaved with PartitionLog appends of batches of 1 KiB records
// (16 KiB and 1 MiB batches, default flush policy: page cache, then one fsync like dd's), in
// several trials with `sync` before each (virtual disks with a host write-back cache vary a
// lot from run to run; medians are reported); then appends with an fsync per append
// (flush.messages=1, group commit at several concurrencies), sequential reads, and recovery
// time per GiB. Prints a JSON report.
//
//   npm run build && node dist/bench/storage/throughput.js [MiB per run=1024] [trials=3] [dir]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeBatchSync } from '../../src/protocol/records/index.js';
import { resolveLogConfig } from '../../src/storage/config.js';
import { silentLogger } from '../../src/storage/logger.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { NodeFs } from '../../src/storage/fs/storage-fs.js';

const totalMiB = Number(process.argv[2] ?? 1024);
const trials = Number(process.argv[3] ?? 3);
const root = process.argv[4] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-throughput-'));
fs.mkdirSync(root, { recursive: true });
const MiB = 1024 * 1024;

function batchOf(bytes: number): Buffer {
  const n = Math.max(1, Math.round(bytes / 1024));
  // 1 KiB records: ~1000-byte values plus record overhead
  return encodeBatchSync(
    Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.alloc(1000, i & 0xff), timestamp: Date.now() })),
    {},
  );
}

function mbps(bytes: number, ms: number): number {
  return Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;
}

function dd(): { MBps: number; seconds: number; output: string } {
  const file = path.join(root, 'dd.tmp');
  const t0 = performance.now();
  const r = spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${totalMiB}`, 'conv=fdatasync'], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  fs.rmSync(file, { force: true });
  return { MBps: mbps(totalMiB * MiB, ms), seconds: Math.round(ms) / 1000, output: r.stderr.trim().split('\n').at(-1) ?? '' };
}

/** NodeFs counting fdatasync calls (to show group commit). */
class CountingFs extends NodeFs {
  fsyncs = 0;
  override fdatasync(fd: number): Promise<void> {
    this.fsyncs++;
    return super.fdatasync(fd);
  }
}
const nodeFs = new CountingFs();

function freshLog(name: string, overrides: Record<string, string | number> = {}): PartitionLog {
  const dir = path.join(root, `${name}-0`);
  fs.rmSync(dir, { recursive: true, force: true });
  return PartitionLog.open({ dir, fs: nodeFs, config: resolveLogConfig(overrides), logger: silentLogger, hadCleanShutdown: true });
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Appends `bytes` of `batch` copies without waiting for fsyncs; then one flush (like dd's fdatasync). */
async function appendNoFsync(batchBytes: number) {
  const batch = batchOf(batchBytes);
  const log = freshLog(`nofsync-${batchBytes}`);
  const count = Math.ceil((totalMiB * MiB) / batch.length);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    log.append(batch);
    if ((i & 63) === 63) await tick();
  }
  const tWritten = performance.now();
  await log.flush();
  const tFlushed = performance.now();
  const bytes = count * batch.length;
  const result = {
    batchBytes: batch.length,
    appends: count,
    appendMBps: mbps(bytes, tWritten - t0),
    withFinalFsyncMBps: mbps(bytes, tFlushed - t0),
    seconds: Math.round(tFlushed - t0) / 1000,
  };
  return { result, log, bytes };
}

/** Appends with flush.messages=1 (every append waits for an fsync), `concurrency` appends in flight. */
async function appendFsync(batchBytes: number, concurrency: number, maxSeconds: number) {
  const batch = batchOf(batchBytes);
  const log = freshLog(`fsync-${batchBytes}-${concurrency}`, { 'flush.messages': 1 });
  const limitBytes = (totalMiB * MiB) / 2;
  const t0 = performance.now();
  let bytes = 0;
  let appends = 0;
  const worker = async () => {
    while (bytes < limitBytes && performance.now() - t0 < maxSeconds * 1000) {
      const info = log.append(batch);
      bytes += batch.length;
      appends++;
      await info.durable;
    }
  };
  const fsyncsBefore = fsyncCount();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - t0;
  await log.close();
  fs.rmSync(log.dir, { recursive: true, force: true });
  return { batchBytes: batch.length, concurrency, appends, MBps: mbps(bytes, ms), appendsPerSecond: Math.round(appends / (ms / 1000)), fsyncs: fsyncCount() - fsyncsBefore };
}

function fsyncCount(): number {
  return nodeFs.fsyncs;
}

async function readAll(log: PartitionLog, bytes: number) {
  const t0 = performance.now();
  let offset = log.logStartOffset;
  let read = 0;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, MiB);
    if (r.records.length === 0) break;
    read += r.records.length;
    // next offset: last batch's last offset + 1
    let at = 0;
    let last = offset;
    while (at < r.records.length) {
      last = r.records.readInt32BE(at + 4) + r.records.readInt32BE(at) * 2 ** 32 + r.records.readInt32BE(at + 23);
      at += 12 + r.records.readInt32BE(at + 8);
    }
    offset = last + 1;
  }
  const ms = performance.now() - t0;
  return { bytes: read, MBps: mbps(read, ms), seconds: Math.round(ms) / 1000, complete: read === bytes };
}

async function recovery(log: PartitionLog, bytes: number) {
  const dir = log.dir;
  log.closeWithoutFlush(); // as if the process died: no clean shutdown
  const t0 = performance.now();
  const again = PartitionLog.open({ dir, fs: nodeFs, config: log.config, logger: silentLogger, hadCleanShutdown: false, recoveryPoint: 0 });
  const ms = performance.now() - t0;
  const ok = again.logEndOffset === log.logEndOffset;
  await again.close();
  return { GiB: Math.round((bytes / (1024 * MiB)) * 100) / 100, seconds: Math.round(ms) / 1000, secondsPerGiB: Math.round((ms / 1000 / (bytes / (1024 * MiB))) * 100) / 100, ok };
}

const report: Record<string, unknown> = {
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, dir: root },
  MiBPerRun: totalMiB,
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const syncAll = () => spawnSync('sync');
const rows: { dd: number; kib16: number; mib1: number; kib16AppendOnly: number; mib1AppendOnly: number }[] = [];
for (let t = 0; t < trials; t++) {
  syncAll();
  const d = dd();
  const row = { dd: d.MBps, kib16: 0, mib1: 0, kib16AppendOnly: 0, mib1AppendOnly: 0 };
  for (const size of [16 * 1024, MiB]) {
    syncAll();
    const { result, log, bytes } = await appendNoFsync(size);
    if (size === MiB) {
      row.mib1 = result.withFinalFsyncMBps;
      row.mib1AppendOnly = result.appendMBps;
      if (t === trials - 1) {
        report['sequential read, 1 MiB per read (page cache)'] = await readAll(log, bytes);
        report['recovery after an unclean stop (CRC scan, page cache)'] = await recovery(log, bytes);
      } else await log.close();
    } else {
      row.kib16 = result.withFinalFsyncMBps;
      row.kib16AppendOnly = result.appendMBps;
      await log.close();
    }
    fs.rmSync(log.dir, { recursive: true, force: true });
  }
  rows.push(row);
}
const m = {
  dd: median(rows.map((r) => r.dd)),
  kib16: median(rows.map((r) => r.kib16)),
  mib1: median(rows.map((r) => r.mib1)),
};
report['write then fdatasync, MB/s per trial (dd | 16 KiB batches | 1 MiB batches)'] = rows.map((r) => [r.dd, r.kib16, r.mib1]);
report['write then fdatasync, medians'] = {
  ddMBps: m.dd,
  append16KiBBatchesMBps: m.kib16,
  append1MiBBatchesMBps: m.mib1,
  ratio16KiBToDd: Math.round((m.kib16 / m.dd) * 100) / 100,
  ratio1MiBToDd: Math.round((m.mib1 / m.dd) * 100) / 100,
};
report['append only (into the page cache, no fsync), medians MB/s'] = {
  batches16KiB: median(rows.map((r) => r.kib16AppendOnly)),
  batches1MiB: median(rows.map((r) => r.mib1AppendOnly)),
};
for (const [size, conc] of [
  [16 * 1024, 1],
  [16 * 1024, 16],
  [16 * 1024, 128],
  [MiB, 1],
  [MiB, 8],
] as const) {
  report[`append ${size === MiB ? '1 MiB' : '16 KiB'} batches, fsync per append, ${conc} in flight`] = await appendFsync(size, conc, 20);
}
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
if (process.argv[4] === undefined) fs.rmSync(root, { recursive: true, force: true });
