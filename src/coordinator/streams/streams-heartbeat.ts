/**
 * StreamsGroupHeartbeat (Kafka 4.4's GroupMetadataManager.streamsGroupHeartbeat): one request
 * joins, stays in, or leaves a streams group.
 *
 *  1. The member is created or updated (a static member coming back under a new id
 *     replaces its old self); a new member or changed metadata bumps the group epoch.
 *  2. The first member sets the topology; later joiners must send the same one. The
 *     topology is configured against the topics that exist; a change in those topics (the
 *     metadata hash), in whether the topology is ready, or in the standby setting bumps
 *     the group epoch too. Internal topics that are missing are returned for creation.
 *  3. When the group epoch is ahead of the target assignment's, the sticky assignor
 *     computes a new target assignment.
 *  4. The member takes one reconciliation step towards its target (revoke before assign).
 *
 * Everything is validated before the first record is built, so a refused request writes
 * nothing. Errors are thrown as GroupError with Kafka's codes and messages.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { canComputeNextTargetAssignment } from '../group/assignment-interval.js';
import { configureTopics, isReady, StreamsStatus, type ConfiguredTopology, type StatusEntry } from './configured-topology.js';
import { reconcileStreamsMember } from './current-assignment-builder.js';
import { endpointToPartitions } from './endpoints.js';
import { GroupError } from './errors.js';
import type { StreamsHeartbeatOutcome, StreamsHeartbeatRequest, StreamsHeartbeatResponse } from './heartbeat-types.js';
import type { StreamsGroupManager } from './streams-group-manager.js';
import { StreamsGroup } from './streams-group.js';
import { leaveStreamsGroup, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, lookUpMember } from './streams-membership.js';
import { StreamsMemberState, sameEndpoint, type StreamsMember } from './streams-member.js';
import { currentAssignmentRecord, groupMetadataRecord, memberMetadataRecord, targetEpochRecord, targetMemberRecord, topologyRecord, type StreamsGroupRecord } from './streams-records.js';
import { computeMetadataHash, computeStreamsTargetAssignment } from './target-assignment.js';
import { emptyTuple, fromWire, sameHeld, toWire, type TasksTuple } from './tasks.js';
import { sameTopology, topologyFromWire, validateTopology, type StreamsTopology } from './topology.js';

function invalid(message: string): GroupError {
  return new GroupError(ErrorCode.INVALID_REQUEST, message);
}

/** Kafka's throwIfStreamsGroupHeartbeatRequestIsInvalid (and throwIfInvalidTopology). */
export function validateStreamsHeartbeat(req: StreamsHeartbeatRequest): StreamsTopology | null {
  if (req.memberId === '') throw invalid("MemberId can't be empty.");
  if (req.groupId === '') throw invalid("GroupId can't be empty.");
  if (req.instanceId === '') throw invalid("InstanceId can't be empty.");
  if (req.rackId === '') throw invalid("RackId can't be empty.");
  let topology: StreamsTopology | null = null;
  if (req.memberEpoch === 0) {
    if (req.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
    if (req.activeTasks !== null && req.activeTasks.length > 0) throw invalid('ActiveTasks must be empty when (re-)joining.');
    if (req.standbyTasks !== null && req.standbyTasks.length > 0) throw invalid('StandbyTasks must be empty when (re-)joining.');
    if (req.warmupTasks !== null && req.warmupTasks.length > 0) throw invalid('WarmupTasks must be empty when (re-)joining.');
    if (req.topology === null) throw invalid('Topology must be non-null when (re-)joining.');
    topology = topologyFromWire(req.topology);
    validateTopology(topology);
  } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (req.instanceId === null) throw invalid("InstanceId can't be null.");
  } else if (req.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    throw invalid(`MemberEpoch is ${req.memberEpoch}, but must be greater than or equal to -2.`);
  }
  if (req.activeTasks !== null || req.standbyTasks !== null || req.warmupTasks !== null) {
    if (req.activeTasks === null || req.standbyTasks === null || req.warmupTasks === null) throw invalid('If one task-type is non-null, all must be non-null.');
  }
  if (req.memberEpoch !== 0 && req.topology !== null) throw invalid('Topology can only be provided when (re-)joining.');
  return topology;
}

export function streamsGroupHeartbeat(mgr: StreamsGroupManager, req: StreamsHeartbeatRequest, nowMs: number): StreamsHeartbeatOutcome {
  const requestTopology = validateStreamsHeartbeat(req);
  if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return leaveStreamsGroup(mgr, req);

  const records: StreamsGroupRecord[] = [];
  const groupId = req.groupId;
  let group = mgr.group(groupId);
  if (group === undefined) {
    if (mgr.otherGroupExists(groupId)) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a streams group.`);
    if (req.memberEpoch !== 0) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Streams group ${groupId} not found.`);
    group = new StreamsGroup(groupId);
  }
  if (group.size >= mgr.config.maxSize && !group.members.has(req.memberId)) {
    throw new GroupError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The streams group has reached its maximum capacity of ${mgr.config.maxSize} members.`);
  }
  const { member, replaced } = lookUpMember(mgr, group, req, records);

  // 1. The member's new metadata.
  const updated = member.with({
    instanceId: req.instanceId ?? member.instanceId,
    rackId: req.rackId ?? member.rackId,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
    topologyEpoch: req.topology !== null ? req.topology.epoch : member.topologyEpoch,
    clientId: req.clientId,
    clientHost: req.clientHost,
    processId: req.processId ?? member.processId,
    clientTags: req.clientTags !== null ? new Map(req.clientTags.map((t) => [t.key, t.value])) : member.clientTags,
    userEndpoint: req.userEndpoint !== null ? { host: req.userEndpoint.host, port: req.userEndpoint.port } : member.userEndpoint,
  });
  const isNew = !group.members.has(updated.memberId) && replaced === null;
  let recompute = false;
  if (isNew || replaced !== null || updated.metadataDiffers(member)) {
    records.push(memberMetadataRecord(groupId, updated));
    recompute = isNew || updated.metadataDiffers(member);
  }

  // 2. The topology, and how it fits the topics that exist.
  const topology = settleTopology(group, requestTopology, records);
  const status: StatusEntry[] = [];
  if (updated.topologyEpoch !== topology.epoch) {
    status.push({ statusCode: StreamsStatus.StaleTopology, statusDetail: `The member's topology epoch ${updated.topologyEpoch} is behind the group's topology epoch ${topology.epoch}.` });
  }
  const metadataHash = computeMetadataHash(topology, mgr.topics);
  let configured = group.topology === topology ? group.configuredTopology : null;
  if (metadataHash !== group.metadataHash) recompute = true;
  if (configured === null || metadataHash !== group.metadataHash) configured = configureTopics(topology, mgr.topics);
  const validatedTopologyEpoch = isReady(configured) ? topology.epoch : -1;
  if (isReady(configured)) throwIfInvalidTasks(configured, req);
  if (validatedTopologyEpoch !== group.validatedTopologyEpoch) recompute = true;

  let groupEpoch = group.groupEpoch;
  if (recompute) {
    groupEpoch += 1;
    records.push(groupMetadataRecord(groupId, {
      epoch: groupEpoch, metadataHash, validatedTopologyEpoch,
      storedDescriptionTopologyEpoch: group.storedDescriptionTopologyEpoch, failedDescriptionTopologyEpoch: group.failedDescriptionTopologyEpoch,
    }));
    mgr.logger.info({ groupId, memberId: updated.memberId, groupEpoch }, 'bumped streams group epoch');
    if (group.isEmpty) mgr.scheduleInitialRebalanceIfAbsent(groupId);
  }

  // 3. A new target assignment when the group epoch moved.
  let targetEpoch = group.assignmentEpoch;
  let target: TasksTuple = replaced !== null ? group.targetOf(replaced.memberId) : group.targetOf(updated.memberId);
  if (groupEpoch > group.assignmentEpoch && mgr.initialRebalancePending(groupId)) {
    // The group's first assignment waits for the initial rebalance delay: nothing to run yet.
    // The member that starts the delay moves the target epoch to its epoch with nothing
    // assigned (as Kafka answers: epoch 1, no tasks), so that members never stay at epoch 0.
    status.push({ statusCode: StreamsStatus.AssignmentDelayed, statusDetail: 'Assignment delayed due to the configured initial rebalance delay.' });
    target = emptyTuple();
    if (group.isEmpty) {
      // Timestamp 0: no assignor ran, so the delayed assignment is not held by the assignment interval.
      records.push(targetMemberRecord(groupId, updated.memberId, target), targetEpochRecord(groupId, groupEpoch, 0));
      targetEpoch = groupEpoch;
    }
  } else if (groupEpoch > group.assignmentEpoch && !canComputeNextTargetAssignment(group.assignmentTimestamp, mgr.settings(groupId).assignmentIntervalMs, nowMs)) {
    // Within the assignment interval the last target stands (assignment-interval.ts).
    status.push({ statusCode: StreamsStatus.AssignmentDelayed, statusDetail: 'Assignment delayed due to the configured assignment interval.' });
  } else if (groupEpoch > group.assignmentEpoch) {
    const result = computeStreamsTargetAssignment({
      group, groupEpoch, updated, removedMemberId: replaced?.memberId ?? null, updatedPreviousTarget: replaced !== null ? target : null,
      configured, numStandbyReplicas: mgr.settings(groupId).numStandbyReplicas, nowMs,
    });
    records.push(...result.records);
    target = result.assignment.get(updated.memberId)!;
    targetEpoch = groupEpoch;
  }

  // 4. One reconciliation step.
  const owned = ownedTasks(req);
  let reconciled = updated;
  if (!updated.isReconciledTo(targetEpoch)) reconciled = reconcileStreamsMember({ member: updated, targetEpoch, target, ownership: group, owned });
  const assignmentChanged = reconciled !== updated && currentAssignmentChanged(updated, reconciled);
  if (assignmentChanged || isNew || replaced !== null) {
    records.push(currentAssignmentRecord(groupId, reconciled));
    if (reconciled.state === StreamsMemberState.UnrevokedTasks) mgr.scheduleRebalanceTimeout(groupId, reconciled);
    else mgr.cancelRebalanceTimeout(groupId, reconciled.memberId);
  }
  mgr.scheduleSessionTimeout(groupId, reconciled.memberId);
  if (configured.status !== null) status.push(configured.status);

  const tasksChanged = !sameHeld(member.assignedTasks, reconciled.assignedTasks);
  const endpointChanged = !sameEndpoint(member.userEndpoint, reconciled.userEndpoint) || (tasksChanged && reconciled.userEndpoint !== null);
  const settings = mgr.settings(groupId);
  const response: StreamsHeartbeatResponse = {
    errorCode: ErrorCode.NONE, errorMessage: null, memberId: reconciled.memberId, memberEpoch: reconciled.memberEpoch,
    heartbeatIntervalMs: settings.heartbeatIntervalMs, acceptableRecoveryLag: settings.acceptableRecoveryLag, taskOffsetIntervalMs: settings.taskOffsetIntervalMs,
    status, activeTasks: null, standbyTasks: null, warmupTasks: null, endpointInformationEpoch: 0, partitionsByUserEndpoint: null,
  };
  if (req.memberEpoch === 0 || tasksChanged) {
    response.activeTasks = toWire(reconciled.assignedTasks.active);
    response.standbyTasks = toWire(reconciled.assignedTasks.standby);
    response.warmupTasks = toWire(reconciled.assignedTasks.warmup);
  }
  const memberId = reconciled.memberId;
  // What lives in memory only, and what the response reads from the group once the records are applied.
  const finish = (g: StreamsGroup): void => {
    if (g.topology !== null && sameTopology(g.topology, topology)) g.configuredTopology = configured;
    if (req.taskOffsets !== null) g.setTaskOffsets(memberId, req.taskOffsets);
    if (req.taskEndOffsets !== null) g.setTaskOffsets(memberId, req.taskEndOffsets, g.taskEndOffsets);
    if (req.shutdownApplication) g.shutdownRequestMemberId = memberId;
    if (g.shutdownRequestMemberId !== null) {
      response.status!.unshift({
        statusCode: StreamsStatus.ShutdownApplication,
        statusDetail: `Streams group member ${g.shutdownRequestMemberId} encountered a fatal error and requested a shutdown for the entire application.`,
      });
    }
    if (endpointChanged) g.endpointInformationEpoch++;
    g.updateState();
    response.endpointInformationEpoch = g.endpointInformationEpoch;
    if (req.endpointInformationEpoch !== g.endpointInformationEpoch) response.partitionsByUserEndpoint = endpointToPartitions(g, g.configuredTopology);
  };
  return { response, records, topicsToCreate: configured.internalTopicsToCreate, finish };
}

/**
 * Kafka's maybeUpdateTopology: the first topology is written; a joiner with an older epoch
 * runs with the group's (and is told it is stale); one with the same or a newer epoch must
 * send exactly the group's topology, as Kafka 4.4 does not update topologies.
 */
function settleTopology(group: StreamsGroup, requested: StreamsTopology | null, records: StreamsGroupRecord[]): StreamsTopology {
  if (requested !== null) {
    if (group.topology === null) {
      records.push(topologyRecord(group.groupId, requested));
      return requested;
    }
    if (group.topology.epoch > requested.epoch) return group.topology;
    if (!sameTopology(group.topology, requested)) throw invalid('Topology updates are not supported yet.');
    return group.topology;
  }
  if (group.topology === null) throw new GroupError(ErrorCode.UNKNOWN_SERVER_ERROR, 'The topology is null and the group topology is also null.');
  return group.topology;
}

/** Kafka's throwIfRequestContainsInvalidTasks: owned tasks must exist in the configured topology. */
function throwIfInvalidTasks(configured: ConfiguredTopology, req: StreamsHeartbeatRequest): void {
  const subs = configured.subtopologies!;
  for (const list of [req.activeTasks, req.standbyTasks, req.warmupTasks]) {
    if (list === null) continue;
    for (const t of list) {
      const s = subs.get(t.subtopologyId);
      if (s === undefined) throw invalid(`Subtopology ${t.subtopologyId} does not exist in the topology.`);
      for (const p of t.partitions) {
        if (p < 0 || p >= s.numTasks) throw invalid(`Task ${p} for subtopology ${t.subtopologyId} is invalid. Number of tasks for this subtopology: ${s.numTasks}`);
      }
    }
  }
}

function ownedTasks(req: StreamsHeartbeatRequest): TasksTuple | null {
  if (req.activeTasks === null || req.standbyTasks === null || req.warmupTasks === null) return null;
  return { active: fromWire(req.activeTasks), standby: fromWire(req.standbyTasks), warmup: fromWire(req.warmupTasks) };
}

function currentAssignmentChanged(a: StreamsMember, b: StreamsMember): boolean {
  return a.memberEpoch !== b.memberEpoch || a.previousMemberEpoch !== b.previousMemberEpoch || a.state !== b.state ||
    !sameHeld(a.assignedTasks, b.assignedTasks) || !sameHeld(a.tasksPendingRevocation, b.tasksPendingRevocation);
}
