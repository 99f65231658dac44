/**
 * JoinGroup for classic groups (GroupMetadataManager.classicGroupJoin and its helpers in
 * Kafka): new members (dynamic ones are first handed a member id, KIP-394; static ones with a
 * group.instance.id replace their previous incarnation, KIP-345), existing members rejoining,
 * the group size limit and protocol compatibility. A successful join is parked in the member
 * and answered when the join phase ends (group-manager.ts).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { JoinGroupResponse } from '../../../protocol/generated/join-group-response.js';
import type { ClassicGroup } from './classic-group.js';
import { ClassicGroupMember, type GroupProtocol, type JoinCallback } from './classic-member.js';
import { GroupState } from './group-state.js';
import { emptyGroupRecord, groupMetadataRecord } from '../records.js';
import { appendErrorToResponseError, CoordinatorWriteError } from '../sink.js';
import { heartbeatKey, joinError, UNKNOWN_MEMBER_ID, type GroupManager } from './group-manager.js';

/** A JoinGroup request, whatever its version (v0's rebalance timeout is its session timeout). */
export interface JoinRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
  reason: string | null;
  apiVersion: number;
  clientId: string;
  /** As Kafka prints the client's address: `/127.0.0.1`. */
  clientHost: string;
}

function reasonOf(req: JoinRequest): string {
  return req.reason === null || req.reason === '' ? 'not provided' : req.reason;
}

/**
 * Handles a JoinGroup whose group id and session timeout were checked; `respond` is called
 * once, now or when the rebalance gets there.
 */
export function joinGroup(mgr: GroupManager, req: JoinRequest, respond: JoinCallback): void {
  const isUnknownMember = req.memberId === UNKNOWN_MEMBER_ID;
  const existing = mgr.group(req.groupId);
  if (existing === undefined && !isUnknownMember) {
    // A member id for a group that does not exist.
    respond(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    return;
  }
  const isNewGroup = existing === undefined;
  const group = existing ?? mgr.getOrCreate(req.groupId);
  if (!acceptJoiningMember(mgr, group, req.memberId)) {
    group.remove(req.memberId);
    respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.GROUP_MAX_SIZE_REACHED));
  } else if (isUnknownMember) {
    joinNewMember(mgr, req, group, respond);
  } else {
    joinExistingMember(mgr, req, group, respond);
  }
  if (isNewGroup) mgr.writeQuietly(group.groupId, [emptyGroupRecord(group)], 'new group metadata');
}

/** Whether the group has room for this member (group.max.size). */
function acceptJoiningMember(mgr: GroupManager, group: ClassicGroup, memberId: string): boolean {
  const max = mgr.config.maxSize;
  switch (group.state) {
    case GroupState.Empty:
    case GroupState.Dead:
      return true;
    case GroupState.PreparingRebalance: {
      // Counting members awaiting their join lets a shrunken limit push out the last rejoiners.
      const m = group.members.get(memberId);
      return (m !== undefined && m.isAwaitingJoin) || group.numMembersAwaitingJoin < max;
    }
    default:
      return group.members.has(memberId) || group.size < max;
  }
}

function newMemberId(req: JoinRequest): string {
  return `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
}

function joinNewMember(mgr: GroupManager, req: JoinRequest, group: ClassicGroup, respond: JoinCallback): void {
  if (group.state === GroupState.Dead) {
    respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    respond(joinError(UNKNOWN_MEMBER_ID, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    return;
  }
  const memberId = newMemberId(req);
  if (req.groupInstanceId !== null) {
    const oldMemberId = group.staticMembers.get(req.groupInstanceId);
    if (oldMemberId !== undefined) {
      mgr.logger.info({ groupId: group.groupId, groupInstanceId: req.groupInstanceId, oldMemberId, memberId }, 'static member rejoins with a new member id');
      updateStaticMemberThenRebalanceOrCompleteJoin(mgr, req, group, oldMemberId, memberId, respond);
    } else {
      addMemberThenRebalanceOrCompleteJoin(mgr, req, group, memberId, respond);
    }
    return;
  }
  if (req.apiVersion >= 4) {
    // KIP-394: the member must come back with this id, so that a client that gives up on its
    // JoinGroup does not leave a member behind. It has one session to do so.
    group.addPendingMember(memberId);
    const groupId = group.groupId;
    mgr.timer.schedule(heartbeatKey(groupId, memberId), req.sessionTimeoutMs, () => mgr.expireHeartbeat(groupId, memberId));
    respond(joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED));
    return;
  }
  addMemberThenRebalanceOrCompleteJoin(mgr, req, group, memberId, respond);
}

function joinExistingMember(mgr: GroupManager, req: JoinRequest, group: ClassicGroup, respond: JoinCallback): void {
  const memberId = req.memberId;
  if (group.state === GroupState.Dead) {
    respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    return;
  }
  if (group.pendingJoinMembers.has(memberId)) {
    if (req.groupInstanceId !== null) {
      // Kafka treats this as an internal error (IllegalStateException): a pending member is never static.
      respond(joinError(memberId, ErrorCode.UNKNOWN_SERVER_ERROR));
      return;
    }
    addMemberThenRebalanceOrCompleteJoin(mgr, req, group, memberId, respond);
    return;
  }
  const invalid = group.validateMember(memberId, req.groupInstanceId);
  if (invalid !== ErrorCode.NONE) {
    respond(joinError(memberId, invalid));
    return;
  }
  const member = group.members.get(memberId)!;
  switch (group.state) {
    case GroupState.PreparingRebalance:
      updateMemberThenRebalanceOrCompleteJoin(mgr, req, group, member, `Member ${memberId} is joining group during ${group.stateName}; client reason: ${reasonOf(req)}`, respond);
      return;
    case GroupState.CompletingRebalance:
      if (member.matches(req.protocols)) {
        // Same metadata (the member probably missed its JoinGroup response): answer again.
        respond(currentGeneration(group, memberId, group.isLeader(memberId)));
      } else {
        updateMemberThenRebalanceOrCompleteJoin(mgr, req, group, member, `Updating metadata for member ${memberId} during ${group.stateName}; client reason: ${reasonOf(req)}`, respond);
      }
      return;
    case GroupState.Stable:
      if (group.isLeader(memberId)) {
        // The leader rejoins to have the assignment recomputed (topic metadata changed, say).
        updateMemberThenRebalanceOrCompleteJoin(mgr, req, group, member, `Leader ${memberId} re-joining group during ${group.stateName}; client reason: ${reasonOf(req)}`, respond);
      } else if (!member.matches(req.protocols)) {
        updateMemberThenRebalanceOrCompleteJoin(mgr, req, group, member, `Updating metadata for member ${memberId} during ${group.stateName}; client reason: ${reasonOf(req)}`, respond);
      } else {
        // A follower with nothing new: it may go on to SyncGroup with the current generation.
        respond(currentGeneration(group, memberId, false));
      }
      return;
    default:
      // Empty: the member must start over.
      mgr.logger.warn({ groupId: group.groupId, memberId, state: group.stateName }, 'rejoining member found the group in an unexpected state');
      respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  }
}

function currentGeneration(group: ClassicGroup, memberId: string, withMembers: boolean, skipAssignment = false): JoinGroupResponse {
  // The member list exists only outside a rebalance (a late answer after an fsync may find one).
  const listable = group.state === GroupState.Stable || group.state === GroupState.CompletingRebalance;
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    skipAssignment,
    memberId,
    members: withMembers && listable ? group.joinResponseMembers() : [],
  };
}

function updateMemberThenRebalanceOrCompleteJoin(
  mgr: GroupManager,
  req: JoinRequest,
  group: ClassicGroup,
  member: ClassicGroupMember,
  reason: string,
  respond: JoinCallback,
): void {
  group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);
  mgr.maybePrepareRebalanceOrCompleteJoin(group, reason);
}

function addMemberThenRebalanceOrCompleteJoin(mgr: GroupManager, req: JoinRequest, group: ClassicGroup, memberId: string, respond: JoinCallback): void {
  const member = new ClassicGroupMember(
    memberId, req.groupInstanceId, req.clientId, req.clientHost, req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocolType, req.protocols,
  );
  member.isNew = true;
  // During a new group's initial delay, each new member buys it more time.
  if (group.state === GroupState.PreparingRebalance && group.previousState === GroupState.Empty) group.newMemberAdded = true;
  group.add(member, respond);
  // A new member cannot heartbeat while its JoinGroup is parked, and a client that gave up on
  // it would leave a member behind: its join times out instead.
  mgr.rescheduleHeartbeat(group, member, mgr.config.newMemberJoinTimeoutMs);
  mgr.maybePrepareRebalanceOrCompleteJoin(group, `Adding new member ${memberId} with group instance id ${req.groupInstanceId}; client reason: ${reasonOf(req)}`);
}

/**
 * A static member came back with no member id: it takes over its previous member's place. In
 * a Stable group whose protocol does not change, no rebalance is needed — the new id is
 * persisted and the member resumes with its assignment.
 */
function updateStaticMemberThenRebalanceOrCompleteJoin(
  mgr: GroupManager,
  req: JoinRequest,
  group: ClassicGroup,
  oldMemberId: string,
  memberId: string,
  respond: JoinCallback,
): void {
  const instanceId = req.groupInstanceId!;
  const previousLeader = group.leaderId;
  const member = group.replaceStaticMember(instanceId, oldMemberId, memberId);
  // The old id's session timer finds no member and does nothing; the new id gets its own.
  mgr.rescheduleHeartbeat(group, member);
  const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
  const oldSessionTimeoutMs = member.sessionTimeoutMs;
  const oldProtocols = member.protocols;
  group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, respond);

  switch (group.state) {
    case GroupState.Stable: {
      if ((group.protocolName ?? '') !== group.selectProtocol()) {
        mgr.maybePrepareRebalanceOrCompleteJoin(group, `Group's selectedProtocol will change because static member ${memberId} with instance id ${instanceId} joined with change of protocol; client reason: ${reasonOf(req)}`);
        return;
      }
      const revert = (errorCode: number) => {
        mgr.logger.warn({ groupId: group.groupId, memberId, oldMemberId }, 'failed to persist the new id of a static member; reverting');
        group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
        const restored = group.replaceStaticMember(instanceId, memberId, oldMemberId);
        mgr.rescheduleHeartbeat(group, restored);
        respond({ ...joinError(UNKNOWN_MEMBER_ID, errorCode), generationId: group.generationId, protocolType: group.protocolType, protocolName: group.protocolName, leader: previousLeader ?? '' });
      };
      const answer = () => {
        if (req.apiVersion >= 9) {
          // KIP-814: a static leader learns it leads, but skips the assignment of a Stable group.
          const isLeader = group.isLeader(memberId);
          group.completeJoin(member, currentGeneration(group, memberId, isLeader, isLeader));
        } else {
          group.completeJoin(member, { ...currentGeneration(group, memberId, false), leader: previousLeader ?? '' });
        }
      };
      let done: Promise<void> | null;
      try {
        done = mgr.write(group.groupId, [groupMetadataRecord(group, group.assignments())]);
      } catch (err) {
        revert(err instanceof CoordinatorWriteError ? appendErrorToResponseError(err.errorCode) : ErrorCode.UNKNOWN_SERVER_ERROR);
        return;
      }
      if (done === null) answer();
      else {
        done.then(answer, (err: unknown) =>
          revert(err instanceof CoordinatorWriteError ? appendErrorToResponseError(err.errorCode) : ErrorCode.UNKNOWN_SERVER_ERROR),
        );
      }
      return;
    }
    case GroupState.CompletingRebalance:
      // The leader may already have the old id in its member list: rebalance again.
      mgr.prepareRebalance(group, `Updating metadata for static member ${memberId} with instance id ${instanceId}; client reason: ${reasonOf(req)}`);
      return;
    default:
      mgr.maybeCompleteJoinPhase(group);
  }
}
