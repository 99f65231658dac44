/**
 * SyncGroup for classic groups (GroupMetadataManager.classicGroupSync): followers park until
 * the leader's assignment arrives; the leader's SyncGroup persists the assignment as the
 * group's metadata record and, once it is written, makes the group Stable and answers
 * everyone. In a Stable group SyncGroup just returns the member's assignment.
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { SyncGroupResponse } from '../../../protocol/generated/sync-group-response.js';
import { EMPTY_BUFFER } from '../../../protocol/primitives/codec-helpers.js';
import type { ClassicGroup } from './classic-group.js';
import type { SyncCallback } from './classic-member.js';
import type { GroupManager } from './group-manager.js';
import { GroupState } from './group-state.js';
import { groupMetadataRecord } from '../records.js';
import { appendErrorToResponseError, CoordinatorWriteError } from '../sink.js';

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v5+; null before. */
  protocolType: string | null;
  protocolName: string | null;
  assignments: ReadonlyArray<{ memberId: string; assignment: Buffer }>;
}

export function syncError(errorCode: number): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BUFFER };
}

/** A field the request gives that differs from the group's (both known). */
function inconsistent(requested: string | null, current: string | null): boolean {
  return requested !== null && current !== null && requested !== current;
}

function validate(group: ClassicGroup, req: SyncRequest): number {
  if (group.state === GroupState.Dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const invalid = group.validateMember(req.memberId, req.groupInstanceId);
  if (invalid !== ErrorCode.NONE) return invalid;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  if (inconsistent(req.protocolType, group.protocolType) || inconsistent(req.protocolName, group.protocolName)) {
    return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }
  return ErrorCode.NONE;
}

/** Handles a SyncGroup whose group id was checked; `respond` is called once, now or later. */
export function syncGroup(mgr: GroupManager, req: SyncRequest, respond: SyncCallback): void {
  const group = mgr.group(req.groupId);
  if (group === undefined || group.state === GroupState.Empty) {
    respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return;
  }
  const invalid = validate(group, req);
  if (invalid !== ErrorCode.NONE) {
    respond(syncError(invalid));
    return;
  }
  switch (group.state) {
    case GroupState.PreparingRebalance:
      respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      return;
    case GroupState.CompletingRebalance: {
      group.members.get(req.memberId)!.awaitingSync = respond;
      mgr.removePendingSyncMember(group, req.memberId);
      if (group.isLeader(req.memberId)) storeAssignment(mgr, group, req);
      return;
    }
    case GroupState.Stable: {
      mgr.removePendingSyncMember(group, req.memberId);
      const member = group.members.get(req.memberId)!;
      respond({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      return;
    }
    default:
      respond(syncError(ErrorCode.UNKNOWN_SERVER_ERROR));
  }
}

/**
 * The leader's assignment: every member gets its part (an empty one when the leader gave it
 * none). It is written first; when the write is done, the group, if it is still in this
 * generation's CompletingRebalance, becomes Stable and everyone is answered.
 */
function storeAssignment(mgr: GroupManager, group: ClassicGroup, req: SyncRequest): void {
  const assignment = new Map<string, Buffer>();
  for (const a of req.assignments) assignment.set(a.memberId, a.assignment);
  const missing: string[] = [];
  for (const memberId of group.members.keys()) {
    if (!assignment.has(memberId)) {
      assignment.set(memberId, EMPTY_BUFFER);
      missing.push(memberId);
    }
  }
  if (missing.length > 0) mgr.logger.warn({ groupId: group.groupId, generation: group.generationId, members: missing }, 'setting empty assignments for members the leader left out');
  mgr.logger.info({ groupId: group.groupId, generation: group.generationId, leader: req.memberId, members: group.size }, 'assignment received from leader');

  const generation = req.generationId;
  const onWritten = (errorCode: number) => {
    // The group may have moved on (a member joined) while the record was being written.
    if (group.state !== GroupState.CompletingRebalance || generation !== group.generationId) return;
    if (errorCode !== ErrorCode.NONE) {
      mgr.resetAndPropagateAssignmentWithError(group, errorCode);
      mgr.maybePrepareRebalanceOrCompleteJoin(group, `Error ${errorCode} when storing group assignment during SyncGroup (member: ${req.memberId}).`);
      return;
    }
    mgr.setAndPropagateAssignment(group, assignment);
    group.transitionTo(GroupState.Stable, mgr.now);
  };
  const failed = (err: unknown) => {
    mgr.logger.warn({ err, groupId: group.groupId }, 'failed to store group assignment');
    onWritten(err instanceof CoordinatorWriteError ? appendErrorToResponseError(err.errorCode) : ErrorCode.UNKNOWN_SERVER_ERROR);
  };
  let done: Promise<void> | null;
  try {
    done = mgr.write(group.groupId, [groupMetadataRecord(group, assignment)]);
  } catch (err) {
    failed(err);
    return;
  }
  if (done === null) onWritten(ErrorCode.NONE);
  else done.then(() => onWritten(ErrorCode.NONE), failed);
}
