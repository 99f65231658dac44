/**
 * acks=all produces waiting for the ISR (Kafka's DelayedProduce and its purgatory). An append
 * that the high watermark has not reached yet parks here, watched by its partition; the
 * partition is checked whenever its high watermark or leadership changes, and each waiter is
 * answered with the partition's verdict (an error code) or, at its `timeout_ms`,
 * REQUEST_TIMED_OUT. One timer serves the whole purgatory, armed for the earliest deadline.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Clock, ClockTimer } from '../kv/clock.js';

/** The verdict on a waiting append: an error code (NONE: acknowledged), or null while it must wait. */
export type ProduceCheck<P> = (partition: P, requiredOffset: number) => number | null;

export class DelayedProduce<P> {
  readonly partition: P;
  readonly requiredOffset: number;
  readonly deadline: number;
  readonly promise: Promise<number>;
  resolve!: (errorCode: number) => void;
  done = false;

  constructor(partition: P, requiredOffset: number, deadline: number) {
    this.partition = partition;
    this.requiredOffset = requiredOffset;
    this.deadline = deadline;
    this.promise = new Promise<number>((resolve) => {
      this.resolve = resolve;
    });
  }
}

export class ProducePurgatory<P extends object> {
  private readonly clock: Clock;
  private readonly check: ProduceCheck<P>;
  private readonly byPartition = new Map<P, Set<DelayedProduce<P>>>();
  private timer: ClockTimer | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private count = 0;

  constructor(clock: Clock, check: ProduceCheck<P>) {
    this.clock = clock;
    this.check = check;
  }

  /** Appends waiting (for tests and metrics). */
  get size(): number {
    return this.count;
  }

  /**
   * Waits until `check` decides the append that ends before `requiredOffset`, or `timeoutMs`.
   * Decided at once when it can be (no waiting, no timer).
   */
  wait(partition: P, requiredOffset: number, timeoutMs: number): number | Promise<number> {
    const now = this.check(partition, requiredOffset);
    if (now !== null) return now;
    const d = new DelayedProduce(partition, requiredOffset, this.clock.now() + Math.max(0, timeoutMs));
    let set = this.byPartition.get(partition);
    if (set === undefined) this.byPartition.set(partition, (set = new Set()));
    set.add(d);
    this.count++;
    this.arm(d.deadline);
    return d.promise;
  }

  /** The partition's high watermark or leadership changed: answers the waiters it decides. */
  checkPartition(partition: P): void {
    const set = this.byPartition.get(partition);
    if (set === undefined) return;
    for (const d of set) {
      const code = this.check(partition, d.requiredOffset);
      if (code !== null) this.finish(set, d, code);
    }
    if (set.size === 0) this.byPartition.delete(partition);
  }

  /** Every partition with waiters checked again (leadership re-applied after a fenced period). */
  checkAll(): void {
    for (const partition of [...this.byPartition.keys()]) this.checkPartition(partition);
  }

  /** Answers every waiter with `errorCode` (shutdown). */
  completeAll(errorCode: number): void {
    for (const set of this.byPartition.values()) for (const d of set) this.finish(set, d, errorCode);
    this.byPartition.clear();
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private finish(set: Set<DelayedProduce<P>>, d: DelayedProduce<P>, code: number): void {
    set.delete(d);
    this.count--;
    d.done = true;
    d.resolve(code);
  }

  private arm(at: number): void {
    if (at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.clock.schedule(at - this.clock.now(), () => this.expire());
  }

  private expire(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [partition, set] of this.byPartition) {
      for (const d of set) {
        if (d.deadline <= now) {
          // A last look, as Kafka's forceComplete does: the verdict if there is one, else the timeout.
          this.finish(set, d, this.check(partition, d.requiredOffset) ?? ErrorCode.REQUEST_TIMED_OUT);
        } else if (d.deadline < next) {
          next = d.deadline;
        }
      }
      if (set.size === 0) this.byPartition.delete(partition);
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}
