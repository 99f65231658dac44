/**
 * Paces a sender to a target rate, as Kafka's ThroughputThrottler does: after `sent`
 * records, the sender should be `sent / rate` seconds in; when it is ahead, it waits the
 * difference. A rate of -1 (or any value ≤ 0) means unlimited.
 */
export class Pacer {
  private readonly perMs: number;
  private readonly start: number;

  constructor(recordsPerSecond: number, start = performance.now()) {
    this.perMs = recordsPerSecond > 0 ? recordsPerSecond / 1000 : Infinity;
    this.start = start;
  }

  get unlimited(): boolean {
    return this.perMs === Infinity;
  }

  /** Records the schedule allows by `now` (Infinity when unlimited). */
  allowed(now = performance.now()): number {
    if (this.perMs === Infinity) return Infinity;
    return Math.floor((now - this.start) * this.perMs) + 1;
  }

  /** Milliseconds until record number `sent` (0-based) is due; 0 when it is due already. */
  delayFor(sent: number, now = performance.now()): number {
    if (this.perMs === Infinity) return 0;
    const due = this.start + sent / this.perMs;
    return due > now ? due - now : 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets I/O callbacks run between chunks of synchronous work. */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
