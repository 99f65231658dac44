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
import { assignmentsEqual, isSubset, toWire, type WireTopicPartitions } from './assignment.js';
import { ConsumerGroup as Group } from './consumer-group.js';
import { ConsumerGroupManager, newMemberId } from './consumer-group-manager.js';
import { ConsumerMember, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH } from './consumer-member.js';
import type { CoordinatorRecord } from '../records.js';
import { currentAssignmentRecord, memberMetadataRecord, targetMemberRecord } from './consumer-records.js';
import { GroupError } from './errors.js';
import { updateAndReconcile } from './member-update.js';
import { compileRegex } from './subscriptions.js';

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
  /** To run once the records are applied (a downgrade's rebalance). */
  after?: (() => void) | null;
}

/** The classic groups a heartbeat may take over (conversion.ts). */
export interface ClassicGroups {
  /** Tombstones for an empty classic group under the id, or null when there is none. */
  replaceEmpty(groupId: string): CoordinatorRecord[] | null;
  /** Whether a classic group with members has the id. */
  isBusy(groupId: string): boolean;
  /**
   * A classic group with members converted to a consumer group (not yet in the groups: the
   * records, appended to `records`, put it there), or null when it may not be upgraded.
   */
  upgrade(groupId: string, records: CoordinatorRecord[]): Group | null;
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

export function consumerGroupHeartbeat(mgr: ConsumerGroupManager, classic: ClassicGroups, req: ConsumerHeartbeatRequest): HeartbeatOutcome {
  validateHeartbeat(req, mgr);
  if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return leave(mgr, req);

  const records: CoordinatorRecord[] = [];
  const groupId = req.groupId;
  const joining = req.memberEpoch === 0;
  let group = mgr.group(groupId);
  if (group === undefined) {
    // A classic group with members becomes a consumer group when its first member moves to the
    // consumer protocol (the others stay classic members for now); an empty one is replaced.
    if (classic.isBusy(groupId)) {
      group = joining ? (classic.upgrade(groupId, records) ?? undefined) : undefined;
      if (group === undefined) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    } else {
      if (!joining) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
      records.push(...(classic.replaceEmpty(groupId) ?? []));
      group = new Group(groupId);
    }
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
        mgr.logger.info({ groupId, memberId, instanceId: req.instanceId }, 'static member joins the consumer group using the consumer protocol');
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
  const reconciled = updateAndReconcile(mgr, { group, member, updated, replaced, owned: req.topicPartitions }, records);
  mgr.scheduleSessionTimeout(groupId, memberId);

  const full = joining || (req.rebalanceTimeoutMs !== -1 && (req.subscribedTopicNames !== null || req.subscribedTopicRegex !== null) && req.topicPartitions !== null);
  const response: ConsumerGroupHeartbeatResponse = {
    throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, memberId, memberEpoch: reconciled.memberEpoch,
    heartbeatIntervalMs: mgr.heartbeatIntervalMs(groupId), assignment: null,
  };
  if (full || !assignmentsEqual(member.assignedPartitions, reconciled.assignedPartitions)) response.assignment = { topicPartitions: toWire(reconciled.assignedPartitions) };
  return { response, records };
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
  const fenced = mgr.fenceMember(group, member);
  return { response, records: fenced.records, after: fenced.after };
}
