/**
 * Heartbeat and LeaveGroup for classic groups (GroupMetadataManager.classicGroupHeartbeat and
 * classicGroupLeave): a heartbeat renews the member's session and tells it when a rebalance
 * is under way; LeaveGroup removes members (by member id, or by group.instance.id for an
 * administrator) and rebalances the rest at once instead of after a session timeout.
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { MemberResponse } from '../../../protocol/generated/leave-group-response.js';
import type { ClassicGroup } from './classic-group.js';
import { heartbeatKey, joinError, UNKNOWN_MEMBER_ID, type GroupManager } from './group-manager.js';
import { GroupState } from './group-state.js';

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/** The heartbeat's error code (NONE when the member is fine and no rebalance is on). */
export function heartbeat(mgr: GroupManager, req: HeartbeatRequest): number {
  const group = mgr.group(req.groupId);
  if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (group.state === GroupState.Dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const invalid = group.validateMember(req.memberId, req.groupInstanceId);
  if (invalid !== ErrorCode.NONE) return invalid;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  switch (group.state) {
    case GroupState.Empty:
      return ErrorCode.UNKNOWN_MEMBER_ID;
    case GroupState.PreparingRebalance:
      mgr.rescheduleHeartbeat(group, group.members.get(req.memberId)!);
      return ErrorCode.REBALANCE_IN_PROGRESS;
    default:
      // CompletingRebalance too: consumers heartbeat once they have their JoinGroup response.
      mgr.rescheduleHeartbeat(group, group.members.get(req.memberId)!);
      return ErrorCode.NONE;
  }
}

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveResult {
  errorCode: number;
  members: MemberResponse[];
}

export function leaveGroup(mgr: GroupManager, groupId: string, leaving: readonly LeavingMember[]): LeaveResult {
  const group = mgr.group(groupId);
  if (group === undefined) {
    return { errorCode: ErrorCode.NONE, members: leaving.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
  }
  if (group.state === GroupState.Dead) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
  const members: MemberResponse[] = [];
  const left: string[] = [];
  for (const m of leaving) {
    let errorCode: number = ErrorCode.NONE;
    if (m.memberId === UNKNOWN_MEMBER_ID) {
      // An administrator removing a static member by its instance id.
      const memberId = m.groupInstanceId !== null ? group.staticMembers.get(m.groupInstanceId) : undefined;
      if (memberId !== undefined) removeCurrentMember(mgr, group, memberId, m.reason);
      else errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
    } else if (group.pendingJoinMembers.has(m.memberId)) {
      group.remove(m.memberId);
      mgr.timer.cancel(heartbeatKey(groupId, m.memberId));
      mgr.logger.info({ groupId, memberId: m.memberId, reason: m.reason ?? 'not provided' }, 'pending member left the group');
    } else {
      errorCode = group.validateMember(m.memberId, m.groupInstanceId);
      if (errorCode === ErrorCode.NONE) removeCurrentMember(mgr, group, m.memberId, m.reason);
    }
    members.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    if (errorCode === ErrorCode.NONE) left.push(m.memberId);
  }
  if (left.length > 0) {
    const reason = `explicit \`LeaveGroup\` request for (${left.join(', ')}) members.`;
    if (group.state === GroupState.Stable || group.state === GroupState.CompletingRebalance) mgr.maybePrepareRebalanceOrCompleteJoin(group, reason);
    else if (group.state === GroupState.PreparingRebalance) mgr.maybeCompleteJoinPhase(group);
  }
  return { errorCode: ErrorCode.NONE, members };
}

/** Removes a member, answering its parked JoinGroup (if any) with UNKNOWN_MEMBER_ID so it starts over. */
function removeCurrentMember(mgr: GroupManager, group: ClassicGroup, memberId: string, reason: string | null): void {
  const member = group.members.get(memberId)!;
  mgr.timer.cancel(heartbeatKey(group.groupId, memberId));
  mgr.logger.info({ groupId: group.groupId, memberId, reason: reason ?? 'not provided' }, 'member left the group');
  group.completeJoin(member, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
  group.remove(memberId);
}
