/**
 * Kafka's Rate over a SampledStat, as a client quota sensor measures it: values are summed
 * into `samples` windows of `windowMs` (a window is complete once `windowMs` has passed since
 * it began); windows older than `samples * windowMs` are reset when measured; the rate is the
 * sum over the elapsed time since the oldest window began, counted as at least
 * `samples - 1` full windows, so a client's first burst is averaged over the whole span.
 * Time comes from the caller, so tests move it by hand.
 */
export class WindowedRate {
  private readonly windowMs: number;
  private readonly samples: number;
  private readonly starts: Float64Array;
  private readonly values: Float64Array;
  /** Windows in use (Kafka's list of samples grows to `samples`). */
  private used = 0;
  private current = 0;
  /** When the rate last recorded anything (for expiring idle sensors). */
  lastRecordMs = 0;

  constructor(windowMs: number, samples: number) {
    this.windowMs = windowMs;
    this.samples = Math.max(1, samples);
    this.starts = new Float64Array(this.samples);
    this.values = new Float64Array(this.samples);
  }

  /** SampledStat.record: into the current window, or a new one once it is complete. */
  record(value: number, nowMs: number): void {
    this.lastRecordMs = nowMs;
    if (this.used === 0) this.addWindow(nowMs);
    else if (nowMs - this.starts[this.current]! >= this.windowMs) {
      this.current = (this.current + 1) % this.samples;
      if (this.current >= this.used) this.addWindow(nowMs);
      else {
        this.starts[this.current] = nowMs;
        this.values[this.current] = 0;
      }
    }
    this.values[this.current]! += value;
  }

  /** Rate.measure: per second. */
  measure(nowMs: number): number {
    const expireAge = this.samples * this.windowMs;
    let total = 0;
    for (let i = 0; i < this.used; i++) {
      if (nowMs - this.starts[i]! >= expireAge) {
        this.starts[i] = nowMs;
        this.values[i] = 0;
      }
      total += this.values[i]!;
    }
    return total / (this.windowSize(nowMs) / 1000);
  }

  /** Rate.windowSize: elapsed ms since the oldest window began, at least `samples - 1` windows. */
  windowSize(nowMs: number): number {
    if (this.used === 0) this.addWindow(nowMs);
    let oldest = this.starts[0]!;
    for (let i = 1; i < this.used; i++) if (this.starts[i]! < oldest) oldest = this.starts[i]!;
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.windowMs);
    const minFullWindows = this.samples - 1;
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.windowMs;
    return elapsed;
  }

  private addWindow(nowMs: number): void {
    this.current = this.used++;
    this.starts[this.current] = nowMs;
    this.values[this.current] = 0;
  }
}

/**
 * Sensor.record with a quota, then QuotaUtils.throttleTime: 0 while the rate after recording
 * `value` is within `bound`, else the delay X that brings the observed rate O back to the
 * bound T over the window W (O * W / (W + X) = T, so X = (O - T) / T * W), rounded.
 */
export function recordAndGetThrottleTimeMs(rate: WindowedRate, bound: number, value: number, nowMs: number): number {
  rate.record(value, nowMs);
  const observed = rate.measure(nowMs);
  if (observed <= bound) return 0;
  return Math.round(((observed - bound) / bound) * rate.windowSize(nowMs));
}
