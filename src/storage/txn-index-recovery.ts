/**
 * Rebuilding the transaction indexes of segments the loader recovers (Kafka's
 * LogLoader.recoverSegment, which hands LogSegment.recover a ProducerStateManager as of the
 * segment's base offset). An aborted transaction's entry needs its first offset, which may lie
 * in an earlier segment, so the producer state at the segment's start is rebuilt first — from
 * the newest snapshot at or below it and the batches between — and then the segment's own
 * batches are replayed through it: every abort they complete gets its entry again.
 *
 * Consecutive segments (recovery goes on from the recovery point to the end) reuse the state
 * the previous one left. Snapshots are only read here, never written or deleted: the
 * partition's own producer state is rebuilt after loading.
 */
import { BatchScanner, CONTROL_MASK, ATTRIBUTES_OFFSET } from './batch.js';
import type { LogSegment, BatchVisitor, SegmentContext } from './log-segment.js';
import type { LogSegments } from './log-segments.js';
import { ProducerStateManager } from './producer-state.js';

const CHUNK = 1 << 16;

/** Applies one batch to `state`; completed aborts go into `seg`'s index when it is given. */
function replay(state: ProducerStateManager, buf: Buffer, at: number, seg: LogSegment | null): void {
  const txn = state.update(buf, at);
  if (txn === null) return;
  if (seg !== null) seg.updateTxnIndex(txn, state.lastStableOffsetOf(txn));
  state.completeTxn(txn);
}

function isControl(scanner: BatchScanner): boolean {
  return (scanner.buffer.readInt16BE(scanner.at + ATTRIBUTES_OFFSET) & CONTROL_MASK) !== 0;
}

export class TxnIndexRecovery {
  private state: ProducerStateManager | null = null;

  constructor(
    private readonly ctx: SegmentContext,
    private readonly dir: string,
    private readonly logStartOffset: number,
  ) {}

  /**
   * Empties `seg`'s transaction index and returns the visitor that refills it while
   * `seg.recover` walks the segment's valid batches. `segments` holds the segments before it.
   */
  visitorFor(seg: LogSegment, segments: LogSegments): BatchVisitor {
    const state = this.stateAt(seg.baseOffset, segments);
    seg.txnIndex.reset();
    return (scanner) => replay(state, scanner.buffer, scanner.at, seg);
  }

  /** Rebuilds `seg`'s transaction index from its batch headers (its indexes were missing or corrupt). */
  rebuild(seg: LogSegment, segments: LogSegments): void {
    const visit = this.visitorFor(seg, segments);
    this.walk(seg, 0, visit);
  }

  /** The producer state as of `offset`, replaying the log from the newest snapshot at or below it. */
  private stateAt(offset: number, segments: LogSegments): ProducerStateManager {
    if (this.state !== null && this.state.mapEndOffset === offset) return this.state;
    const state = new ProducerStateManager(this.ctx.fs, this.dir, this.ctx.logger);
    const loaded = state.loadSnapshotAtOrBelow(offset);
    const from = Math.max(loaded < 0 ? 0 : loaded, this.logStartOffset);
    for (const seg of segments.range(from, offset)) {
      if (seg.baseOffset >= offset) break;
      const start = seg.baseOffset >= from ? 0 : seg.positionOf(from);
      this.walk(seg, start, (scanner) => {
        if (scanner.lastOffset >= from && scanner.baseOffset < offset) replay(state, scanner.buffer, scanner.at, null);
      });
    }
    state.mapEndOffset = offset;
    this.state = state;
    return state;
  }

  /** Walks `seg`'s batches from `start`, with the whole batch at hand for control batches. */
  private walk(seg: LogSegment, start: number, visit: BatchVisitor): void {
    const scanner = new BatchScanner(this.ctx.fs, this.ctx.fds.fd(seg.logFile), start, seg.size, false, CHUNK);
    while (scanner.next()) {
      if (isControl(scanner) && !scanner.whole()) break;
      visit(scanner);
    }
  }
}
