import * as hdr from 'hdr-histogram-js';

/** Latency percentiles in milliseconds, as the summary and the JSON report give them. */
export interface LatencySummary {
  count: number;
  avg_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
}

/** One bar of the small histogram: latencies up to `le_ms` (and above the previous bar's). */
export interface HistogramBucket {
  le_ms: number;
  count: number;
}

// Microseconds from 1 µs to one hour, 3 significant digits (0.1% resolution).
const HIGHEST_US = 3_600_000_000;

/**
 * Latencies recorded in microseconds into an HDR histogram (hdr-histogram-js, the JavaScript
 * port of Gil Tene's HdrHistogram): constant memory, 0.1% precision from 1 µs to an hour.
 * `window()` gives the figures since the last call (for progress lines) beside the totals.
 */
export class LatencyHistogram {
  /** Everything folded in so far. */
  private readonly total: hdr.Histogram;
  /** Folded in since the last window(). */
  private readonly win: hdr.Histogram;
  /** Recorded since the last fold: one histogram written per value, the others added in bulk. */
  private readonly recent: hdr.Histogram;

  constructor() {
    const request = { lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 as const, useWebAssembly: false };
    this.total = hdr.build(request);
    this.win = hdr.build(request);
    this.recent = hdr.build(request);
  }

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  recordMs(ms: number): void {
    let us = Math.round(ms * 1000);
    if (us < 1) us = 1;
    else if (us > HIGHEST_US) us = HIGHEST_US;
    this.recent.recordValue(us);
  }

  get count(): number {
    return this.total.totalCount + this.recent.totalCount;
  }

  summary(): LatencySummary {
    this.fold();
    return summarize(this.total);
  }

  /** Figures since the previous call, then starts a new window. */
  window(): LatencySummary {
    this.fold();
    const s = summarize(this.win);
    this.win.reset();
    return s;
  }

  private fold(): void {
    if (this.recent.totalCount === 0) return;
    this.total.add(this.recent);
    this.win.add(this.recent);
    this.recent.reset();
  }

  /**
   * Counts in power-of-two millisecond buckets (≤0.5, ≤1, ≤2, ≤4 ... ms) from the first bucket
   * with a count to the one holding the maximum.
   */
  buckets(): HistogramBucket[] {
    this.fold();
    const h = this.total as hdr.JsHistogram;
    if (h.totalCount === 0) return [];
    const counts = new Map<number, number>();
    let top = 0;
    const it = h.recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      const b = bucketOf(h.lowestEquivalentValue(v.valueIteratedTo) / 1000);
      counts.set(b, (counts.get(b) ?? 0) + v.countAtValueIteratedTo);
      if (b > top) top = b;
    }
    const out: HistogramBucket[] = [];
    let first = Infinity;
    for (const b of counts.keys()) first = Math.min(first, b);
    for (let b = first; b <= top; b++) out.push({ le_ms: 2 ** b, count: counts.get(b) ?? 0 });
    return out;
  }
}

/** The power-of-two millisecond bucket of a latency: ⌈log2(ms)⌉, from ≤1/8 ms up. */
function bucketOf(ms: number): number {
  return Math.max(-3, Math.ceil(Math.log2(Math.max(ms, 1e-9))));
}

function summarize(h: hdr.Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, avg_ms: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0 };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    avg_ms: Math.round(h.mean) / 1000,
    p50_ms: ms(h.getValueAtPercentile(50)),
    p95_ms: ms(h.getValueAtPercentile(95)),
    p99_ms: ms(h.getValueAtPercentile(99)),
    p999_ms: ms(h.getValueAtPercentile(99.9)),
    max_ms: ms(h.maxValue),
  };
}
