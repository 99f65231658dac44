/**
 * Deletes files of removed segments after `file.delete.delay.ms` (Kafka renames them to
 * `.deleted` and schedules the removal), so a read still in progress never loses its file.
 * One queue checked by the owner's periodic task: no timer per segment.
 */
import type { LogSegment } from './log-segment.js';
import type { StorageLogger } from './logger.js';

interface Pending {
  segment: LogSegment;
  dueAt: number;
}

export class DeferredDeleter {
  private queue: Pending[] = [];

  constructor(private readonly logger: StorageLogger) {}

  get pending(): number {
    return this.queue.length;
  }

  schedule(segment: LogSegment, dueAt: number): void {
    this.queue.push({ segment, dueAt });
  }

  /** Deletes every segment due at `now`; returns how many. */
  runDue(now: number): number {
    if (this.queue.length === 0) return 0;
    const keep: Pending[] = [];
    let n = 0;
    for (const p of this.queue) {
      if (p.dueAt <= now) {
        this.deleteNow(p.segment);
        n++;
      } else keep.push(p);
    }
    this.queue = keep;
    return n;
  }

  /** Deletes everything queued (shutdown, or a deleted partition). */
  runAll(): void {
    for (const p of this.queue) this.deleteNow(p.segment);
    this.queue = [];
  }

  private deleteNow(segment: LogSegment): void {
    try {
      segment.deleteFiles();
    } catch (e) {
      this.logger.warn(`failed to delete ${segment.logFile.path}: ${(e as Error).message}`);
    }
  }
}
