/**
 * The heart of a heartbeat, shared by ConsumerGroupHeartbeat and by classic members' JoinGroup
 * inside a consumer group (Kafka's consumerGroupHeartbeat steps 1-3):
 *
 *  1. The member's new metadata is written; a new member or a changed subscription, or a
 *     change in the subscribed topics' metadata, bumps the group epoch.
 *  2. When the group epoch is ahead of the target assignment's, the assignor computes a new one,
 *     at most once per assignment interval (assignment-interval.ts); meanwhile the last stands.
 *  3. The member takes one reconciliation step towards its target (revoke before assign).
 */
import { canComputeNextTargetAssignment } from '../assignment-interval.js';
import type { CoordinatorRecord } from '../records.js';
import { assignmentsEqual, type TopicPartitions, type WireTopicPartitions } from './assignment.js';
import { reconcile } from './current-assignment-builder.js';
import type { ConsumerGroup } from './consumer-group.js';
import type { ConsumerGroupManager } from './consumer-group-manager.js';
import { MemberState, type ConsumerMember } from './consumer-member.js';
import { currentAssignmentRecord, groupEpochRecord, memberMetadataRecord, subscriptionMetadataRecord } from './consumer-records.js';
import { computeSubscriptionMetadata, RegexResolver, subscriptionMetadataEqual } from './subscriptions.js';
import { computeTargetAssignment, memberTopicNames, membersAfter } from './target-assignment.js';

export interface MemberUpdate {
  group: ConsumerGroup;
  /** The member as the group has it (a fresh one when it joins). */
  member: ConsumerMember;
  /** The member with the request's changes. */
  updated: ConsumerMember;
  /** The static member `updated` replaces under a new id, if any. */
  replaced: ConsumerMember | null;
  /** What the member says it owns; null when it did not say. */
  owned: readonly WireTopicPartitions[] | null;
}

/** Appends the update's records and returns the member after its reconciliation step. */
export function updateAndReconcile(mgr: ConsumerGroupManager, u: MemberUpdate, records: CoordinatorRecord[]): ConsumerMember {
  const { group, member, updated, replaced } = u;
  const groupId = group.groupId;
  const memberId = updated.memberId;
  const isNew = !group.members.has(memberId) && replaced === null;
  let bump = false;
  if (isNew || replaced !== null || updated.metadataDiffers(member)) {
    records.push(memberMetadataRecord(groupId, updated));
    bump = isNew || updated.subscriptionDiffers(member);
  }
  const resolver = new RegexResolver(mgr.topics);
  const names = new Set<string>();
  for (const m of membersAfter(group, updated, replaced?.memberId ?? null)) for (const t of memberTopicNames(m, resolver.resolve)) names.add(t);
  const metadata = computeSubscriptionMetadata(names, mgr.topics);
  if (!subscriptionMetadataEqual(metadata, group.subscriptionMetadata)) {
    records.push(subscriptionMetadataRecord(groupId, metadata));
    bump = true;
  }
  let groupEpoch = group.groupEpoch;
  if (bump) {
    groupEpoch += 1;
    records.push(groupEpochRecord(groupId, groupEpoch));
    mgr.logger.info({ groupId, groupEpoch }, 'bumped consumer group epoch');
  }

  let targetEpoch = group.assignmentEpoch;
  let target: TopicPartitions = replaced !== null ? group.targetOf(replaced.memberId) : group.targetOf(memberId);
  const nowMs = mgr.timer.clock.now();
  if (groupEpoch > group.assignmentEpoch && canComputeNextTargetAssignment(group.assignmentTimestamp, mgr.assignmentIntervalMs(groupId), nowMs)) {
    const result = computeTargetAssignment({
      group, groupEpoch, updated, removedMemberId: replaced?.memberId ?? null, updatedPreviousTarget: replaced !== null ? target : null,
      subscriptionMetadata: metadata, resolveRegex: resolver.resolve, assignor: mgr.assignorFor(group, replaced, updated), nowMs,
    });
    records.push(...result.records);
    target = result.assignment.get(memberId) ?? new Map();
    targetEpoch = groupEpoch;
  }

  if (updated.isReconciledTo(targetEpoch)) return updated;
  const reconciled = reconcile({
    member: updated, targetEpoch, target, owned: u.owned,
    currentPartitionEpoch: (t, p) => group.currentPartitionEpoch(t, p),
  });
  if (currentAssignmentChanged(updated, reconciled) || isNew || replaced !== null) {
    records.push(currentAssignmentRecord(groupId, reconciled));
    if (reconciled.state === MemberState.UnrevokedPartitions) mgr.scheduleRebalanceTimeout(groupId, reconciled);
    else mgr.cancelRebalanceTimeout(groupId, memberId);
  }
  return reconciled;
}

function currentAssignmentChanged(a: ConsumerMember, b: ConsumerMember): boolean {
  return (
    a.memberEpoch !== b.memberEpoch || a.previousMemberEpoch !== b.previousMemberEpoch || a.state !== b.state ||
    !assignmentsEqual(a.assignedPartitions, b.assignedPartitions) || !assignmentsEqual(a.partitionsPendingRevocation, b.partitionsPendingRevocation)
  );
}
