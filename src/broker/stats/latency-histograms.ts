/**
 * Fixed-bucket latency histograms, one per slot (API key), in one flat array: recording is a
 * short scan and two increments, no allocation. Exported as Prometheus histograms, so the
 * buckets are cumulative only when read (`cumulative`).
 */

/** Upper bounds in milliseconds; a last, implicit bucket holds everything above (+Inf). */
export const LATENCY_BUCKETS_MS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

const BOUNDS = Float64Array.from(LATENCY_BUCKETS_MS);
const WIDTH = BOUNDS.length + 1;

export class LatencyHistograms {
  readonly slots: number;
  /** slot * WIDTH + bucket: observations in that bucket alone. */
  private readonly buckets: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;

  constructor(slots: number) {
    this.slots = slots;
    this.buckets = new Float64Array(slots * WIDTH);
    this.sums = new Float64Array(slots);
    this.counts = new Float64Array(slots);
  }

  record(slot: number, ms: number): void {
    const v = ms > 0 ? ms : 0;
    let b = 0;
    while (b < BOUNDS.length && v > BOUNDS[b]!) b++;
    this.buckets[slot * WIDTH + b]! += 1;
    this.sums[slot]! += v;
    this.counts[slot]! += 1;
  }

  count(slot: number): number {
    return this.counts[slot]!;
  }

  /** Sum of the observations of `slot`, in milliseconds. */
  sum(slot: number): number {
    return this.sums[slot]!;
  }

  /** Observations of `slot` in bucket `b` alone (b < LATENCY_BUCKETS_MS.length + 1; the last is +Inf). */
  bucket(slot: number, b: number): number {
    return this.buckets[slot * WIDTH + b]!;
  }

  /** Cumulative counts per bound of LATENCY_BUCKETS_MS, then +Inf (which equals count). */
  cumulative(slot: number): number[] {
    const out = new Array<number>(WIDTH);
    let total = 0;
    for (let b = 0; b < WIDTH; b++) {
      total += this.buckets[slot * WIDTH + b]!;
      out[b] = total;
    }
    return out;
  }
}
