/**
 * Who waits on which partition log. A PartitionLog has one offsets listener; this registry
 * owns it for every log a fetch has waited on (installed the first time, kept for the life of
 * the log) and fans each high watermark change out to the waiters, through one wake function
 * for the whole registry rather than a closure per waiter.
 */
import type { LogOffsetsListener, PartitionLog } from '../../storage/partition-log.js';

/** A waiter other than a fetch (a parked ShareFetch) told when the log it watches changes. */
export interface LogWaiter {
  onLogChanged(): void;
}

export class PartitionWatchers<W> {
  private readonly watches = new WeakMap<PartitionLog, LogWatch<W>>();
  private readonly wake: (waiter: W) => void;

  /** `wake` is called, synchronously from the log's update, once per waiter of a log whose high watermark moved. */
  constructor(wake: (waiter: W) => void) {
    this.wake = wake;
  }

  watch(log: PartitionLog, waiter: W): void {
    let w = this.watches.get(log);
    if (w === undefined) {
      w = new LogWatch(this.wake);
      this.watches.set(log, w);
      log.setOffsetsListener(w);
    }
    w.waiters.add(waiter);
  }

  unwatch(log: PartitionLog, waiter: W): void {
    this.watches.get(log)?.waiters.delete(waiter);
  }

  /** Wakes the waiters on `log` though its high watermark did not move (a leader append, a role change). */
  touch(log: PartitionLog): void {
    this.watches.get(log)?.onHighWatermarkUpdated();
  }

  /** Waiters on `log` (for tests and metrics). */
  count(log: PartitionLog): number {
    return this.watches.get(log)?.waiters.size ?? 0;
  }
}

class LogWatch<W> implements LogOffsetsListener {
  readonly waiters = new Set<W>();
  private readonly wake: (waiter: W) => void;

  constructor(wake: (waiter: W) => void) {
    this.wake = wake;
  }

  onHighWatermarkUpdated(): void {
    if (this.waiters.size === 0) return;
    for (const w of this.waiters) this.wake(w);
  }
}
