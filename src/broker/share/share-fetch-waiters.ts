/**
 * ShareFetches waiting for records (Kafka's DelayedShareFetch in its purgatory): a ShareFetch
 * that acquired nothing parks until its max wait ends, or until something may make records
 * available — a high watermark move on one of its logs (through the fetch purgatory's log
 * watchers) or records released on a share-partition (an acknowledgement, an expired lock) —
 * and then tries again. Wake-ups are batched into one setImmediate; expiry is one timer for
 * all, armed for the earliest deadline (parked ShareFetches are few: one per share consumer).
 */
import type { LogWaiter } from '../fetch/partition-watchers.js';
import type { PartitionLog } from '../../storage/partition-log.js';

export interface ShareWaitHost {
  watch(log: PartitionLog, waiter: LogWaiter): void;
  unwatch(log: PartitionLog, waiter: LogWaiter): void;
}

export class ShareFetchWaiter implements LogWaiter {
  readonly logs: readonly PartitionLog[];
  readonly deadline: number;
  /** Tries to acquire again: true when the fetch is done (answered). */
  readonly retry: () => Promise<boolean>;
  /** Answers with what there is (nothing): its max wait is over. */
  readonly expire: () => void;
  done = false;
  queued = false;
  private readonly owner: ShareFetchWaiters;

  constructor(owner: ShareFetchWaiters, logs: readonly PartitionLog[], deadline: number, retry: () => Promise<boolean>, expire: () => void) {
    this.owner = owner;
    this.logs = logs;
    this.deadline = deadline;
    this.retry = retry;
    this.expire = expire;
  }

  onLogChanged(): void {
    this.owner.wake(this);
  }
}

export class ShareFetchWaiters {
  private readonly host: ShareWaitHost;
  private readonly now: () => number;
  private readonly parked = new Set<ShareFetchWaiter>();
  private dirty: ShareFetchWaiter[] = [];
  private checkScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(host: ShareWaitHost, now: () => number) {
    this.host = host;
    this.now = now;
  }

  get size(): number {
    return this.parked.size;
  }

  park(logs: readonly PartitionLog[], maxWaitMs: number, retry: () => Promise<boolean>, expire: () => void): ShareFetchWaiter {
    const w = new ShareFetchWaiter(this, logs, this.now() + maxWaitMs, retry, expire);
    this.parked.add(w);
    for (const log of logs) this.host.watch(log, w);
    if (w.deadline < this.timerAt) this.arm(w.deadline);
    return w;
  }

  /** Records may have become available on some share-partition: every parked fetch tries again. */
  wakeAll(): void {
    for (const w of this.parked) this.wake(w);
  }

  /** Answers every parked fetch now (shutdown). */
  expireAll(): void {
    for (const w of [...this.parked]) this.finish(w, true);
  }

  wake(w: ShareFetchWaiter): void {
    if (w.queued || w.done) return;
    w.queued = true;
    this.dirty.push(w);
    if (!this.checkScheduled) {
      this.checkScheduled = true;
      setImmediate(() => void this.check());
    }
  }

  private async check(): Promise<void> {
    this.checkScheduled = false;
    const list = this.dirty;
    this.dirty = [];
    for (const w of list) {
      w.queued = false;
      if (w.done) continue;
      let finished: boolean;
      try {
        finished = await w.retry();
      } catch {
        finished = false;
      }
      if (finished) this.finish(w, false);
    }
  }

  private finish(w: ShareFetchWaiter, expire: boolean): void {
    if (w.done) return;
    w.done = true;
    this.parked.delete(w);
    for (const log of w.logs) this.host.unwatch(log, w);
    if (expire) w.expire();
  }

  private arm(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, at - this.now()));
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const w of [...this.parked]) {
      if (w.deadline <= now) this.finish(w, true);
      else if (w.deadline < next) next = w.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}
