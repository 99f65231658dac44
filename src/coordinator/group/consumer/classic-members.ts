/**
 * Classic members inside a consumer group (Kafka 4.0's classicGroupJoinToConsumerGroup,
 * classicGroupSyncToConsumerGroup, classicGroupHeartbeatToConsumerGroup and
 * classicGroupLeaveToConsumerGroup): a consumer using JoinGroup/SyncGroup with the embedded
 * consumer protocol takes part in a consumer group as if it heartbeated with the new one.
 *
 *  - JoinGroup is a full heartbeat: the subscription and owned partitions come from the
 *    protocol metadata; the response, immediate, carries the member epoch as generation and
 *    no member list (the member is never the leader, so it sends an empty SyncGroup).
 *  - SyncGroup hands out the member's current assignment (while it revokes: what it keeps),
 *    or REBALANCE_IN_PROGRESS when the group moved on since it joined (it rejoins).
 *  - Heartbeat renews the session and answers REBALANCE_IN_PROGRESS while the member is
 *    behind the group epoch, must revoke, or can now get partitions that were released; the
 *    member must then rejoin within its rebalance timeout.
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { JoinGroupResponse } from '../../../protocol/generated/join-group-response.js';
import type { MemberResponse } from '../../../protocol/generated/leave-group-response.js';
import type { SyncGroupResponse } from '../../../protocol/generated/sync-group-response.js';
import type { JoinRequest } from '../classic/join.js';
import type { HeartbeatRequest, LeavingMember } from '../classic/membership.js';
import type { CoordinatorRecord } from '../records.js';
import type { SyncRequest } from '../classic/sync.js';
import type { ConsumerGroup } from './consumer-group.js';
import { ConsumerGroupManager, newMemberId } from './consumer-group-manager.js';
import { ConsumerMember, MemberState } from './consumer-member.js';
import { currentAssignmentRecord, memberMetadataRecord, targetMemberRecord } from './consumer-records.js';
import { byTopicId, decodeSubscription, encodeAssignment, subscriptionVersion } from './embedded-protocol.js';
import { GroupError } from './errors.js';
import { updateAndReconcile } from './member-update.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface ClassicJoinOutcome {
  response: JoinGroupResponse;
  records: CoordinatorRecord[];
  /** Once the records are committed: the member's session and sync deadlines. */
  after: (() => void) | null;
}

/** Whether a classic member with these protocols can be in the group (ConsumerGroup.supportsClassicProtocols). */
function supportsClassicProtocols(group: ConsumerGroup, protocolType: string, protocols: ReadonlyArray<{ name: string }>): boolean {
  if (group.isEmpty) return protocolType !== '' && protocols.length > 0;
  if (protocolType !== CONSUMER_PROTOCOL_TYPE) return false;
  const classic = [...group.members.values()].filter((m) => m.useClassicProtocol);
  return protocols.some((p) => classic.every((m) => m.classicMemberMetadata!.supportedProtocols.some((s) => s.name === p.name)));
}

export function classicJoinToConsumerGroup(mgr: ConsumerGroupManager, group: ConsumerGroup, req: JoinRequest): ClassicJoinOutcome {
  const groupId = group.groupId;
  const isUnknown = req.memberId === '';
  const memberId = isUnknown ? newMemberId() : req.memberId;
  if (group.size >= mgr.config.maxSize && (isUnknown || !group.members.has(memberId))) {
    throw new GroupError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${mgr.config.maxSize} members.`);
  }
  if (!supportsClassicProtocols(group, req.protocolType, req.protocols)) {
    throw new GroupError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s protocols are not supported.`);
  }
  if (isUnknown && req.groupInstanceId === null && req.apiVersion >= 4) {
    // KIP-394: a new dynamic member comes back with the id it is given.
    return { response: joinResponse(memberId, ErrorCode.MEMBER_ID_REQUIRED, -1, null), records: [], after: null };
  }

  const records: CoordinatorRecord[] = [];
  let member: ConsumerMember;
  let replaced: ConsumerMember | null = null;
  if (req.groupInstanceId === null) {
    member = group.members.get(memberId) ?? ConsumerMember.create(memberId);
  } else {
    const existing = group.staticMember(req.groupInstanceId);
    if (isUnknown) {
      if (existing === undefined) {
        member = ConsumerMember.create(memberId);
      } else {
        // A classic static member coming back replaces the previous instance at once.
        replaced = existing;
        member = new ConsumerMember({ ...existing.fields(), memberId, memberEpoch: 0, previousMemberEpoch: 0 });
        records.push(...ConsumerGroupManager.removeMemberRecords(groupId, existing.memberId));
        records.push(memberMetadataRecord(groupId, member), targetMemberRecord(groupId, memberId, group.targetOf(existing.memberId)), currentAssignmentRecord(groupId, member));
        mgr.cancelTimers(groupId, existing.memberId);
      }
    } else {
      member = staticMember(group, memberId, req.groupInstanceId);
    }
  }

  const first = req.protocols[0]!;
  const subscription = decodeSubscription(first.metadata);
  const updated = member.with({
    instanceId: req.groupInstanceId ?? member.instanceId,
    rackId: subscription.rackId ?? member.rackId,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    subscribedTopicNames: subscription.topics,
    clientId: req.clientId,
    clientHost: req.clientHost,
    classicMemberMetadata: { sessionTimeoutMs: req.sessionTimeoutMs, supportedProtocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) },
  });
  const reconciled = updateAndReconcile(mgr, { group, member, updated, replaced, owned: byTopicId(subscription.ownedPartitions, mgr.topics) }, records);
  mgr.logger.info({ groupId, memberId, epoch: reconciled.memberEpoch }, 'classic member joins the consumer group');
  return {
    response: joinResponse(memberId, ErrorCode.NONE, reconciled.memberEpoch, first.name),
    records,
    after: () => {
      mgr.cancelJoinTimeout(groupId, memberId);
      mgr.scheduleSessionTimeout(groupId, memberId, req.sessionTimeoutMs);
      mgr.scheduleSyncTimeout(groupId, memberId, req.rebalanceTimeoutMs);
    },
  };
}

function joinResponse(memberId: string, errorCode: number, generationId: number, protocolName: string | null): JoinGroupResponse {
  const ok = errorCode === ErrorCode.NONE;
  return {
    throttleTimeMs: 0, errorCode, generationId, protocolType: ok ? CONSUMER_PROTOCOL_TYPE : null, protocolName,
    leader: '', skipAssignment: false, memberId, members: [],
  };
}

function staticMember(group: ConsumerGroup, memberId: string, instanceId: string): ConsumerMember {
  const member = group.staticMember(instanceId);
  if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
  if (member.memberId !== memberId) {
    throw new GroupError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} is not the member that owns the instance id.`);
  }
  return member;
}

/** The classic member a Sync/Heartbeat/Leave names (validateConsumerGroupMember + the classic check). */
function classicMember(group: ConsumerGroup, memberId: string, instanceId: string | null): ConsumerMember {
  const member = instanceId === null ? group.members.get(memberId) : staticMember(group, memberId, instanceId);
  if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
  if (!member.useClassicProtocol) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${member.memberId} does not use the classic protocol.`);
  return member;
}

export function classicSyncToConsumerGroup(mgr: ConsumerGroupManager, group: ConsumerGroup, req: SyncRequest): SyncGroupResponse {
  const member = classicMember(group, req.memberId, req.groupInstanceId);
  if (member.memberEpoch !== req.generationId) throw new GroupError(ErrorCode.ILLEGAL_GENERATION, `The request generation id ${req.generationId} is not equal to the member epoch ${member.memberEpoch} of member ${member.memberId}.`);
  const protocols = member.classicMemberMetadata!.supportedProtocols;
  const protocolName = protocols[0]!.name;
  if (req.protocolType !== null && req.protocolType !== CONSUMER_PROTOCOL_TYPE) {
    throw new GroupError(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
      `The protocol type ${req.protocolType} from member ${member.memberId} request is not equal to the group protocol type ${CONSUMER_PROTOCOL_TYPE}.`,
    );
  }
  if (req.protocolName !== null && req.protocolName !== protocolName) {
    throw new GroupError(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
      `The protocol name ${req.protocolName} from member ${member.memberId} request is not equal to the protocol name ${protocolName} returned in the join response.`,
    );
  }
  // Behind the group epoch: rejoin first. A member revoking partitions gets what it keeps now
  // and rejoins once it has let the others go (then it moves on to the new epoch).
  if (group.groupEpoch > member.memberEpoch && member.state !== MemberState.UnrevokedPartitions) {
    mgr.scheduleJoinTimeoutIfAbsent(group.groupId, member.memberId, member.rebalanceTimeoutMs);
    throw new GroupError(ErrorCode.REBALANCE_IN_PROGRESS, `A new rebalance is triggered in group ${group.groupId} and member ${member.memberId} should rejoin to catch up.`);
  }
  mgr.cancelSyncTimeout(group.groupId, member.memberId);
  mgr.scheduleSessionTimeout(group.groupId, member.memberId, member.classicMemberMetadata!.sessionTimeoutMs);
  return {
    throttleTimeMs: 0, errorCode: ErrorCode.NONE, protocolType: req.protocolType, protocolName: req.protocolName,
    assignment: encodeAssignment(member.assignedPartitions, mgr.topics, subscriptionVersion(protocols[0]!.metadata)),
  };
}

/** Whether a partition of the member's target that it does not have yet is still held by another member. */
function waitingOnUnreleasedPartition(group: ConsumerGroup, member: ConsumerMember): boolean {
  for (const [topicId, ps] of group.targetOf(member.memberId)) {
    for (const p of ps) {
      if (member.assignedPartitions.get(topicId)?.has(p) === true) continue;
      if (group.currentPartitionEpoch(topicId, p) !== -1) return true;
    }
  }
  return false;
}

export function classicHeartbeatToConsumerGroup(mgr: ConsumerGroupManager, group: ConsumerGroup, req: HeartbeatRequest): number {
  const member = classicMember(group, req.memberId, req.groupInstanceId);
  if (member.memberEpoch !== req.generationId) return ErrorCode.ILLEGAL_GENERATION;
  mgr.scheduleSessionTimeout(group.groupId, member.memberId, member.classicMemberMetadata!.sessionTimeoutMs);
  const rejoin =
    member.memberEpoch < group.groupEpoch ||
    member.state === MemberState.UnrevokedPartitions ||
    (member.state === MemberState.UnreleasedPartitions && !waitingOnUnreleasedPartition(group, member));
  if (!rejoin) return ErrorCode.NONE;
  mgr.scheduleJoinTimeoutIfAbsent(group.groupId, member.memberId, member.rebalanceTimeoutMs);
  return ErrorCode.REBALANCE_IN_PROGRESS;
}

/** LeaveGroup of classic members: each is removed; the group epoch is bumped once. */
export function classicLeaveConsumerGroup(mgr: ConsumerGroupManager, group: ConsumerGroup, leaving: readonly LeavingMember[]): { members: MemberResponse[]; records: CoordinatorRecord[] } {
  const members: MemberResponse[] = [];
  const gone: ConsumerMember[] = [];
  for (const l of leaving) {
    try {
      let member: ConsumerMember;
      if (l.groupInstanceId === null) {
        member = classicMember(group, l.memberId, null);
      } else {
        const found = group.staticMember(l.groupInstanceId);
        if (found === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${l.groupInstanceId} is unknown.`);
        // An administrator may remove a static member by its instance id alone.
        member = l.memberId === '' ? found : staticMember(group, l.memberId, l.groupInstanceId);
        if (!member.useClassicProtocol) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${member.memberId} does not use the classic protocol.`);
      }
      if (!gone.includes(member)) gone.push(member);
      mgr.logger.info({ groupId: group.groupId, memberId: member.memberId, reason: l.reason ?? 'not provided' }, 'classic member left the consumer group');
      members.push({ memberId: member.memberId, groupInstanceId: l.groupInstanceId, errorCode: ErrorCode.NONE });
    } catch (err) {
      if (!(err instanceof GroupError)) throw err;
      members.push({ memberId: l.memberId, groupInstanceId: l.groupInstanceId, errorCode: err.errorCode });
    }
  }
  return { members, records: gone.length === 0 ? [] : mgr.fenceMemberRecords(group, gone) };
}
