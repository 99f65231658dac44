/**
 * The transactions of one partition that hold back its last stable offset (the transaction
 * half of Kafka's ProducerStateManager): the ongoing ones, by the offset of their first
 * batch, and the completed ones whose marker the high watermark has not passed yet
 * ("unreplicated": a read_committed consumer may not see past them until it has).
 *
 * A transaction starts at its producer's first transactional batch and completes at its
 * COMMIT or ABORT marker. The first unstable offset is the first offset of the earliest of
 * them; the log's last stable offset is that, capped by the high watermark.
 *
 * Transactions start in offset order (appends only go forward, and a snapshot's are sorted
 * before replay continues after it), so the Map's insertion order is first-offset order and
 * its first entry the earliest.
 */
import type { CompletedTxn } from './transaction-index.js';

export interface TxnMetadata {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The marker's offset once completed, else -1. */
  lastOffset: number;
}

export class OngoingTxns {
  private readonly ongoing = new Map<number, TxnMetadata>();
  private readonly unreplicated = new Map<number, TxnMetadata>();
  /** First offset of the earliest ongoing transaction, -1 when none (kept for the fetch path). */
  private firstOngoing = -1;

  /** Transactions with no marker yet. */
  get ongoingCount(): number {
    return this.ongoing.size;
  }

  /** The ongoing transactions, earliest first (tools and tests). */
  ongoingTxns(): IterableIterator<Readonly<TxnMetadata>> {
    return this.ongoing.values();
  }

  /** Records that `producerId` began a transaction at `firstOffset`. */
  begin(producerId: number, firstOffset: number): void {
    this.ongoing.set(firstOffset, { producerId, firstOffset, lastOffset: -1 });
    if (this.firstOngoing < 0 || firstOffset < this.firstOngoing) this.firstOngoing = firstOffset;
  }

  /**
   * Kafka's ProducerStateManager.lastStableOffset(completedTxn): the last stable offset once
   * `txn` is complete, before it is marked so — the first offset of the earliest ongoing
   * transaction of another producer, else just past the marker. Written into the abort's
   * index entry.
   */
  lastStableOffsetOf(txn: CompletedTxn): number {
    for (const t of this.ongoing.values()) if (t.producerId !== txn.producerId) return t.firstOffset;
    return txn.lastOffset + 1;
  }

  /**
   * Marks `txn` complete (Kafka's completeTxn): it stays unstable until the high watermark
   * passes its marker. False when no transaction started at its first offset.
   */
  complete(txn: CompletedTxn): boolean {
    const t = this.ongoing.get(txn.firstOffset);
    if (t === undefined) return false;
    this.ongoing.delete(txn.firstOffset);
    t.lastOffset = txn.lastOffset;
    this.unreplicated.set(t.firstOffset, t);
    if (t.firstOffset === this.firstOngoing) this.firstOngoing = this.earliestOngoing();
    return true;
  }

  private earliestOngoing(): number {
    for (const t of this.ongoing.values()) return t.firstOffset;
    return -1;
  }

  /** The first offset not yet decided (no marker), -1 when every transaction is (firstUndecidedOffset). */
  firstUndecidedOffset(): number {
    return this.firstOngoing;
  }

  /**
   * The first offset that is undecided, or decided by a marker above the high watermark; -1
   * when there is none (Kafka's firstUnstableOffset).
   */
  firstUnstableOffset(): number {
    let first = this.firstOngoing;
    if (this.unreplicated.size > 0) {
      for (const t of this.unreplicated.values()) if (first < 0 || t.firstOffset < first) first = t.firstOffset;
    }
    return first;
  }

  /** Forgets completed transactions whose marker lies below `offset`. */
  private removeUnreplicated(offset: number): void {
    if (this.unreplicated.size === 0) return;
    for (const [first, t] of this.unreplicated) if (t.lastOffset < offset) this.unreplicated.delete(first);
  }

  /** The high watermark passed the markers below it: their transactions are stable. */
  onHighWatermarkUpdated(highWatermark: number): void {
    this.removeUnreplicated(highWatermark);
  }

  onLogStartOffsetIncremented(logStartOffset: number): void {
    this.removeUnreplicated(logStartOffset);
  }

  clear(): void {
    this.ongoing.clear();
    this.unreplicated.clear();
    this.firstOngoing = -1;
  }
}
