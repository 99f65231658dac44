/**
 * Who a streams heartbeat comes from, and members leaving (Kafka's
 * getOrMaybeCreateDynamicStreamsGroupMember, getOrMaybeCreateStaticStreamsGroupMember,
 * throwIfStreamsGroupMemberEpochIsInvalid and streamsGroupLeave).
 *
 * A dynamic member is known by its member id (which the Streams client generates). A static
 * member (group.instance.id, Kafka 4.4) is known by its instance id: when it leaves with
 * epoch -2 it keeps its tasks until its session ends, and when it comes back under a new
 * member id it takes over the old member's place, tasks and target, without a rebalance.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { GroupError } from './errors.js';
import type { StreamsHeartbeatOutcome, StreamsHeartbeatRequest, StreamsHeartbeatResponse } from './heartbeat-types.js';
import type { StreamsGroupManager } from './streams-group-manager.js';
import type { StreamsGroup } from './streams-group.js';
import { StreamsMember } from './streams-member.js';
import { currentAssignmentRecord, memberMetadataRecord, targetMemberRecord, type StreamsGroupRecord } from './streams-records.js';
import { emptyHeld, fromWire, hasTask, type TaskSet } from './tasks.js';

/** Epoch sent by a member leaving, and written for a member removed. */
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
/** Epoch sent by a static member leaving for a while (it keeps its tasks until its session ends). */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

function unknownMember(memberId: string, groupId: string): GroupError {
  return new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${groupId}.`);
}

function unknownInstance(instanceId: string): GroupError {
  return new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
}

function fencedInstance(memberId: string, instanceId: string, owner: string): GroupError {
  return new GroupError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${owner}.`);
}

export interface LookedUp {
  /** The member as the group has it, a fresh one, or (static rejoin) the old member under the new id. */
  member: StreamsMember;
  /** The static member it replaces, if any. */
  replaced: StreamsMember | null;
}

/** The member a heartbeat is from, with the records of a static member's replacement appended to `records`. */
export function lookUpMember(mgr: StreamsGroupManager, group: StreamsGroup, req: StreamsHeartbeatRequest, records: StreamsGroupRecord[]): LookedUp {
  const { groupId } = group;
  const memberId = req.memberId;
  const joining = req.memberEpoch === 0;
  if (req.instanceId === null) {
    const existing = group.members.get(memberId);
    if (existing === undefined) {
      if (!joining) throw unknownMember(memberId, groupId);
      mgr.logger.info({ groupId, memberId }, 'member joins the streams group');
      return { member: StreamsMember.create(memberId), replaced: null };
    }
    checkMemberEpoch(existing, req);
    return { member: existing, replaced: null };
  }
  const existing = group.staticMember(req.instanceId);
  if (!joining) {
    if (existing === undefined) throw unknownInstance(req.instanceId);
    if (existing.memberId !== memberId) throw fencedInstance(memberId, req.instanceId, existing.memberId);
    checkMemberEpoch(existing, req);
    return { member: existing, replaced: null };
  }
  if (existing === undefined) {
    mgr.logger.info({ groupId, memberId, instanceId: req.instanceId }, 'static member joins the streams group');
    return { member: group.members.get(memberId) ?? StreamsMember.create(memberId), replaced: null };
  }
  if (existing.memberId === memberId) return { member: existing, replaced: null };
  if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    throw new GroupError(
      ErrorCode.UNRELEASED_INSTANCE_ID,
      `Static member ${memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`,
    );
  }
  // The instance is back under a new member id: the new member takes the old one's place.
  const member = new StreamsMember({ ...existing.fields(), memberId, memberEpoch: 0, previousMemberEpoch: 0 });
  records.push(...mgr.removeMemberRecords(groupId, existing.memberId));
  records.push(memberMetadataRecord(groupId, member), targetMemberRecord(groupId, memberId, group.targetOf(existing.memberId)), currentAssignmentRecord(groupId, member));
  mgr.cancelTimers(groupId, existing.memberId);
  mgr.logger.info({ groupId, memberId, instanceId: req.instanceId, replaced: existing.memberId }, 'static member re-joins the streams group under a new member id');
  return { member, replaced: existing };
}

/**
 * Kafka's throwIfStreamsGroupMemberEpochIsInvalid: epoch 0 (a rejoin under the same id) is
 * accepted; a greater epoch is fenced; a smaller one only when it is the previous epoch and
 * the member reports nothing beyond what it holds (its last response was lost).
 */
function checkMemberEpoch(member: StreamsMember, req: StreamsHeartbeatRequest): void {
  const received = req.memberEpoch;
  if (received === 0) return;
  if (received > member.memberEpoch) {
    throw new GroupError(
      ErrorCode.FENCED_MEMBER_EPOCH,
      `The streams group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
    );
  }
  if (received < member.memberEpoch) {
    const owned = req.activeTasks === null ? null : fromWire(req.activeTasks);
    if (received !== member.previousMemberEpoch || owned === null || !isSubset(owned, member.assignedTasks.active)) {
      throw new GroupError(
        ErrorCode.FENCED_MEMBER_EPOCH,
        `The streams group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
      );
    }
  }
}

function isSubset(owned: TaskSet, held: ReadonlyMap<string, ReadonlyMap<number, number>>): boolean {
  for (const [s, ps] of owned) for (const p of ps) if (!hasTask(held, s, p)) return false;
  return true;
}

/** Epoch -1 (leave) or -2 (a static member leaving for a while). */
export function leaveStreamsGroup(mgr: StreamsGroupManager, req: StreamsHeartbeatRequest): StreamsHeartbeatOutcome {
  const groupId = req.groupId;
  const group = mgr.group(groupId);
  if (group === undefined) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Streams group ${groupId} not found.`);
  const response: StreamsHeartbeatResponse = {
    errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0,
    acceptableRecoveryLag: mgr.settings(groupId).acceptableRecoveryLag, taskOffsetIntervalMs: mgr.settings(groupId).taskOffsetIntervalMs, status: null,
    activeTasks: null, standbyTasks: null, warmupTasks: null, endpointInformationEpoch: group.endpointInformationEpoch, partitionsByUserEndpoint: null,
  };
  let member: StreamsMember | undefined;
  if (req.instanceId === null) {
    member = group.members.get(req.memberId);
    if (member === undefined) throw unknownMember(req.memberId, groupId);
  } else {
    member = group.staticMember(req.instanceId);
    if (member === undefined) throw unknownInstance(req.instanceId);
    if (member.memberId !== req.memberId) throw fencedInstance(req.memberId, req.instanceId, member.memberId);
  }
  const memberId = member.memberId;
  const finish = req.shutdownApplication ? (g: StreamsGroup) => {
    if (g.members.size > 0) g.shutdownRequestMemberId = memberId;
  } : null;
  if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    mgr.logger.info({ groupId, memberId, instanceId: req.instanceId }, 'static member leaves the streams group temporarily');
    const leaving = member.with({ memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, tasksPendingRevocation: emptyHeld() });
    mgr.cancelRebalanceTimeout(groupId, memberId);
    return { response, records: [currentAssignmentRecord(groupId, leaving)], topicsToCreate: [], finish };
  }
  mgr.logger.info({ groupId, memberId }, 'member leaves the streams group');
  return { response, records: mgr.fenceMemberRecords(group, member), topicsToCreate: [], finish };
}
