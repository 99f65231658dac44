/**
 * What a leader knows of one follower of a partition (Kafka's Replica and ReplicaState): the
 * log end and start offsets of its last fetch, and the last time it was caught up, which
 * decides whether it stays in the ISR (`replica.lag.time.max.ms`).
 *
 * "Caught up" follows Kafka: a fetch at or past the leader's log end catches the follower up
 * at that fetch's time; a fetch that reached the leader's log end as of the follower's
 * previous fetch catches it up at that previous fetch's time. So a follower that keeps
 * fetching everything the leader had a moment ago stays in sync under a steady stream of
 * appends, and one that stops fetching, or falls further behind, ages out.
 */

/** The offset of a replica the leader has not heard from (LogOffsetMetadata.UNKNOWN_OFFSET_METADATA). */
export const UNKNOWN_OFFSET = -1;

export class ReplicaState {
  readonly brokerId: number;
  logEndOffset = UNKNOWN_OFFSET;
  logStartOffset = UNKNOWN_OFFSET;
  /** When the follower was last known to have the leader's whole log (0: never). */
  lastCaughtUpTimeMs = 0;
  /** The leader's log end offset at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset = UNKNOWN_OFFSET;
  lastFetchTimeMs = 0;

  constructor(brokerId: number) {
    this.brokerId = brokerId;
  }

  /** Replica.updateFetchStateOrThrow: the follower fetched from `fetchOffset` at `nowMs`. */
  updateFetchState(fetchOffset: number, followerStartOffset: number, nowMs: number, leaderEndOffset: number): void {
    if (fetchOffset >= leaderEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, nowMs);
    } else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    }
    this.logStartOffset = followerStartOffset;
    this.logEndOffset = fetchOffset;
    this.lastFetchLeaderLogEndOffset = leaderEndOffset;
    this.lastFetchTimeMs = nowMs;
  }

  /**
   * Replica.resetReplicaState, when this broker becomes leader: offsets unknown; a follower
   * in the ISR counts as caught up now (it has the time to prove it), the others never.
   */
  reset(nowMs: number, leaderEndOffset: number, inSync: boolean): void {
    this.lastCaughtUpTimeMs = inSync ? nowMs : 0;
    this.logEndOffset = UNKNOWN_OFFSET;
    this.logStartOffset = UNKNOWN_OFFSET;
    this.lastFetchLeaderLogEndOffset = leaderEndOffset;
    this.lastFetchTimeMs = inSync ? nowMs : 0;
  }

  /** Replica.isCaughtUp: at the leader's log end, or caught up within `maxLagMs`. */
  isCaughtUp(leaderEndOffset: number, nowMs: number, maxLagMs: number): boolean {
    return leaderEndOffset === this.logEndOffset || nowMs - this.lastCaughtUpTimeMs <= maxLagMs;
  }
}
