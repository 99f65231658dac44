/**
 * The transactions the cleaner meets while it walks the log (Kafka's
 * CleanedTransactionMetadata): which batches belong to aborted transactions (removed at
 * once, whatever their keys), and when a marker may go.
 *
 * The aborted transactions of the range being cleaned come from the transaction indexes, in
 * first-offset order; one becomes "ongoing" when the walk reaches its first offset and ends
 * at its producer's ABORT marker. A batch of a producer with an ongoing abort is aborted data.
 * A marker is kept while batches of its transaction were seen in this walk: an ABORT then
 * also gets its entry in the cleaned segment's transaction index (it still has data to hide);
 * otherwise the marker may go once its delete horizon (`delete.retention.ms` after the clean
 * that found it removable) has passed, as tombstones do.
 */
import type { AbortedTxn } from '../transaction-index.js';
import type { TransactionIndex } from '../transaction-index.js';

interface OngoingAbort {
  readonly txn: AbortedTxn;
  /** Last offset of the last batch of the transaction seen, -1 when none. */
  lastObservedBatchOffset: number;
}

/** What a control batch is, for `onControlBatchRead`. */
export const enum ControlBatchKind {
  /** Emptied by an earlier clean. */
  Empty = 0,
  Abort = 1,
  Commit = 2,
  /** Another control record type. */
  Other = 3,
}

export class CleanedTxns {
  private readonly ongoingCommitted = new Set<number>();
  private readonly ongoingAborted = new Map<number, OngoingAbort>();
  /** Aborted transactions not reached yet, by first offset; `next` is the head. */
  private pending: AbortedTxn[] = [];
  private next = 0;
  /** Where retained aborts are indexed: the transaction index of the segment being written. */
  cleanedIndex: TransactionIndex | null = null;

  /** Adds aborted transactions found in the transaction indexes for the range about to be walked. */
  addAbortedTransactions(list: readonly AbortedTxn[]): void {
    if (list.length === 0) return;
    const rest = this.pending.slice(this.next).concat(list);
    rest.sort((a, b) => a.firstOffset - b.firstOffset);
    this.pending = rest;
    this.next = 0;
  }

  private consumeAbortedTxnsUpTo(offset: number): void {
    const pending = this.pending;
    while (this.next < pending.length && pending[this.next]!.firstOffset <= offset) {
      const txn = pending[this.next++]!;
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { txn, lastObservedBatchOffset: -1 });
    }
  }

  /**
   * A data batch was read: true when it belongs to an aborted transaction (all its records
   * may go).
   */
  onBatchRead(producerId: number, lastOffset: number, transactional: boolean): boolean {
    this.consumeAbortedTxnsUpTo(lastOffset);
    if (!transactional) return false;
    const abort = this.ongoingAborted.get(producerId);
    if (abort !== undefined) {
      abort.lastObservedBatchOffset = lastOffset;
      return true;
    }
    this.ongoingCommitted.add(producerId);
    return false;
  }

  /** A control batch was read: true when it may be discarded (subject to its delete horizon). */
  onControlBatchRead(producerId: number, lastOffset: number, kind: ControlBatchKind): boolean {
    this.consumeAbortedTxnsUpTo(lastOffset);
    switch (kind) {
      case ControlBatchKind.Empty:
        return true;
      case ControlBatchKind.Abort: {
        const abort = this.ongoingAborted.get(producerId);
        this.ongoingAborted.delete(producerId);
        if (abort !== undefined && abort.lastObservedBatchOffset >= 0) {
          // The transaction still has batches in the log: keep the marker and its index entry.
          this.cleanedIndex?.append(abort.txn);
          return false;
        }
        return true;
      }
      case ControlBatchKind.Commit:
        // Removable once no batch of the transaction was seen.
        return !this.ongoingCommitted.delete(producerId);
      default:
        return false;
    }
  }
}
