/**
 * Elections asked for by an admin (ElectLeaders) or by the controller's leader rebalance,
 * after Kafka's ReplicationControlManager.electLeader and PartitionChangeBuilder's
 * PREFERRED and UNCLEAN elections:
 *
 *   - PREFERRED: nothing to do (ELECTION_NOT_NEEDED) when the first replica leads; else the
 *     first replica leads if it is live, not shutting down and in the ISR; else the current
 *     leader stays if it may, and the election changed nothing: PREFERRED_LEADER_NOT_AVAILABLE.
 *   - UNCLEAN: nothing to do when the partition has a leader; else a live ISR member in replica
 *     order, else the first live replica with the ISR reduced to it; none:
 *     ELIGIBLE_LEADERS_NOT_AVAILABLE.
 *
 * With the ISR empty, an ELR member (KIP-966) is as good as an ISR member for both: it leads
 * cleanly and the ISR becomes it alone; an unclean election clears the ELR and LastKnownELR.
 *
 * A change bumps the leader epoch (the leader changed) and the partition epoch, and is written
 * guarded by the partition key's mod revision it was computed from (compare-and-swap).
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { encodeRecord, type PartitionRecord } from './cluster-keys.js';
import { modRevisionIs, type Compare, type Op } from './kv/kv.js';
import type { MetadataImage } from './metadata-image.js';
import { NO_LEADER } from './partition-change.js';
import { elrEnabled, uncleanlyShutDown, withElr, withoutUncleanReplicas } from './elr.js';

/** Kafka's ElectionType. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

/** The partition as elections see it (a PartitionRecord, or a served PartitionMetadata). */
export interface ElectablePartition {
  replicas: readonly number[];
  isr: readonly number[];
  leader: number;
  elr?: readonly number[];
  lastKnownElr?: readonly number[];
}

/** What an election changes: the leader, the ISR and the ELR fields. */
export interface ElectionChange {
  leader: number;
  isr: number[];
  elr: number[];
  lastKnownElr: number[];
}

export interface ElectionOutcome {
  errorCode: number;
  /** The change when the election changes the partition (errorCode NONE). */
  change: ElectionChange | null;
}

/** PartitionChangeBuilder.isValidNewLeader: in the ISR, or in the ELR while the ISR is empty. */
function validLeader(p: ElectablePartition, id: number, acceptable: (id: number) => boolean): boolean {
  return (p.isr.includes(id) || (p.isr.length === 0 && (p.elr ?? []).includes(id))) && acceptable(id);
}

/** A clean election of `id`: from the ELR, the ISR becomes `id` alone and `id` leaves the ELR. */
function cleanChange(p: ElectablePartition, id: number): ElectionChange {
  const elr = p.elr ?? [];
  const lastKnownElr = [...(p.lastKnownElr ?? [])];
  if (p.isr.length === 0 && elr.includes(id)) return { leader: id, isr: [id], elr: elr.filter((e) => e !== id), lastKnownElr };
  return { leader: id, isr: [...p.isr], elr: [...elr], lastKnownElr };
}

const NOT_NEEDED: ElectionOutcome = { errorCode: ErrorCode.ELECTION_NOT_NEEDED, change: null };

/**
 * The outcome of an election of `type` on `p`. `acceptable(id)` says whether a broker may lead
 * (registered, not in controlled shutdown). An unknown election type is INVALID_REQUEST.
 */
export function decideElection(p: ElectablePartition, type: number, acceptable: (id: number) => boolean): ElectionOutcome {
  if (type === ElectionType.PREFERRED) {
    const preferred = p.replicas[0] ?? NO_LEADER;
    if (p.leader === preferred) return NOT_NEEDED;
    if (preferred !== NO_LEADER && validLeader(p, preferred, acceptable)) return { errorCode: ErrorCode.NONE, change: cleanChange(p, preferred) };
    // Kafka elects another ISR member only when the current leader may not lead; the
    // controller has done that already when a leader is lost, so nothing changes here.
    if (p.leader === NO_LEADER || !acceptable(p.leader)) {
      const other = p.replicas.find((id, i) => i > 0 && validLeader(p, id, acceptable));
      if (other !== undefined) return { errorCode: ErrorCode.NONE, change: cleanChange(p, other) };
    }
    return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, change: null };
  }
  if (type === ElectionType.UNCLEAN) {
    if (p.leader !== NO_LEADER) return NOT_NEEDED;
    const clean = p.replicas.find((id) => validLeader(p, id, acceptable));
    if (clean !== undefined) return { errorCode: ErrorCode.NONE, change: cleanChange(p, clean) };
    const any = p.replicas.find((id) => acceptable(id));
    if (any !== undefined) return { errorCode: ErrorCode.NONE, change: { leader: any, isr: [any], elr: [], lastKnownElr: [] } };
    return { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, change: null };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, change: null };
}

/** Kafka's messages for the per-partition errors (null when none). */
export function electionErrorMessage(errorCode: number, topic: string, partition: number): string | null {
  switch (errorCode) {
    case ErrorCode.NONE:
      return null;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      return `No such partition as ${topic}-${partition}`;
    case ErrorCode.ELECTION_NOT_NEEDED:
      return 'Leader election not needed for topic partition.';
    case ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE:
      return `Failed to elect leader for partition ${topic}-${partition} under strategy PreferredReplicaPartitionLeaderElectionStrategy`;
    case ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE:
      return `Failed to elect leader for partition ${topic}-${partition} under strategy UncleanPartitionLeaderElectionStrategy`;
    case ErrorCode.INVALID_REQUEST:
      return 'Unknown election type.';
    default:
      return null;
  }
}

/** May `id` lead, as the image sees it: registered and not in controlled shutdown. */
export function acceptableLeaders(image: MetadataImage): (id: number) => boolean {
  return (id) => {
    const b = image.brokers.get(id);
    return b !== undefined && b.record.shuttingDown !== true;
  };
}

/** The partition record after an election's change; with ELR off (`elrOn` false) its ELR fields are cleared. */
export function applyElection(p: PartitionRecord, change: ElectionChange, elrOn = true): PartitionRecord {
  return withElr({
    ...p,
    isr: change.isr,
    leader: change.leader,
    leaderEpoch: change.leader === p.leader ? p.leaderEpoch : p.leaderEpoch + 1,
    partitionEpoch: p.partitionEpoch + 1,
  }, elrOn ? change : { elr: [], lastKnownElr: [] });
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface ElectionResult extends PartitionRef {
  errorCode: number;
}

/** One partition's election, with the guarded write when it changes something. */
export interface PlannedElection extends ElectionResult {
  compare: Compare | null;
  op: Op | null;
}

/**
 * The elections of one ElectLeaders request against the image. `partitions` null means every
 * partition of every topic, and then, as Kafka does, partitions that need no election are
 * left out of the results.
 */
export function planElections(image: MetadataImage, type: number, partitions: readonly PartitionRef[] | null): PlannedElection[] {
  const acceptable = acceptableLeaders(image);
  const elrOn = elrEnabled(image.features);
  const unclean = uncleanlyShutDown(image);
  const out: PlannedElection[] = [];
  const one = (topic: string, partition: number): PlannedElection => {
    const p = image.topicRecords.has(topic) ? image.partitionRecords.get(topic)?.get(partition) : undefined;
    if (p === undefined) return { topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, compare: null, op: null };
    // A broker back from an unclean shutdown is no ELR candidate (KIP-966, elr.ts).
    const outcome = decideElection(withoutUncleanReplicas(p.record, unclean), type, acceptable);
    if (outcome.change === null) return { topic, partition, errorCode: outcome.errorCode, compare: null, op: null };
    const key = image.keys.partition(topic, partition);
    return { topic, partition, errorCode: ErrorCode.NONE, compare: modRevisionIs(key, p.modRevision), op: { type: 'put', key, value: encodeRecord(applyElection(p.record, outcome.change, elrOn)) } };
  };
  if (partitions !== null) {
    for (const r of partitions) out.push(one(r.topic, r.partition));
    return out;
  }
  for (const topic of [...image.topicRecords.keys()].sort()) {
    const present = image.presentPartitions(topic);
    for (let i = 0; i < present.length; i++) {
      const e = one(topic, i);
      if (e.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) out.push(e);
    }
  }
  return out;
}

/**
 * The partitions whose preferred replica does not lead although it could (live, not shutting
 * down, in the ISR): what the controller's automatic leader rebalance elects
 * (`auto.leader.rebalance.enable`, Kafka's maybeBalancePartitionLeaders), at most `limit`.
 */
export function imbalancedPartitions(image: MetadataImage, limit: number): PartitionRef[] {
  const acceptable = acceptableLeaders(image);
  const out: PartitionRef[] = [];
  for (const [topic, parts] of image.partitionRecords) {
    if (!image.topicRecords.has(topic)) continue;
    for (const [partition, p] of parts) {
      const r = p.record;
      if (r.leader === NO_LEADER) continue;
      const preferred = r.replicas[0];
      if (preferred === undefined || preferred === r.leader || !r.isr.includes(preferred) || !acceptable(preferred)) continue;
      out.push({ topic, partition });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
