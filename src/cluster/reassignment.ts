/**
 * Partition reassignments, after Kafka's ReplicationControlManager (alterPartitionReassignments,
 * listPartitionReassignments) and PartitionReassignmentReplicas / PartitionReassignmentRevert:
 *
 *   - a reassignment to `target` puts the target replicas first in the replica set, followed
 *     by the current replicas not in the target (`removingReplicas`); target replicas not yet
 *     present are `addingReplicas`. The new replicas create their logs and fetch from the
 *     leader like any follower, and join the ISR once caught up;
 *   - it completes when every target replica is in the ISR: the removing replicas leave the
 *     replica set and the ISR, and a leader outside the target gives way to the first target
 *     replica that may lead. The controller makes that change (planReassignmentCompletions);
 *     a target already in the ISR (a pure removal, a reordering) completes at once;
 *   - cancelling (null replicas) reverts to the replicas without the adding ones; with no ISR
 *     member left that way it needs an unclean election (ELIGIBLE_LEADERS_NOT_AVAILABLE unless
 *     `unclean.leader.election.enable`).
 *
 * The state lives in the partition record (`addingReplicas`, `removingReplicas`), so another
 * controller carries a reassignment on after a failover. A change that removes replicas or
 * moves the leader bumps the leader epoch (so removed replicas are fenced); every change bumps
 * the partition epoch.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { encodeRecord, type PartitionRecord } from './cluster-keys.js';
import { modRevisionIs, type Compare, type Op } from './kv/kv.js';
import type { MetadataImage } from './metadata-image.js';
import { acceptableLeaders } from './leader-election.js';
import { NO_LEADER } from './partition-change.js';
import type { OngoingReassignment } from '../common/partition-reassignment.js';

/** Kafka's message for NO_REASSIGNMENT_IN_PROGRESS (ApiError's default). */
export const NO_REASSIGNMENT_MESSAGE = 'No partition reassignment is in progress.';

export interface ReassignmentProblem {
  errorCode: number;
  message: string | null;
}

/** True while a reassignment of the partition is in progress. */
export function reassigning(p: PartitionRecord): boolean {
  return (p.addingReplicas?.length ?? 0) > 0 || (p.removingReplicas?.length ?? 0) > 0;
}

/** Kafka's validateManualPartitionAssignment for a reassignment's target. */
export function validateTarget(target: readonly number[], registered: (id: number) => boolean): ReassignmentProblem | null {
  if (target.length === 0) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'The manual partition assignment includes an empty replica list.' };
  const seen = new Set<number>();
  for (const id of target) {
    if (seen.has(id)) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `The manual partition assignment includes the broker ${id} more than once.` };
    seen.add(id);
    if (!registered(id)) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `The manual partition assignment includes broker ${id}, but no such broker is registered.` };
  }
  return null;
}

/** The record once a reassignment to `target` starts (and, when nothing is left to catch up, completes). */
export function startReassignment(p: PartitionRecord, target: readonly number[], acceptable: (id: number) => boolean): PartitionRecord {
  const removing = p.replicas.filter((id) => !target.includes(id));
  const adding = target.filter((id) => !p.replicas.includes(id));
  const started: PartitionRecord = withReassignment({ ...p, replicas: [...target, ...removing] }, adding, removing);
  return finishChange(p, maybeCompleteReassignment(started) ?? started, acceptable);
}

/** The record once an ongoing reassignment is cancelled, or the problem that prevents it. */
export function cancelReassignment(p: PartitionRecord, acceptable: (id: number) => boolean, uncleanAllowed: boolean): PartitionRecord | ReassignmentProblem {
  const adding = p.addingReplicas ?? [];
  const replicas = p.replicas.filter((id) => !adding.includes(id));
  let isr = p.isr.filter((id) => !adding.includes(id));
  if (isr.length === 0) {
    // Only replicas being added were in sync: going back needs an unclean election.
    const any = replicas.find(acceptable);
    if (!uncleanAllowed || any === undefined) {
      return { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, message: 'Unable to revert partition assignment because it would require an unclean leader election.' };
    }
    isr = [any];
  }
  return finishChange(p, withReassignment({ ...p, replicas, isr }, [], []), acceptable);
}

/**
 * Completes a reassignment whose target replicas are all in the ISR: the removing replicas go
 * from the replicas and the ISR. Null when there is none, or it cannot complete yet.
 */
export function maybeCompleteReassignment(p: PartitionRecord): PartitionRecord | null {
  if (!reassigning(p)) return null;
  const removing = p.removingReplicas ?? [];
  const replicas = p.replicas.filter((id) => !removing.includes(id));
  const isr = p.isr.filter((id) => !removing.includes(id));
  if (isr.length === 0 || !replicas.every((id) => isr.includes(id))) return null;
  return withReassignment({ ...p, replicas, isr }, [], []);
}

/** Elects a leader when the current one may no longer lead, and bumps the epochs. */
function finishChange(before: PartitionRecord, after: PartitionRecord, acceptable: (id: number) => boolean): PartitionRecord {
  let leader = after.leader;
  if (leader === NO_LEADER || !after.isr.includes(leader) || !acceptable(leader)) {
    leader = after.replicas.find((id) => after.isr.includes(id) && acceptable(id)) ?? NO_LEADER;
  }
  const removed = before.replicas.some((id) => !after.replicas.includes(id));
  return {
    ...after,
    leader,
    leaderEpoch: leader !== before.leader || removed ? before.leaderEpoch + 1 : before.leaderEpoch,
    partitionEpoch: before.partitionEpoch + 1,
  };
}

function withReassignment(p: PartitionRecord, adding: number[], removing: number[]): PartitionRecord {
  const { addingReplicas: _a, removingReplicas: _r, ...rest } = p;
  return {
    ...rest,
    ...(adding.length > 0 ? { addingReplicas: adding } : {}),
    ...(removing.length > 0 ? { removingReplicas: removing } : {}),
  };
}

export interface ReassignmentRequest {
  topic: string;
  partition: number;
  /** The target replicas; null cancels the ongoing reassignment. */
  replicas: readonly number[] | null;
  /** AlterPartitionReassignments v1: false refuses a target of another replication factor (KIP-860); absent, allowed. */
  allowReplicationFactorChange?: boolean;
}

/**
 * ReplicationControlManager.validatePartitionReplicationFactorUnchanged: the partition's
 * replication factor (its replicas less those a reassignment is adding) against the target's.
 */
export function replicationFactorProblem(replicas: readonly number[], adding: readonly number[], target: readonly number[]): ReassignmentProblem | null {
  let current = replicas.length;
  for (const id of adding) if (replicas.includes(id)) current--;
  if (current === target.length) return null;
  return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: `The replication factor is changed from ${current} to ${target.length}` };
}

export interface PlannedReassignment {
  topic: string;
  partition: number;
  /** What was asked, to plan it again after a lost race. */
  request: ReassignmentRequest;
  errorCode: number;
  message: string | null;
  compare: Compare | null;
  op: Op | null;
}

/** AlterPartitionReassignments against the image: each partition's outcome and guarded write. */
export function planReassignments(image: MetadataImage, requests: readonly ReassignmentRequest[], uncleanFor: (topic: string) => boolean): PlannedReassignment[] {
  const acceptable = acceptableLeaders(image);
  const registered = (id: number): boolean => image.brokers.has(id);
  return requests.map((request) => {
    const { topic, partition, replicas } = request;
    const refused = (errorCode: number, message: string | null): PlannedReassignment => ({ topic, partition, request, errorCode, message, compare: null, op: null });
    const p = image.topicRecords.has(topic) ? image.partitionRecords.get(topic)?.get(partition) : undefined;
    if (p === undefined) return refused(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${topic}:${partition}.`);
    let next: PartitionRecord;
    if (replicas === null) {
      if (!reassigning(p.record)) return refused(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, NO_REASSIGNMENT_MESSAGE);
      const reverted = cancelReassignment(p.record, acceptable, uncleanFor(topic));
      if ('errorCode' in reverted) return refused(reverted.errorCode, reverted.message);
      next = reverted;
    } else {
      const problem = validateTarget(replicas, registered) ??
        (request.allowReplicationFactorChange !== false ? null : replicationFactorProblem(p.record.replicas, p.record.addingReplicas ?? [], replicas));
      if (problem !== null) return refused(problem.errorCode, problem.message);
      next = startReassignment(p.record, replicas, acceptable);
    }
    const key = image.keys.partition(topic, partition);
    return { topic, partition, request, errorCode: ErrorCode.NONE, message: null, compare: modRevisionIs(key, p.modRevision), op: { type: 'put', key, value: encodeRecord(next) } };
  });
}

/** The controller's writes that complete reassignments whose targets are all in the ISR now. */
export function planReassignmentCompletions(image: MetadataImage): Array<{ compare: Compare; op: Op }> {
  const acceptable = acceptableLeaders(image);
  const out: Array<{ compare: Compare; op: Op }> = [];
  for (const [topic, parts] of image.partitionRecords) {
    if (!image.topicRecords.has(topic)) continue;
    for (const [partition, p] of parts) {
      const done = maybeCompleteReassignment(p.record);
      if (done === null) continue;
      const key = image.keys.partition(topic, partition);
      out.push({ compare: modRevisionIs(key, p.modRevision), op: { type: 'put', key, value: encodeRecord(finishChange(p.record, done, acceptable)) } });
    }
  }
  return out;
}

/**
 * ListPartitionReassignments: the ongoing reassignments of the given partitions (null: all),
 * sorted by topic and partition; partitions unknown or not being reassigned are left out, as
 * Kafka leaves them out.
 */
export function listReassignments(image: MetadataImage, partitions: ReadonlyArray<{ topic: string; partition: number }> | null): OngoingReassignment[] {
  const out: OngoingReassignment[] = [];
  const add = (topic: string, partition: number): void => {
    if (!image.topicRecords.has(topic)) return;
    const p = image.partitionRecords.get(topic)?.get(partition)?.record;
    if (p === undefined || !reassigning(p)) return;
    out.push({ topic, partition, replicas: [...p.replicas], addingReplicas: [...(p.addingReplicas ?? [])], removingReplicas: [...(p.removingReplicas ?? [])] });
  };
  if (partitions === null) {
    for (const [topic, parts] of image.partitionRecords) for (const partition of parts.keys()) add(topic, partition);
  } else {
    const seen = new Set<string>();
    for (const { topic, partition } of partitions) {
      const k = `${topic}\u0000${partition}`;
      if (seen.has(k)) continue;
      seen.add(k);
      add(topic, partition);
    }
  }
  return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
