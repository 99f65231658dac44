/**
 * Replication throttles (Kafka's ReplicationQuotaManager, one for the leader side and one for
 * the follower side of a broker): which partitions are throttled here, from the topic configs
 * `leader.replication.throttled.replicas` / `follower.replication.throttled.replicas`
 * (`partition:broker` pairs naming this broker, or `*`), and the byte rate of their replication
 * measured against `leader.replication.throttled.rate` / `follower.replication.throttled.rate`.
 *
 * The rate is Kafka's SimpleRate: the bytes of the samples kept (`replication.quota.window.num`
 * windows of `replication.quota.window.size.seconds`) over the time since the oldest sample
 * began, at least one window. The quota is exceeded when that rate is above the bound. Callers
 * decide what to hold back (ReplicaManager.shouldLeaderThrottle, the fetcher's
 * shouldFollowerThrottle): only replicas out of the ISR, so throttling never shrinks an ISR.
 *
 * Time comes from the caller (the replica manager's Clock), so tests move it by hand.
 */

/** Kafka's QuotaConfig.QUOTA_BYTES_PER_SECOND_DEFAULT (Long.MAX_VALUE): no throttle. */
export const UNBOUNDED_RATE = Number.MAX_SAFE_INTEGER;

/** `*`: every partition of the topic. */
const ALL_PARTITIONS: ReadonlySet<number> = new Set<number>();

/**
 * The partitions of a `*.replication.throttled.replicas` value that name `brokerId`
 * (Kafka's parseThrottledPartitions); `'all'` for `*`; an empty set for none. The value has
 * passed the topic config's validator.
 */
export function parseThrottledReplicas(value: string | undefined, brokerId: number): ReadonlySet<number> | 'all' {
  const v = (value ?? '').trim();
  if (v === '*') return 'all';
  const out = new Set<number>();
  if (v === '') return out;
  for (const entry of v.split(',')) {
    const [partition, broker] = entry.trim().split(':');
    if (Number(broker) === brokerId) out.add(Number(partition));
  }
  return out;
}

export class ReplicationQuota {
  private readonly windowMs: number;
  private readonly samples: number;
  private bound = UNBOUNDED_RATE;
  /** Throttled partitions by topic; ALL_PARTITIONS for `*`. */
  private readonly throttled = new Map<string, ReadonlySet<number>>();
  /** Ring of samples: start time and bytes; `current` is the newest. */
  private readonly starts: number[];
  private readonly bytes: number[];
  private current = 0;
  /** Bytes recorded in all (for tests and diagnostics). */
  recordedBytes = 0;

  constructor(windowSeconds: number, windows: number) {
    this.windowMs = Math.max(1, windowSeconds) * 1000;
    this.samples = Math.max(1, windows);
    this.starts = new Array<number>(this.samples).fill(Number.NEGATIVE_INFINITY);
    this.bytes = new Array<number>(this.samples).fill(0);
  }

  /** The bound in bytes per second (UNBOUNDED_RATE: none). */
  get upperBound(): number {
    return this.bound;
  }

  updateQuota(bytesPerSecond: number): void {
    this.bound = bytesPerSecond;
  }

  /** The topic's throttled partitions on this broker (from its topic config); none removes the throttle. */
  markThrottled(topic: string, partitions: ReadonlySet<number> | 'all'): void {
    if (partitions === 'all') this.throttled.set(topic, ALL_PARTITIONS);
    else if (partitions.size === 0) this.throttled.delete(topic);
    else this.throttled.set(topic, partitions);
  }

  removeThrottle(topic: string): void {
    this.throttled.delete(topic);
  }

  isThrottled(topic: string, partition: number): boolean {
    const p = this.throttled.get(topic);
    return p !== undefined && (p === ALL_PARTITIONS || p.has(partition));
  }

  /** Adds replicated bytes to the rate, quota or not (ReplicationQuotaManager.record). */
  record(value: number, nowMs: number): void {
    if (nowMs - this.starts[this.current]! >= this.windowMs) {
      this.current = (this.current + 1) % this.samples;
      this.starts[this.current] = nowMs;
      this.bytes[this.current] = 0;
    }
    this.bytes[this.current]! += value;
    this.recordedBytes += value;
  }

  /** The measured rate in bytes per second (SimpleRate over the samples not yet obsolete). */
  rate(nowMs: number): number {
    let total = 0;
    let oldest = nowMs;
    const expireAge = this.samples * this.windowMs;
    for (let i = 0; i < this.samples; i++) {
      const start = this.starts[i]!;
      if (nowMs - start >= expireAge) continue; // never used, or obsolete (SampledStat.purgeObsoleteSamples)
      total += this.bytes[i]!;
      if (start < oldest) oldest = start;
    }
    return (total * 1000) / Math.max(nowMs - oldest, this.windowMs);
  }

  isQuotaExceeded(nowMs: number): boolean {
    return this.bound !== UNBOUNDED_RATE && this.rate(nowMs) > this.bound;
  }
}
