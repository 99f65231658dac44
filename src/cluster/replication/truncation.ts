/**
 * Where a follower cuts its log so it never diverges from the leader's (KIP-101, KIP-279;
 * Kafka's AbstractFetcherThread.getOffsetTruncationState). The leader said where an epoch of
 * the follower's ends in its own log (OffsetForLeaderEpoch, or a Fetch's diverging epoch);
 * the follower keeps what both logs agree on:
 *
 *   - the leader knows no epoch history (end offset undefined): down to the high watermark;
 *   - the leader's epoch is undefined (it knows nothing that old): down to its end offset;
 *   - the leader answered an epoch the follower knows: down to where that epoch ends on both;
 *   - an epoch the follower does not have: down to the end of the follower's largest epoch
 *     below it, then ask again with the follower's new latest epoch (not complete);
 *   - the follower tracked no epoch there at all: down to the leader's end offset.
 *
 * Never past the follower's own log end.
 */
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset } from '../../storage/leader-epoch-cache.js';

export interface TruncationState {
  offset: number;
  /** False: truncate, then ask the leader again. */
  complete: boolean;
}

/** The follower's side: its log end, high watermark and epoch history. */
export interface FollowerEpochs {
  readonly logEndOffset: number;
  readonly highWatermark: number;
  /** Its end offset of the largest epoch <= `epoch`; epoch UNDEFINED_EPOCH when it has none. */
  endOffsetForEpoch(epoch: number): EpochEndOffset;
}

export function truncationState(leader: EpochEndOffset, follower: FollowerEpochs): TruncationState {
  const end = follower.logEndOffset;
  if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) return { offset: Math.min(follower.highWatermark, end), complete: true };
  if (leader.epoch === UNDEFINED_EPOCH) return { offset: Math.min(leader.endOffset, end), complete: true };
  const own = follower.endOffsetForEpoch(leader.epoch);
  if (own.epoch === UNDEFINED_EPOCH || own.endOffset === UNDEFINED_EPOCH_OFFSET) return { offset: Math.min(leader.endOffset, end), complete: true };
  if (own.epoch !== leader.epoch) return { offset: Math.min(own.endOffset, end), complete: false };
  return { offset: Math.min(own.endOffset, leader.endOffset, end), complete: true };
}
