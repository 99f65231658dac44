import type { LatencyHistogram } from './histogram.js';
import { progressLine, type PerfMode } from './report.js';

/**
 * A live progress line every `intervalMs`: throughput over the last interval and latency
 * percentiles of that interval. One timer for the run, unref'd so it never holds a process.
 */
export class Progress {
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly start = performance.now();
  private last = this.start;
  private lastRecords = 0;
  private lastBytes = 0;

  constructor(mode: PerfMode, intervalMs: number, onLine: ((line: string) => void) | undefined, hist: LatencyHistogram | null,
    sample: () => { records: number; bytes: number; inFlight: number | null }) {
    if (intervalMs <= 0 || onLine === undefined) return;
    this.timer = setInterval(() => {
      const now = performance.now();
      const s = sample();
      const latency = hist === null ? { count: 0, avg_ms: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0 } : hist.window();
      onLine(progressLine(mode, now - this.start, s.records, s.records - this.lastRecords, s.bytes - this.lastBytes, now - this.last, latency, s.inFlight));
      this.last = now;
      this.lastRecords = s.records;
      this.lastBytes = s.bytes;
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }
}
