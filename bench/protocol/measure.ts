/**
 * Interleaved timing for comparisons on a noisy machine: every variant of a case is warmed up,
 * then each round times every variant once, back to back, so a burst of load from elsewhere
 * hits all of them alike. Each round records wall-clock throughput and throughput per second
 * of process CPU time (process.cpuUsage: this thread, GC helpers and the libuv pool, so async
 * codecs are charged for their pool work). On a machine shared with other jobs the wall clock
 * mostly measures preemption; CPU time does not. Figures are medians of the rounds; a ratio
 * between two variants is the median of their per-round ratios (`pairedRatio`), which cancels
 * most of what neighbouring rounds share.
 */

export interface Variant {
  /** Row label, e.g. `Millrace decodeResponseFrame v17`. */
  name: string;
  client: 'millrace' | 'platformatic' | 'kafkajs';
  /** One operation; may return a promise (awaited). */
  op: () => unknown;
  /** Why this variant cannot run here (then it is reported as n/a). */
  unavailable?: string;
  note?: string;
}

export interface Measured {
  group: string;
  name: string;
  client: Variant['client'];
  /** Bytes one operation accounts for (MB/s = ops/s × bytes / 10^6). */
  bytes: number;
  /** Wall clock, median of the rounds. */
  opsPerSec: number | null;
  mbPerSec: number | null;
  /** Per second of process CPU time, median of the rounds. */
  cpuMbPerSec: number | null;
  /** Wall-clock ops/s of every round, in round order (rounds of one case are interleaved across variants). */
  rounds: number[];
  /** Ops per CPU-second of every round. */
  cpuRounds: number[];
  note?: string;
}

export interface MeasureOptions {
  rounds: number;
  roundMs: number;
  warmupMs: number;
}

interface Rate {
  wall: number;
  cpu: number;
}

async function timed(op: () => unknown, ms: number): Promise<Rate> {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  // Ops that return promises are awaited one by one, as a caller would.
  while (now - start < ms) {
    const r = op();
    if (r instanceof Promise) await r;
    n++;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: (n * 1000) / (now - start), cpu: (n * 1e6) / Math.max(1, cpu.user + cpu.system) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Times every available variant of one case over the same data. */
export async function compare(group: string, bytes: number, variants: Variant[], o: MeasureOptions): Promise<Measured[]> {
  const live = variants.filter((v) => v.unavailable === undefined);
  for (const v of live) await timed(v.op, o.warmupMs);
  const rates = new Map<Variant, Rate[]>(live.map((v) => [v, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (const v of live) rates.get(v)!.push(await timed(v.op, o.roundMs));
  }
  return variants.map((v) => {
    const rounds = rates.get(v) ?? [];
    const wall = rounds.map((x) => x.wall);
    const cpu = rounds.map((x) => x.cpu);
    const ops = rounds.length > 0 ? median(wall) : null;
    const cpuOps = rounds.length > 0 ? median(cpu) : null;
    return {
      group, name: v.name, client: v.client, bytes, opsPerSec: ops, mbPerSec: ops === null ? null : (ops * bytes) / 1e6,
      cpuMbPerSec: cpuOps === null ? null : (cpuOps * bytes) / 1e6,
      rounds: wall.map(round2), cpuRounds: cpu.map(round2), note: v.unavailable ?? v.note,
    };
  });
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Median over rounds of a[i] / b[i]: a paired comparison of two variants of one case. */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(a[i]! / b[i]!);
  return median(ratios);
}
