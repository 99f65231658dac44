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
import { ELR_OFF, sameMembers, targetElr, withElr, withoutUncleanReplicas, type ElrSettings } from './elr.js';

export const NO_LEADER = -1;

/**
 * The partition after the controller's reaction to the live broker set; null when nothing
 * changes. With ELR on (`elr.enabled`, elr.ts) the ISR may go empty, the replicas leaving it
 * while it is below the min ISR join the ELR, and with an empty ISR an acceptable ELR member
 * leads cleanly, the ISR becoming that member alone (PartitionChangeBuilder.electAnyLeader).
 */
export function electAndShrink(
  prev: PartitionRecord,
  live: ReadonlySet<number>,
  uncleanAllowed: boolean,
  elr: ElrSettings = ELR_OFF,
  uncleanShutdown: readonly number[] = [],
): PartitionRecord | null {
  // Brokers back from an unclean shutdown leave the ELR and LastKnownELR first (KIP-966): they
  // may have lost records, so they must not lead from the ELR (elr.ts).
  const p = withoutUncleanReplicas(prev, uncleanShutdown);
  const liveIsr = p.isr.filter((id) => live.has(id));
  let isr = liveIsr.length > 0 || elr.enabled ? liveIsr : p.isr;
  let { elr: nextElr, lastKnownElr } = targetElr(p, isr, elr, uncleanShutdown);
  // A valid leader is live and in the ISR, or, with the ISR empty, in the ELR. With ELR off
  // the stored ELR still counts (Kafka leaves it as it was until the partition changes,
  // which then clears it), so a partition whose ISR emptied under ELR is not stranded.
  const candidates = elr.enabled ? nextElr : (p.elr ?? []);
  const valid = (id: number): boolean => live.has(id) && (isr.includes(id) || (isr.length === 0 && candidates.includes(id)));
  let leader = p.leader;
  if (leader === NO_LEADER || !valid(leader)) {
    const clean = p.replicas.find(valid);
    if (clean !== undefined) {
      leader = clean;
      if (!isr.includes(clean)) {
        // From the ELR: the ISR becomes the new leader alone.
        isr = [clean];
        nextElr = nextElr.filter((id) => id !== clean);
      }
    } else if (uncleanAllowed && p.replicas.some((id) => live.has(id))) {
      leader = p.replicas.find((id) => live.has(id))!;
      isr = [leader];
      // An unclean election forgets the ELR: nobody but the new leader is known to be in sync.
      nextElr = [];
      lastKnownElr = [];
    } else {
      leader = NO_LEADER;
      // Without ELR the ISR keeps its last member(s), dead as they are: the data only they hold
      // is not given up. With ELR the ISR empties and the ELR remembers them.
    }
  }
  // Only a leader or ISR change, or an unclean shutdown's removal from the ELR, writes; the ELR
  // fields change with them (a stale ELR after the feature went to 0 is cleared by the
  // partition's next change, as in Kafka).
  if (leader === p.leader && sameMembers(isr, p.isr)) return p === prev ? null : { ...p, partitionEpoch: p.partitionEpoch + 1 };
  return withElr({
    ...p, // an ongoing reassignment's adding and removing replicas stay
    isr,
    leader,
    leaderEpoch: leader === p.leader ? p.leaderEpoch : p.leaderEpoch + 1,
    partitionEpoch: p.partitionEpoch + 1,
  }, { elr: nextElr, lastKnownElr });
}

/** A new partition: every replica in the ISR, the first leads (all replicas are live brokers). */
export function newPartition(replicas: readonly number[]): PartitionRecord {
  return { replicas: [...replicas], isr: [...replicas], leader: replicas[0] ?? NO_LEADER, leaderEpoch: 0, partitionEpoch: 0 };
}
