/**
 * ConsumerGroupHeartbeat (Kafka's GroupMetadataManager.consumerGroupHeartbeat): one request
 * joins, stays in, or leaves a consumer group.
 *
 *  1. The member is created or updated; a new or changed subscription (or a change in the
 *     subscribed topics' metadata) bumps the group epoch.
 *  2. When the group epoch is ahead of the target assignment's, the assignor computes a new
 *     target assignment.
 *  3. The member takes one reconciliation step towards its target (revoke before assign).
 *
 * Everything is validated before the first record is built, so a refused request changes
 * nothing. Errors are thrown as GroupError with Kafka's codes and messages.
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { ConsumerGroupHeartbeatResponse } from '../../../protocol/generated/consumer-group-heartbeat-response.js';
import { assignmentsEqual, isSubset, toWire, type TopicPartitions, type WireTopicPartitions } from './assignment.js';
import { reconcile } from './current-assignment-builder.js';
import type { ConsumerGroup } from './consumer-group.js';
import { ConsumerGroup as Group } from './consumer-group.js';
import { ConsumerGroupManager, newMemberId } from './consumer-group-manager.js';
import { ConsumerMember, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, MemberState } from './consumer-member.js';
import type { CoordinatorRecord } from '../records.js';
import { currentAssignmentRecord, groupEpochRecord, memberMetadataRecord, subscriptionMetadataRecord, targetMemberRecord } from './consumer-records.js';
import { GroupError } from './errors.js';
import { compileRegex, computeSubscriptionMetadata, RegexResolver, subscriptionMetadataEqual } from './subscriptions.js';
import { computeTargetAssignment, memberTopicNames, membersAfter } from './target-assignment.js';

export interface ConsumerHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: WireTopicPartitions[] | null;
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

/** What a heartbeat answers and the records it writes (already applied to the group). */
export interface HeartbeatOutcome {
  response: ConsumerGroupHeartbeatResponse;
  records: CoordinatorRecord[];
}

/** Finds out what the group id is before the heartbeat: a consumer group, or an empty classic group it may replace. */
export interface GroupLookup {
  /** 'none' (no group), 'empty' (an empty classic group), 'busy' (a classic group with members). */
  classicGroup(groupId: string): 'none' | 'empty' | 'busy';
}

/** Kafka's request validation (throwIfConsumerGroupHeartbeatRequestIsInvalid). */
export function validateHeartbeat(req: ConsumerHeartbeatRequest, mgr: ConsumerGroupManager): void {
  const invalid = (message: string) => new GroupError(ErrorCode.INVALID_REQUEST, message);
  if ((req.apiVersion >= 1 || req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) && req.memberId === '') throw invalid("MemberId can't be empty.");
  if (req.groupId === '') throw invalid("GroupId can't be empty.");
  if (req.instanceId === '') throw invalid("InstanceId can't be empty.");
  if (req.rackId === '') throw invalid("RackId can't be empty.");
  if (req.memberEpoch === 0) {
    if (req.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
    if (req.topicPartitions === null || req.topicPartitions.length > 0) throw invalid('TopicPartitions must be empty when (re-)joining.');
    if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
      throw invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
    }
  } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (req.instanceId === null) throw invalid("InstanceId can't be null.");
  } else if (req.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    throw invalid('MemberEpoch is invalid.');
  }
  if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== '') compileRegex(req.subscribedTopicRegex);
  if (req.serverAssignor !== null && !mgr.assignors.has(req.serverAssignor)) {
    throw new GroupError(
      ErrorCode.UNSUPPORTED_ASSIGNOR,
      `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${[...mgr.assignors.keys()].join(', ')}.`,
    );
  }
}

export function consumerGroupHeartbeat(mgr: ConsumerGroupManager, lookup: GroupLookup, req: ConsumerHeartbeatRequest, classicTombstone: () => CoordinatorRecord[]): HeartbeatOutcome {
  validateHeartbeat(req, mgr);
  if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return leave(mgr, req);

  const records: CoordinatorRecord[] = [];
  const groupId = req.groupId;
  const joining = req.memberEpoch === 0;
  let group = mgr.group(groupId);
  if (group === undefined) {
    const classic = lookup.classicGroup(groupId);
    if (classic === 'busy') throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    if (!joining) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
    if (classic === 'empty') records.push(...classicTombstone());
    group = new Group(groupId);
  }
  if (group.size >= mgr.config.maxSize && (req.memberId === '' || !group.members.has(req.memberId))) {
    throw new GroupError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${mgr.config.maxSize} members.`);
  }
  const memberId = req.memberId === '' ? newMemberId() : req.memberId;

  // The member as it is, and who it replaces (a static member coming back under a new id).
  let member: ConsumerMember;
  let replaced: ConsumerMember | null = null;
  if (req.instanceId === null) {
    const existing = group.members.get(memberId);
    if (existing === undefined && !joining) throw unknownMember(memberId, groupId);
    member = existing ?? ConsumerMember.create(memberId);
    if (existing !== undefined) checkMemberEpoch(existing, req.memberEpoch, req.topicPartitions);
    if (existing === undefined) mgr.logger.info({ groupId, memberId }, 'member joins the consumer group using the consumer protocol');
  } else {
    const existing = group.staticMember(req.instanceId);
    if (joining) {
      if (existing === undefined) {
        member = group.members.get(memberId) ?? ConsumerMember.create(memberId);
      } else if (existing.memberId === memberId) {
        member = existing;
      } else {
        if (!existing.useClassicProtocol && existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
          throw new GroupError(
            ErrorCode.UNRELEASED_INSTANCE_ID,
            `Static member ${memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`,
          );
        }
        replaced = existing;
        member = new ConsumerMember({ ...existing.fields(), memberId, memberEpoch: 0, previousMemberEpoch: 0 });
        records.push(...ConsumerGroupManager.removeMemberRecords(groupId, existing.memberId));
        records.push(memberMetadataRecord(groupId, member), targetMemberRecord(groupId, memberId, group.targetOf(existing.memberId)), currentAssignmentRecord(groupId, member));
        mgr.cancelTimers(groupId, existing.memberId);
        mgr.logger.info({ groupId, memberId, instanceId: req.instanceId, replaced: existing.memberId }, 'static member rejoins the consumer group under a new member id');
      }
    } else {
      if (existing === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
      if (existing.memberId !== memberId) throw fencedInstance(memberId, req.instanceId);
      checkMemberEpoch(existing, req.memberEpoch, req.topicPartitions);
      member = existing;
    }
  }

  // 1. The member's new metadata and subscription; the group epoch moves on when they change.
  const updated = member.with({
    instanceId: req.instanceId ?? member.instanceId,
    rackId: req.rackId ?? member.rackId,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
    serverAssignor: req.serverAssignor ?? member.serverAssignor,
    subscribedTopicNames: req.subscribedTopicNames ?? member.subscribedTopicNames,
    subscribedTopicRegex: req.subscribedTopicRegex !== null ? (req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex) : member.subscribedTopicRegex,
    clientId: req.clientId,
    clientHost: req.clientHost,
    classicMemberMetadata: null,
  });
  const isNew = !group.members.has(updated.memberId) && replaced === null;
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

  // 2. A new target assignment when the group epoch is ahead of it.
  let targetEpoch = group.assignmentEpoch;
  let target: TopicPartitions = replaced !== null ? group.targetOf(replaced.memberId) : group.targetOf(memberId);
  if (groupEpoch > group.assignmentEpoch) {
    const result = computeTargetAssignment({
      group, groupEpoch, updated, removedMemberId: replaced?.memberId ?? null, updatedPreviousTarget: replaced !== null ? target : null,
      subscriptionMetadata: metadata, resolveRegex: resolver.resolve, assignor: mgr.assignorFor(group, replaced, updated),
    });
    records.push(...result.records);
    target = result.assignment.get(memberId) ?? new Map();
    targetEpoch = groupEpoch;
  }

  // 3. One reconciliation step.
  let reconciled = updated;
  if (!updated.isReconciledTo(targetEpoch)) {
    const g: ConsumerGroup = group;
    reconciled = reconcile({
      member: updated, targetEpoch, target, owned: req.topicPartitions,
      currentPartitionEpoch: (t, p) => g.currentPartitionEpoch(t, p),
    });
    if (currentAssignmentChanged(updated, reconciled) || isNew || replaced !== null) {
      records.push(currentAssignmentRecord(groupId, reconciled));
      if (reconciled.state === MemberState.UnrevokedPartitions) mgr.scheduleRebalanceTimeout(groupId, reconciled);
      else mgr.cancelRebalanceTimeout(groupId, memberId);
    }
  }
  mgr.scheduleSessionTimeout(groupId, memberId);

  const full = joining || (req.rebalanceTimeoutMs !== -1 && (req.subscribedTopicNames !== null || req.subscribedTopicRegex !== null) && req.topicPartitions !== null);
  const response: ConsumerGroupHeartbeatResponse = {
    throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, memberId, memberEpoch: reconciled.memberEpoch,
    heartbeatIntervalMs: mgr.config.heartbeatIntervalMs, assignment: null,
  };
  if (full || !assignmentsEqual(member.assignedPartitions, reconciled.assignedPartitions)) response.assignment = { topicPartitions: toWire(reconciled.assignedPartitions) };
  return { response, records };
}

function currentAssignmentChanged(a: ConsumerMember, b: ConsumerMember): boolean {
  return (
    a.memberEpoch !== b.memberEpoch || a.previousMemberEpoch !== b.previousMemberEpoch || a.state !== b.state ||
    !assignmentsEqual(a.assignedPartitions, b.assignedPartitions) || !assignmentsEqual(a.partitionsPendingRevocation, b.partitionsPendingRevocation)
  );
}

function unknownMember(memberId: string, groupId: string): GroupError {
  return new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${groupId}.`);
}

function fencedInstance(memberId: string, instanceId: string): GroupError {
  return new GroupError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} is not the member that owns the instance id.`);
}

/**
 * Kafka's throwIfConsumerGroupMemberEpochIsInvalid. Epoch 0 (a rejoin under the same member
 * id, which KIP-1082 clients do after being fenced) is accepted as KAFKA-19233 fixed it;
 * Kafka 4.0.0 answered it FENCED_MEMBER_EPOCH until the member's session ran out.
 */
function checkMemberEpoch(member: ConsumerMember, received: number, owned: readonly WireTopicPartitions[] | null): void {
  if (received === 0) return;
  if (received > member.memberEpoch) {
    throw new GroupError(
      ErrorCode.FENCED_MEMBER_EPOCH,
      `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
    );
  }
  if (received < member.memberEpoch && (received !== member.previousMemberEpoch || !isSubset(owned, member.assignedPartitions))) {
    throw new GroupError(
      ErrorCode.FENCED_MEMBER_EPOCH,
      `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
    );
  }
}

/** Epoch -1 (leave) or -2 (a static member leaving for a while, keeping its partitions until its session ends). */
function leave(mgr: ConsumerGroupManager, req: ConsumerHeartbeatRequest): HeartbeatOutcome {
  const groupId = req.groupId;
  const group = mgr.group(groupId);
  if (group === undefined) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
  const response: ConsumerGroupHeartbeatResponse = {
    throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null,
  };
  let member: ConsumerMember | undefined;
  if (req.instanceId === null) {
    member = group.members.get(req.memberId);
    if (member === undefined) throw unknownMember(req.memberId, groupId);
  } else {
    member = group.staticMember(req.instanceId);
    if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
    if (member.memberId !== req.memberId) throw fencedInstance(req.memberId, req.instanceId);
    if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      mgr.logger.info({ groupId, memberId: member.memberId, instanceId: req.instanceId }, 'static member leaves the consumer group temporarily');
      const leaving = member.with({ memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: new Map() });
      mgr.cancelRebalanceTimeout(groupId, member.memberId);
      return { response, records: [currentAssignmentRecord(groupId, leaving)] };
    }
  }
  mgr.logger.info({ groupId, memberId: member.memberId }, 'member leaves the consumer group');
  return { response, records: mgr.fenceMemberRecords(group, member) };
}
