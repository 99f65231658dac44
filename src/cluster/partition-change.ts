/**
 * How the controller changes a partition when brokers come and go, after Kafka's
 * PartitionChangeBuilder (QuorumController): a fenced broker leaves the ISR (except the last
 * member, which stays so that the partition knows who holds the newest data), and a
 * partition without a live leader elects the first replica, in replica order, that is live
 * and in the ISR. Only with `unclean.leader.election.enable` may a live replica outside the
 * ISR lead, and the ISR is then that replica alone. The leader epoch is bumped when the
 * leader changes, the partition epoch on every change.
 */
import type { PartitionRecord } from './cluster-keys.js';

export const NO_LEADER = -1;

/** The partition after the controller's reaction to the live broker set; null when nothing changes. */
export function electAndShrink(p: PartitionRecord, live: ReadonlySet<number>, uncleanAllowed: boolean): PartitionRecord | null {
  const liveIsr = p.isr.filter((id) => live.has(id));
  let leader = p.leader;
  let isr = liveIsr.length > 0 ? liveIsr : p.isr;
  if (leader === NO_LEADER || !live.has(leader)) {
    const clean = p.replicas.find((id) => live.has(id) && liveIsr.includes(id));
    if (clean !== undefined) {
      leader = clean;
    } else if (uncleanAllowed && p.replicas.some((id) => live.has(id))) {
      leader = p.replicas.find((id) => live.has(id))!;
      isr = [leader];
    } else {
      leader = NO_LEADER;
      // The ISR keeps its last member(s), dead as they are: the data only they hold is not given up.
    }
  }
  const isrChanged = isr.length !== p.isr.length || isr.some((id, i) => id !== p.isr[i]);
  if (leader === p.leader && !isrChanged) return null;
  return {
    ...p, // an ongoing reassignment's adding and removing replicas stay
    isr,
    leader,
    leaderEpoch: leader === p.leader ? p.leaderEpoch : p.leaderEpoch + 1,
    partitionEpoch: p.partitionEpoch + 1,
  };
}

/** A new partition: every replica in the ISR, the first leads (all replicas are live brokers). */
export function newPartition(replicas: readonly number[]): PartitionRecord {
  return { replicas: [...replicas], isr: [...replicas], leader: replicas[0] ?? NO_LEADER, leaderEpoch: 0, partitionEpoch: 0 };
}
