/**
 * The flush policy of one partition log (Kafka's `flush.messages`, `flush.ms` and
 * UnifiedLog.flush). An append asks for an fsync of the `.log` data once `flush.messages`
 * offsets wait for one; every append that asks while an fsync runs shares the next one
 * (group commit). A full flush (data and indexes, then the recovery point) runs after a roll,
 * on `flush.ms` and at close, one at a time per log.
 */
import { GroupCommit } from './group-commit.js';
import type { LocalLog } from './local-log.js';

const noop = () => {};

export class LogFlusher {
  private readonly local: LocalLog;
  /** Offsets below this are fsynced (data only; the recovery point also needs indexes). */
  private durable = 0;
  private readonly groupCommit = new GroupCommit(() => this.syncData(this.local.logEndOffset));
  private fullFlushChain: Promise<void> = Promise.resolve();

  constructor(local: LocalLog) {
    this.local = local;
  }

  /** Offsets below this have been fsynced. */
  get durableOffset(): number {
    return this.durable;
  }

  /** A loaded log: what lies below its recovery point is on disk. */
  loadedAt(recoveryPoint: number): void {
    this.durable = recoveryPoint;
  }

  /** The log was cut at `offset`: nothing at or past it is durable any more. */
  truncatedTo(offset: number): void {
    if (this.durable > offset) this.durable = offset;
  }

  /** After an append: the fsync the flush policy asks for now, or null when none is due. */
  afterAppend(): Promise<void> | null {
    if (this.local.logEndOffset - this.durable < this.local.config['flush.messages']) return null;
    return this.groupCommit.request();
  }

  /**
   * For a retried batch already in the log, ending before `end`: the fsync its first append
   * would have waited for, or null when none is due.
   */
  durableFor(end: number): Promise<void> | null {
    if (end <= this.durable || end - this.durable < this.local.config['flush.messages']) return null;
    return this.awaitDurable(end);
  }

  /** Waits until every offset below `offset` (default: the log end offset) is fsynced. */
  awaitDurable(offset = this.local.logEndOffset): Promise<void> {
    if (offset <= this.durable) return Promise.resolve();
    return this.groupCommit.request();
  }

  /** Flushes the log and indexes up to `offset` and moves the recovery point there; serialized. */
  flush(offset = this.local.logEndOffset): Promise<void> {
    const p = this.fullFlushChain.then(() => this.fullFlush(offset));
    this.fullFlushChain = p.catch(noop);
    return p;
  }

  /** After a roll to `target`: `first` (the producer snapshot), then the old segment, off the append path. */
  flushAfterRoll(first: () => Promise<void>, target: number): void {
    this.fullFlushChain = this.fullFlushChain.then(first).then(() => this.fullFlush(target)).catch(noop);
  }

  /** The periodic flusher's check: a flush when `flush.ms` has passed since the last one. */
  maybeFlushByTime(now: number): Promise<void> | null {
    const local = this.local;
    if (local.logEndOffset - local.recoveryPoint <= 0 || now - local.lastFlushTime < local.config['flush.ms']) return null;
    return this.flush();
  }

  /** Waits for the flushes and the fsync under way (close). */
  async drain(): Promise<void> {
    await this.fullFlushChain;
    if (this.groupCommit.inFlight) await this.groupCommit.inFlight.catch(noop);
  }

  /** Flushes up to `offset` now, outside the chain (close, after `drain`). */
  async fullFlush(offset: number): Promise<void> {
    const local = this.local;
    if (offset <= local.recoveryPoint || local.isClosed) return;
    local.checkOnline();
    await local.flush(offset);
    if (local.recoveryPoint > this.durable) this.durable = local.recoveryPoint;
  }

  private async syncData(target: number): Promise<void> {
    await this.local.flushData();
    if (target > this.durable) this.durable = target;
  }
}
