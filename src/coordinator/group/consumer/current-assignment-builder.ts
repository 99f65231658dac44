/**
 * Reconciliation (Kafka's CurrentAssignmentBuilder): moves a member from its current
 * assignment towards its target assignment, one safe step per heartbeat.
 *
 *   STABLE ──new target epoch──▶ partitions to revoke? ──yes──▶ UNREVOKED_PARTITIONS (epoch kept)
 *                                       │ no                          │ member reports them gone
 *                                       ▼                             ▼
 *                 some target partitions still owned by others?  (epoch + 1, reconcile again)
 *                   yes ▶ UNRELEASED_PARTITIONS (target epoch, gets the free ones)
 *                   no  ▶ STABLE (target epoch, whole target)
 *
 * Revoke before assign: a member gives up partitions while it stays in its epoch, and is
 * given new ones only once it has nothing left to revoke; a partition is given only when no
 * other member holds it (its partition epoch is -1).
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import { addPartition, topicIdHex, type TopicPartitions, type WireTopicPartitions } from './assignment.js';
import { ConsumerMember, MemberState } from './consumer-member.js';
import { GroupError } from './errors.js';

/** (topic id, partition) → epoch of the member holding it, -1 when free. */
export type PartitionEpochLookup = (topicId: string, partition: number) => number;

export interface ReconcileInput {
  member: ConsumerMember;
  targetEpoch: number;
  target: TopicPartitions;
  currentPartitionEpoch: PartitionEpochLookup;
  /** The partitions the member says it owns; null when the heartbeat did not say. */
  owned: readonly WireTopicPartitions[] | null;
}

/** The member after one reconciliation step (the same object when nothing changed). */
export function reconcile(input: ReconcileInput): ConsumerMember {
  const { member, targetEpoch } = input;
  switch (member.state) {
    case MemberState.Stable:
      if (member.memberEpoch !== targetEpoch) return computeNextAssignment(input, member.memberEpoch);
      return member;
    case MemberState.UnrevokedPartitions:
      // Waiting until the member stops reporting the partitions it must revoke.
      if (ownsAny(input.owned, member.partitionsPendingRevocation)) return member;
      return computeNextAssignment(input, member.memberEpoch + 1);
    case MemberState.UnreleasedPartitions:
      return computeNextAssignment(input, member.memberEpoch);
    default:
      // A state this coordinator does not know: start again from nothing.
      if (input.owned === null || input.owned.length > 0) {
        throw new GroupError(ErrorCode.FENCED_MEMBER_EPOCH, 'The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin.');
      }
      return computeNextAssignment(input, targetEpoch);
  }
}

/** Whether the member still reports any of `partitions` (always true when it reports nothing). */
function ownsAny(owned: readonly WireTopicPartitions[] | null, partitions: TopicPartitions): boolean {
  if (owned === null) return true;
  for (const tp of owned) {
    const ps = partitions.get(topicIdHex(tp.topicId));
    if (ps === undefined) continue;
    for (const p of tp.partitions) if (ps.has(p)) return true;
  }
  return false;
}

function computeNextAssignment(input: ReconcileInput, memberEpoch: number): ConsumerMember {
  const { member, target, targetEpoch, currentPartitionEpoch } = input;
  const current = member.assignedPartitions;
  let hasUnreleased = false;
  const assigned: TopicPartitions = new Map();
  const pendingRevocation: TopicPartitions = new Map();
  const pendingAssignment: TopicPartitions = new Map();

  const topics = new Set([...target.keys(), ...current.keys()]);
  for (const topicId of topics) {
    const want = target.get(topicId);
    const have = current.get(topicId);
    if (have !== undefined) {
      for (const p of have) {
        if (want?.has(p) === true) addPartition(assigned, topicId, p);
        else addPartition(pendingRevocation, topicId, p);
      }
    }
    if (want !== undefined) {
      for (const p of want) {
        if (have?.has(p) === true) continue;
        if (currentPartitionEpoch(topicId, p) !== -1) hasUnreleased = true;
        else addPartition(pendingAssignment, topicId, p);
      }
    }
  }

  if (pendingRevocation.size > 0 && ownsAny(input.owned, pendingRevocation)) {
    return member.withEpoch(memberEpoch, MemberState.UnrevokedPartitions, assigned, pendingRevocation);
  }
  for (const [topicId, ps] of pendingAssignment) for (const p of ps) addPartition(assigned, topicId, p);
  const state = hasUnreleased ? MemberState.UnreleasedPartitions : MemberState.Stable;
  return member.withEpoch(targetEpoch, state, assigned, new Map());
}
