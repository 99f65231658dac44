/**
 * The share coordinator's state of one __share_group_state partition (Kafka's
 * ShareCoordinatorShard): each share-partition's latest ShareSnapshot with the ShareUpdates
 * since merged in. Writes become records here — a snapshot for a share-partition's first write
 * and then every share.coordinator.snapshot.update.records.per.snapshot updates, an update
 * otherwise — and the state changes only by replaying records, the same way for a write just
 * appended and for the log read back at load.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { PersistedShareState, PersisterStateBatch } from './record-state.js';
import {
  ShareRecordType, stateKey,
  type SharePartitionKey, type ShareSnapshot, type ShareStateRecord,
} from './share-state-records.js';

interface Entry {
  key: SharePartitionKey;
  snapshot: ShareSnapshot;
  /** ShareUpdates replayed on the snapshot. */
  updates: number;
}

export type StoreWrite = { errorCode: number; records: ShareStateRecord[] };

export interface ShareStateSummary {
  stateEpoch: number;
  leaderEpoch: number;
  startOffset: number;
  deliveryCompleteCount: number;
}

export class ShareStateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly updatesPerSnapshot: number;

  constructor(updatesPerSnapshot: number) {
    this.updatesPerSnapshot = updatesPerSnapshot;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The state as read by a leader (its leader epoch checked), or null when there is none. */
  read(key: SharePartitionKey, leaderEpoch: number): { errorCode: number; state: PersistedShareState | null } {
    const e = this.entries.get(stateKey(key));
    if (e === undefined) return { errorCode: ErrorCode.NONE, state: null };
    if (leaderEpoch !== -1 && leaderEpoch < e.snapshot.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, state: null };
    const s = e.snapshot;
    return { errorCode: ErrorCode.NONE, state: { stateEpoch: s.stateEpoch, startOffset: s.startOffset, deliveryCompleteCount: s.deliveryCompleteCount, batches: s.batches.map((b) => ({ ...b })) } };
  }

  /** ReadShareGroupStateSummary: the state's epochs, start offset and delivered count, without its batches; null when none. */
  summary(key: SharePartitionKey): ShareStateSummary | null {
    const s = this.entries.get(stateKey(key))?.snapshot;
    return s === undefined ? null : { stateEpoch: s.stateEpoch, leaderEpoch: s.leaderEpoch, startOffset: s.startOffset, deliveryCompleteCount: s.deliveryCompleteCount };
  }

  /** The records a write makes, or its error (nothing to append then). */
  write(key: SharePartitionKey, leaderEpoch: number, state: PersistedShareState, now: number): StoreWrite {
    const e = this.entries.get(stateKey(key));
    if (e !== undefined) {
      if (leaderEpoch < e.snapshot.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, records: [] };
      if (state.stateEpoch < e.snapshot.stateEpoch) return { errorCode: ErrorCode.FENCED_STATE_EPOCH, records: [] };
    }
    if (e === undefined || e.updates >= this.updatesPerSnapshot) {
      const base = e?.snapshot;
      const startOffset = state.startOffset >= 0 ? state.startOffset : (base?.startOffset ?? -1);
      const value: ShareSnapshot = {
        snapshotEpoch: base === undefined ? 0 : base.snapshotEpoch + 1,
        stateEpoch: state.stateEpoch,
        leaderEpoch,
        startOffset,
        deliveryCompleteCount: state.deliveryCompleteCount,
        createTimestamp: base?.createTimestamp ?? now,
        writeTimestamp: now,
        batches: combineBatches(base?.batches ?? [], state.batches, startOffset),
      };
      return { errorCode: ErrorCode.NONE, records: [{ type: ShareRecordType.Snapshot, key, value }] };
    }
    return {
      errorCode: ErrorCode.NONE,
      records: [{
        type: ShareRecordType.Update, key,
        value: { snapshotEpoch: e.snapshot.snapshotEpoch, leaderEpoch, startOffset: state.startOffset, deliveryCompleteCount: state.deliveryCompleteCount, batches: state.batches },
      }],
    };
  }

  /** A fresh snapshot at `startOffset` with nothing in flight and leader epoch -1 (any leader may write next). */
  initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number, now: number): StoreWrite {
    const e = this.entries.get(stateKey(key));
    if (e !== undefined && stateEpoch < e.snapshot.stateEpoch) return { errorCode: ErrorCode.FENCED_STATE_EPOCH, records: [] };
    const value: ShareSnapshot = {
      snapshotEpoch: e === undefined ? 0 : e.snapshot.snapshotEpoch + 1,
      stateEpoch, leaderEpoch: -1, startOffset, deliveryCompleteCount: 0,
      createTimestamp: now, writeTimestamp: now, batches: [],
    };
    return { errorCode: ErrorCode.NONE, records: [{ type: ShareRecordType.Snapshot, key, value }] };
  }

  /**
   * A snapshot of the state as it is (a cold share-partition's, so that pruning can pass its
   * older records); nothing when there is no state.
   */
  snapshotNow(key: SharePartitionKey, now: number): StoreWrite {
    const e = this.entries.get(stateKey(key));
    if (e === undefined) return { errorCode: ErrorCode.NONE, records: [] };
    const value: ShareSnapshot = { ...e.snapshot, snapshotEpoch: e.snapshot.snapshotEpoch + 1, writeTimestamp: now, batches: e.snapshot.batches.map((b) => ({ ...b })) };
    return { errorCode: ErrorCode.NONE, records: [{ type: ShareRecordType.Snapshot, key, value }] };
  }

  /** The share-partitions with state of a topic (Kafka's ShareCoordinatorShard, when the topic is deleted). */
  keysOfTopic(topicId: string): SharePartitionKey[] {
    const out: SharePartitionKey[] = [];
    for (const e of this.entries.values()) if (e.key.topicId === topicId) out.push(e.key);
    return out;
  }

  /** Tombstones for both of the share-partition's keys. */
  delete(key: SharePartitionKey): StoreWrite {
    return { errorCode: ErrorCode.NONE, records: [{ type: ShareRecordType.Snapshot, key, value: null }, { type: ShareRecordType.Update, key, value: null }] };
  }

  replay(r: ShareStateRecord): void {
    const k = stateKey(r.key);
    if (r.type === ShareRecordType.Snapshot) {
      if (r.value === null) this.entries.delete(k);
      else this.entries.set(k, { key: r.key, snapshot: r.value, updates: 0 });
      return;
    }
    const e = this.entries.get(k);
    // An update belongs to the snapshot of its epoch; a stray one (its snapshot deleted or replaced) is dropped.
    if (r.value === null || e === undefined || r.value.snapshotEpoch !== e.snapshot.snapshotEpoch) return;
    const u = r.value;
    const s = e.snapshot;
    const startOffset = u.startOffset >= 0 ? u.startOffset : s.startOffset;
    e.snapshot = {
      ...s,
      leaderEpoch: u.leaderEpoch,
      startOffset,
      deliveryCompleteCount: u.deliveryCompleteCount,
      batches: combineBatches(s.batches, u.batches, startOffset),
    };
    e.updates++;
  }
}

/**
 * Kafka's PersisterStateBatchCombiner: the newer batches win where they overlap the older
 * ones, nothing before `startOffset` is kept, and neighbours with the same state and count
 * are joined. Both lists are in offset order.
 */
export function combineBatches(older: readonly PersisterStateBatch[], newer: readonly PersisterStateBatch[], startOffset: number): PersisterStateBatch[] {
  const pieces: PersisterStateBatch[] = [];
  for (const o of older) {
    let parts: PersisterStateBatch[] = [{ ...o }];
    for (const n of newer) {
      if (n.lastOffset < o.firstOffset || n.firstOffset > o.lastOffset) continue;
      const next: PersisterStateBatch[] = [];
      for (const p of parts) {
        if (n.lastOffset < p.firstOffset || n.firstOffset > p.lastOffset) {
          next.push(p);
          continue;
        }
        if (p.firstOffset < n.firstOffset) next.push({ ...p, lastOffset: n.firstOffset - 1 });
        if (p.lastOffset > n.lastOffset) next.push({ ...p, firstOffset: n.lastOffset + 1 });
      }
      parts = next;
    }
    pieces.push(...parts);
  }
  for (const n of newer) pieces.push({ ...n });
  pieces.sort((a, b) => a.firstOffset - b.firstOffset);
  const out: PersisterStateBatch[] = [];
  for (const p of pieces) {
    if (p.lastOffset < startOffset) continue;
    const piece = p.firstOffset < startOffset ? { ...p, firstOffset: startOffset } : p;
    const last = out[out.length - 1];
    if (last !== undefined && last.lastOffset + 1 === piece.firstOffset && last.deliveryState === piece.deliveryState && last.deliveryCount === piece.deliveryCount) {
      last.lastOffset = piece.lastOffset;
    } else {
      out.push(piece);
    }
  }
  return out;
}
