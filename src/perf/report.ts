import type { HistogramBucket, LatencySummary } from './histogram.js';

export type PerfMode = 'produce' | 'consume' | 'e2e';

/** What a run reports (`--json` prints exactly this). MB are 1,048,576 bytes, as Kafka's tools count. */
export interface PerfResult {
  mode: PerfMode;
  topic: string;
  /** Records produced (produce, e2e) or consumed (consume) and acknowledged or read. */
  records: number;
  /** Value and key bytes of those records. */
  bytes: number;
  record_size: number | null;
  acks: string | null;
  compression: string | null;
  /** Target records/s; -1 unlimited. */
  throughput_limit: number;
  elapsed_s: number;
  records_per_s: number;
  mb_per_s: number;
  /** produce: send → acknowledgement; e2e: send → read by the consumer; consume: per fetch. */
  latency: LatencySummary;
  histogram: HistogramBucket[];
  errors: number;
  /** The first error seen, if any. */
  first_error: string | null;
  /** Most produce requests in flight at once, across brokers (produce, e2e). */
  max_in_flight: number | null;
  settings: Record<string, string | number | boolean>;
}

const MB = 1024 * 1024;

export function rates(records: number, bytes: number, elapsedMs: number): { records_per_s: number; mb_per_s: number } {
  const s = Math.max(elapsedMs, 1e-3) / 1000;
  return { records_per_s: round(records / s, 1), mb_per_s: round(bytes / MB / s, 2) };
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function ms(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** One live progress line (stderr). */
export function progressLine(mode: PerfMode, elapsedMs: number, total: number, windowRecords: number, windowBytes: number,
  windowMs: number, latency: LatencySummary, inFlight: number | null): string {
  const r = rates(windowRecords, windowBytes, windowMs);
  const parts = [
    `${(elapsedMs / 1000).toFixed(1)} s`,
    `${int(total)} records`,
    `${int(r.records_per_s)} records/s`,
    `${r.mb_per_s.toFixed(1)} MB/s`,
  ];
  if (latency.count > 0) parts.push(`p99 ${ms(latency.p99_ms)} ms`, `max ${ms(latency.max_ms)} ms`);
  if (inFlight !== null) parts.push(`${inFlight} requests in flight`);
  return `perf ${mode}: ${parts.join(', ')}\n`;
}

const BAR = 40;

/** The human summary (stdout). */
export function formatSummary(r: PerfResult): string {
  const what = r.mode === 'consume' ? 'consumed from' : r.mode === 'e2e' ? 'produced and consumed through' : 'produced to';
  const lines: string[] = [];
  const size = r.record_size === null ? '' : ` of ${int(r.record_size)} B`;
  const opts = [r.acks !== null ? `acks=${r.acks}` : '', r.compression !== null && r.compression !== 'none' ? `compression=${r.compression}` : '',
    r.throughput_limit > 0 ? `throughput limit ${int(r.throughput_limit)} records/s` : ''].filter((s) => s !== '');
  lines.push(`${int(r.records)} records${size} ${what} ${r.topic} in ${r.elapsed_s.toFixed(2)} s${opts.length > 0 ? ` (${opts.join(', ')})` : ''}`);
  lines.push(`  throughput   ${int(r.records_per_s)} records/s, ${r.mb_per_s.toFixed(2)} MB/s`);
  const l = r.latency;
  if (l.count > 0) {
    const label = r.mode === 'produce' ? 'latency ms  ' : r.mode === 'e2e' ? 'e2e ms      ' : 'fetch ms    ';
    lines.push(`  ${label} avg ${ms(l.avg_ms)}  p50 ${ms(l.p50_ms)}  p95 ${ms(l.p95_ms)}  p99 ${ms(l.p99_ms)}  p99.9 ${ms(l.p999_ms)}  max ${ms(l.max_ms)}`);
  }
  if (r.max_in_flight !== null) lines.push(`  requests     up to ${r.max_in_flight} in flight`);
  if (r.errors > 0) lines.push(`  errors       ${int(r.errors)} (first: ${r.first_error ?? '?'})`);
  if (r.histogram.length > 0) {
    const most = Math.max(...r.histogram.map((b) => b.count));
    const total = r.histogram.reduce((a, b) => a + b.count, 0);
    lines.push('  histogram (ms):');
    for (const b of r.histogram) {
      const bar = '#'.repeat(Math.round((b.count / most) * BAR));
      const pct = ((b.count / total) * 100).toFixed(1).padStart(5);
      lines.push(`    <= ${fmtBound(b.le_ms).padStart(7)}  ${pct}%  ${bar}`);
    }
  }
  return lines.join('\n') + '\n';
}

function fmtBound(msBound: number): string {
  return msBound < 1 ? String(msBound) : int(msBound);
}
