/**
 * Where each share-partition's records lie in one __share_group_state partition, for pruning
 * (Kafka's ShareCoordinatorOffsetsManager): a share-partition's state is its latest snapshot
 * and the updates after it, so nothing below the oldest of those snapshots is needed, and the
 * partition's log start offset may move up to it (Kafka deletes the records, as DeleteRecords).
 *
 * Only committed records count: a share-partition keeps the last snapshot below the high
 * watermark (and any after it), so a snapshot an ISR change loses leaves the one before it in
 * the log. A deleted share-partition stops counting once its tombstone is committed.
 */
import type { SharePartitionKey } from './share-state-records.js';

interface KeyOffsets {
  key: SharePartitionKey;
  /** Offsets of its snapshots still needed, ascending: the last committed one and those after. */
  snapshots: number[];
  /** Offset of its tombstone, -1 while it is live. */
  tombstone: number;
  /** When it was last written (clock ms): a share-partition not written for a while is cold. */
  lastWriteAt: number;
}

export class SnapshotOffsets {
  private readonly keys = new Map<string, KeyOffsets>();
  /** The offset after the last record seen. */
  private end = 0;
  /** The end when the last cold snapshots were taken (snapshotsToRefresh). */
  private coldMark = 0;

  snapshot(k: string, key: SharePartitionKey, offset: number, now: number): void {
    const e = this.keys.get(k);
    if (e === undefined) this.keys.set(k, { key, snapshots: [offset], tombstone: -1, lastWriteAt: now });
    else {
      e.snapshots.push(offset);
      e.tombstone = -1;
      e.lastWriteAt = now;
    }
    this.seen(offset);
  }

  update(k: string, offset: number, now: number): void {
    const e = this.keys.get(k);
    if (e !== undefined) e.lastWriteAt = now;
    this.seen(offset);
  }

  deleted(k: string, offset: number): void {
    const e = this.keys.get(k);
    if (e !== undefined) e.tombstone = offset;
    this.seen(offset);
  }

  /**
   * The offset below which no record is needed, never past `highWatermark`: the oldest
   * snapshot a live share-partition still needs, or the end when none is live.
   */
  redundantBelow(highWatermark: number): number {
    let below = Math.min(this.end, highWatermark);
    for (const [k, e] of this.keys) {
      if (e.tombstone >= 0 && e.tombstone < highWatermark) {
        this.keys.delete(k);
        continue;
      }
      // The last committed snapshot; the ones before it are needed no more.
      let i = e.snapshots.length - 1;
      while (i > 0 && e.snapshots[i]! >= highWatermark) i--;
      if (i > 0) e.snapshots.splice(0, i);
      const first = e.snapshots[0];
      if (first !== undefined && first < below) below = first;
    }
    return below;
  }

  /**
   * Live share-partitions not written for `intervalMs` whose latest snapshot lies before the
   * records written since the last call (Kafka's cold partition snapshots): a fresh snapshot
   * of each lets pruning pass them. None when nothing was written since the last call.
   */
  snapshotsToRefresh(now: number, intervalMs: number): SharePartitionKey[] {
    const out: SharePartitionKey[] = [];
    if (this.end > this.coldMark) {
      for (const e of this.keys.values()) {
        const latest = e.snapshots[e.snapshots.length - 1];
        if (e.tombstone < 0 && latest !== undefined && latest < this.coldMark && now - e.lastWriteAt >= intervalMs) out.push(e.key);
      }
    }
    return out;
  }

  /** After the cold snapshots were written (or none were due): the records since count from here. */
  markCold(): void {
    this.coldMark = this.end;
  }

  private seen(offset: number): void {
    if (offset + 1 > this.end) this.end = offset + 1;
  }
}
