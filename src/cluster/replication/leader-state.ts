/**
 * The leader's side of one replicated partition (the leader half of Kafka's Partition): the
 * committed ISR and the change to it in flight, each follower's fetch state, and the rules
 * that follow from them —
 *
 *   - the high watermark is the smallest log end offset among the leader and the followers
 *     of the maximal ISR (the committed ISR, plus a replica being added), and it does not move
 *     while the ISR is below `min.insync.replicas` (Kafka 3.7+, KIP-966);
 *   - a follower joins the ISR once it has fetched up to the high watermark and to the start
 *     of the current leader epoch (Partition.isFollowerInSync);
 *   - an ISR follower that has not been caught up within `replica.lag.time.max.ms` leaves it
 *     (Partition.getOutOfSyncReplicas);
 *   - an acks=all append is done once the high watermark passes it, with
 *     NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR is then below the minimum
 *     (Partition.checkEnoughReplicasReachOffset).
 *
 * ISR changes are proposed here and written by the caller (AlterPartition, alter-partition.ts);
 * one at a time, as in Kafka, and the committed state only changes when the metadata image
 * brings the written partition back (`update`).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ReplicaState } from './replica-state.js';

/** The partition's entry in the metadata image, as the leader needs it. */
export interface LeaderPartitionView {
  replicas: readonly number[];
  isr: readonly number[];
  leaderEpoch: number;
  partitionEpoch?: number;
}

export const enum IsrChange {
  Expand = 1,
  Shrink = 2,
}

export interface PendingIsrChange {
  kind: IsrChange;
  /** The ISR proposed. */
  isr: number[];
  /** The partition epoch it was computed from. */
  partitionEpoch: number;
}

export interface ReachResult {
  done: boolean;
  errorCode: number;
}

const NOT_YET: ReachResult = Object.freeze({ done: false, errorCode: ErrorCode.NONE });
const REACHED: ReachResult = Object.freeze({ done: true, errorCode: ErrorCode.NONE });
const REACHED_UNDER_MIN_ISR: ReachResult = Object.freeze({ done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND });

export class LeaderState {
  readonly nodeId: number;
  readonly leaderEpoch: number;
  /** The log end offset when this broker became leader of this epoch. */
  readonly leaderEpochStartOffset: number;
  partitionEpoch: number;
  replicas: number[];
  /** The committed ISR, as the metadata image holds it. */
  isr: number[];
  pending: PendingIsrChange | null = null;
  readonly followers = new Map<number, ReplicaState>();

  constructor(nodeId: number, p: LeaderPartitionView, leaderEndOffset: number, nowMs: number) {
    this.nodeId = nodeId;
    this.leaderEpoch = p.leaderEpoch;
    this.leaderEpochStartOffset = leaderEndOffset;
    this.partitionEpoch = p.partitionEpoch ?? 0;
    this.replicas = [...p.replicas];
    this.isr = [...p.isr];
    for (const id of this.replicas) {
      if (id === nodeId) continue;
      const r = new ReplicaState(id);
      r.reset(nowMs, leaderEndOffset, this.isr.includes(id));
      this.followers.set(id, r);
    }
  }

  /**
   * The image changed the partition within this leader epoch (an ISR change committed, by
   * this leader or by the controller, or a new replica set): adopt it; the change in flight
   * is over when the image moved past the epoch it was computed from.
   */
  update(p: LeaderPartitionView, leaderEndOffset: number, nowMs: number): void {
    const epoch = p.partitionEpoch ?? 0;
    this.partitionEpoch = epoch;
    this.replicas = [...p.replicas];
    this.isr = [...p.isr];
    if (this.pending !== null && epoch > this.pending.partitionEpoch) this.pending = null;
    for (const id of this.replicas) {
      if (id === this.nodeId || this.followers.has(id)) continue;
      const r = new ReplicaState(id);
      r.reset(nowMs, leaderEndOffset, false);
      this.followers.set(id, r);
    }
    for (const id of [...this.followers.keys()]) if (!this.replicas.includes(id)) this.followers.delete(id);
  }

  /** Kafka's maximalIsr: the committed ISR, or with an expansion in flight the ISR it proposes. */
  get maximalIsr(): readonly number[] {
    return this.pending !== null && this.pending.kind === IsrChange.Expand ? this.pending.isr : this.isr;
  }

  isUnderMinIsr(minIsr: number): boolean {
    return this.isr.length < minIsr;
  }

  /** The high watermark the replicas allow: the least log end offset in the maximal ISR. */
  highWatermarkCandidate(leaderEndOffset: number): number {
    let hw = leaderEndOffset;
    const isr = this.maximalIsr;
    for (const r of this.followers.values()) {
      if (r.logEndOffset < hw && isr.includes(r.brokerId)) hw = r.logEndOffset;
    }
    return hw;
  }

  /** Records a follower's fetch; false when `replicaId` is not a replica of the partition. */
  updateFollower(replicaId: number, fetchOffset: number, followerStartOffset: number, nowMs: number, leaderEndOffset: number): boolean {
    const r = this.followers.get(replicaId);
    if (r === undefined) return false;
    r.updateFetchState(fetchOffset, followerStartOffset, nowMs, leaderEndOffset);
    return true;
  }

  /** The ISR with `replicaId` added, when it has earned its place and no change is in flight. */
  expansionFor(replicaId: number, highWatermark: number): number[] | null {
    if (this.pending !== null || this.maximalIsr.includes(replicaId)) return null;
    const r = this.followers.get(replicaId);
    if (r === undefined) return null;
    if (r.logEndOffset < highWatermark || r.logEndOffset < this.leaderEpochStartOffset) return null;
    return [...this.isr, replicaId];
  }

  /** The ISR without the followers that fell behind for longer than `maxLagMs`; null when none did. */
  shrinkCandidate(leaderEndOffset: number, nowMs: number, maxLagMs: number): number[] | null {
    if (this.pending !== null) return null;
    const out = this.isr.filter((id) => {
      if (id === this.nodeId) return false;
      const r = this.followers.get(id);
      return r === undefined || !r.isCaughtUp(leaderEndOffset, nowMs, maxLagMs);
    });
    if (out.length === 0) return null;
    return this.isr.filter((id) => !out.includes(id));
  }

  beginChange(kind: IsrChange, isr: number[]): void {
    this.pending = { kind, isr, partitionEpoch: this.partitionEpoch };
  }

  /** The write was refused or failed: the image says what holds; propose again later. */
  abandonChange(): void {
    this.pending = null;
  }

  /** Partition.checkEnoughReplicasReachOffset for a waiting acks=all append. */
  checkEnoughReplicasReachOffset(requiredOffset: number, highWatermark: number, minIsr: number): ReachResult {
    if (highWatermark < requiredOffset) return NOT_YET;
    return this.maximalIsr.length >= minIsr ? REACHED : REACHED_UNDER_MIN_ISR;
  }
}
