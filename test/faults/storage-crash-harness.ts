// Crash harness for the storage layer, shared by test/faults/storage-crash.test.ts (20 cycles
// in `npm test`) and bench/storage/crash-cycles.ts (500 cycles). A child process appends to a
// real log on disk and reports each acknowledged batch; the parent kills it with SIGKILL at a
// random moment, reopens the log and checks that every acknowledged batch is present and
// intact, no partial batch is readable, and offsets are contiguous. No tests here.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogManager } from '../../src/storage/log-manager.js';
import { resolveLogConfig } from '../../src/storage/config.js';
import { MemoryLogger } from '../../src/storage/logger.js';
import { decodeBatches, rng } from '../storage/helpers.js';

export type CrashMode = 'write' | 'fsync';

export const TOPIC = 'crash';

/** Topic config of the child: small segments and index interval so rolls and index entries happen often. */
export function crashLogConfig(mode: CrashMode) {
  return resolveLogConfig({
    'segment.bytes': 256 * 1024,
    'index.interval.bytes': 1024,
    'segment.index.bytes': 4096,
    'retention.ms': -1,
    // keeps the log (and each cycle's full check) bounded over hundreds of cycles
    'retention.bytes': 8 * 1024 * 1024,
    ...(mode === 'fsync' ? { 'flush.messages': 1 } : {}),
  });
}

export const MANAGER_CONFIG = {
  'log.flush.offset.checkpoint.interval.ms': 40,
  'log.flush.start.offset.checkpoint.interval.ms': 40,
  'replica.high.watermark.checkpoint.interval.ms': 40,
  'log.initial.task.delay.ms': 0,
  'log.retention.check.interval.ms': 50,
  'millrace.log.max.open.files': 8,
};

/** Records of the batch with sequence number `seq`: deterministic, so the parent can check contents. */
export function batchRecords(seq: number): { key: Buffer; value: Buffer }[] {
  const r = rng(seq * 7919 + 1);
  const count = 1 + Math.floor(r() * 8);
  const big = r() < 0.03; // some batches large enough that a kill can land inside their write
  const out: { key: Buffer; value: Buffer }[] = [];
  for (let j = 0; j < count; j++) {
    const len = big ? 8 * 1024 + Math.floor(r() * 16 * 1024) : Math.floor(r() * 400);
    out.push({ key: Buffer.from(`k${seq}-${j}`), value: Buffer.alloc(len, (seq * 31 + j) & 0xff) });
  }
  return out;
}

export interface CycleStats {
  cycles: number;
  ackedBatches: number;
  ackedRecords: number;
  finalLogEndOffset: number;
  recoveriesWithTruncation: number;
  cleanRestarts: number;
  failures: string[];
  elapsedMs: number;
}

interface Ack {
  first: number;
  last: number;
  seq: number;
}

const childPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'storage-crash-child.js');

function runChild(dir: string, mode: CrashMode, startSeq: number, killAfterMs: number, acks: Ack[]): Promise<{ exitSignal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath], {
      env: { ...process.env, MILLRACE_STORAGE_CRASH_CHILD: '1', CRASH_DIR: dir, CRASH_MODE: mode, CRASH_SEQ: String(startSeq) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [kind, a, b, c] = line.split(' ');
        if (kind === 'ready' && timer === null) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (kind === 'ack') acks.push({ first: Number(a), last: Number(b), seq: Number(c) });
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ exitSignal: signal, stderr });
    });
  });
}

/** Opens the log as a broker would at start-up and checks it against the acknowledgements. */
async function verify(dir: string, mode: CrashMode, acks: readonly Ack[], clean: boolean, stats: CycleStats): Promise<number> {
  const logger = new MemoryLogger();
  const m = LogManager.open({ config: { 'log.dirs': [dir], ...MANAGER_CONFIG }, defaultLogConfig: crashLogConfig(mode), logger });
  try {
    const log = m.getLog(TOPIC, 0);
    if (!log) throw new Error(`log missing after restart; offline: ${JSON.stringify([...m.offlinePartitions])}`);
    if (logger.matching('warn', /truncating/).length > 0) stats.recoveriesWithTruncation++;
    // Walk the whole log: every batch whole, CRC valid, offsets contiguous from the log start.
    const byBase = new Map<number, ReturnType<typeof decodeBatches>[number]>();
    let next = log.logStartOffset;
    while (next < log.logEndOffset) {
      const r = log.read(next, 4 << 20);
      if (r.records.length === 0) throw new Error(`read at ${next} returned nothing below the log end offset ${log.logEndOffset}`);
      for (const b of decodeBatches(r.records)) {
        if (!b.crcValid) throw new Error(`batch at ${b.baseOffset} has a bad CRC`);
        if (b.baseOffset !== next) throw new Error(`offsets not contiguous: batch at ${b.baseOffset}, expected ${next}`);
        b.records.forEach((rec, i) => {
          if (rec.offset !== b.baseOffset + i) throw new Error(`record offset ${rec.offset} in batch ${b.baseOffset}`);
        });
        byBase.set(b.baseOffset, b);
        next = b.lastOffset + 1;
      }
    }
    if (next !== log.logEndOffset) throw new Error(`walk ended at ${next}, log end offset ${log.logEndOffset}`);
    const segmentBases = new Set(log.segments.baseOffsets());
    if (!segmentBases.has(log.logStartOffset)) throw new Error(`log start offset ${log.logStartOffset} is not a segment boundary (retention only)`);
    for (const a of acks) {
      if (a.last < log.logStartOffset) continue; // removed by retention.bytes, whole segments only
      const b = byBase.get(a.first);
      if (!b || b.lastOffset !== a.last) throw new Error(`acknowledged batch ${a.first}..${a.last} (seq ${a.seq}) is missing`);
      const want = batchRecords(a.seq);
      if (b.records.length !== want.length) throw new Error(`acknowledged batch ${a.first} has ${b.records.length} records, expected ${want.length}`);
      b.records.forEach((rec, i) => {
        if (!rec.key?.equals(want[i]!.key) || !rec.value?.equals(want[i]!.value)) throw new Error(`acknowledged batch ${a.first} record ${i} differs`);
      });
    }
    return log.logEndOffset;
  } finally {
    if (clean) {
      stats.cleanRestarts++;
      await m.shutdown();
    } else m.abandon();
  }
}

export interface CrashRunOptions {
  cycles: number;
  modes?: CrashMode[];
  /** Kill delay range after the child is ready, ms. */
  minKillMs?: number;
  maxKillMs?: number;
  seed?: number;
  dir?: string;
  onCycle?: (i: number, stats: CycleStats) => void;
}

/** Runs `cycles` kill-and-reopen cycles, alternating modes; each mode gets its own log directory. */
export async function runCrashCycles(opts: CrashRunOptions): Promise<CycleStats> {
  const started = Date.now();
  const modes = opts.modes ?? ['write', 'fsync'];
  const random = rng(opts.seed ?? 42);
  const root = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-crash-'));
  const stats: CycleStats = { cycles: 0, ackedBatches: 0, ackedRecords: 0, finalLogEndOffset: 0, recoveriesWithTruncation: 0, cleanRestarts: 0, failures: [], elapsedMs: 0 };
  const state = new Map<CrashMode, { acks: Ack[]; seq: number }>(modes.map((m) => [m, { acks: [], seq: 1 }]));
  try {
    for (let i = 0; i < opts.cycles; i++) {
      const mode = modes[i % modes.length]!;
      const st = state.get(mode)!;
      const dir = path.join(root, mode);
      const before = st.acks.length;
      const kill = (opts.minKillMs ?? 30) + Math.floor(random() * ((opts.maxKillMs ?? 250) - (opts.minKillMs ?? 30)));
      const { exitSignal, stderr } = await runChild(dir, mode, st.seq, kill, st.acks);
      if (exitSignal !== 'SIGKILL') stats.failures.push(`cycle ${i}: child exited with ${exitSignal ?? 'a code'} before the kill: ${stderr.slice(0, 2000)}`);
      for (const a of st.acks.slice(before)) {
        stats.ackedBatches++;
        stats.ackedRecords += a.last - a.first + 1;
        st.seq = Math.max(st.seq, a.seq + 1);
      }
      // Sequence numbers of unacknowledged batches may be in the log too; never reuse them.
      st.seq += 1000;
      try {
        stats.finalLogEndOffset = await verify(dir, mode, st.acks, random() < 0.3, stats);
      } catch (e) {
        stats.failures.push(`cycle ${i} (${mode}): ${(e as Error).message}`);
      }
      stats.cycles++;
      opts.onCycle?.(i, stats);
      if (stats.failures.length > 0) break;
    }
  } finally {
    stats.elapsedMs = Date.now() - started;
    if (!opts.dir) fs.rmSync(root, { recursive: true, force: true });
  }
  return stats;
}
