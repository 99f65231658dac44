/**
 * The streams groups (the streams half of Kafka's GroupMetadataManager): the groups by id,
 * the session and rebalance deadlines of their members and fencing those who miss them,
 * replaying records, and what other APIs need (describe, list, delete, offset commit and
 * fetch checks). The heartbeat itself is in streams-heartbeat.ts.
 *
 * A heartbeat builds its records first; the writer appends them to __consumer_offsets and
 * replays them into the groups (as the consumer groups' writer does); then the heartbeat's
 * memory-only changes apply and its response reads the group.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { TopicsSource } from '../group/consumer/subscriptions.js';
import type { DeadlineTimer } from '../group/timer.js';
import type { StreamsGroupConfig } from './config.js';
import { GroupError } from './errors.js';
import type { StreamsHeartbeatOutcome, StreamsHeartbeatRequest, StreamsHeartbeatResponse } from './heartbeat-types.js';
import { streamsGroupHeartbeat } from './streams-heartbeat.js';
import { computeStreamsTargetAssignment } from './target-assignment.js';
import { StreamsGroup, StreamsGroupState } from './streams-group.js';
import { StreamsMemberState, type StreamsMember } from './streams-member.js';
import { replayStreamsRecord } from './streams-replay.js';
import {
  currentAssignmentTombstone, groupMetadataRecord, memberMetadataTombstone, metadataOf, targetEpochRecord, targetMemberRecord, topologyRecord,
  type StreamsGroupRecord,
} from './streams-records.js';
import { canComputeNextTargetAssignment } from '../group/assignment-interval.js';
import { groupInt, NO_GROUP_OVERRIDES, type GroupOverrides } from '../group/group-configs.js';
import { TopologyDescriptionManager } from './topology-description/manager.js';
import { createTopologyDescriptionPlugin } from './topology-description/plugin.js';

/** A streams group's settings, its own configs over the broker's (StreamsGroupManager.settings). */
export interface StreamsGroupSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  numStandbyReplicas: number;
  initialRebalanceDelayMs: number;
  acceptableRecoveryLag: number;
  taskOffsetIntervalMs: number;
  /** streams.assignment.interval.ms (assignment-interval.ts). */
  assignmentIntervalMs: number;
}

/** GroupCoordinatorConfig's internal group.streams.min.task.offset.interval.ms. */
const MIN_TASK_OFFSET_INTERVAL_MS = 15_000;

/** Appends records and replays them into the manager; throws when the append fails. Null when committed already, else settles once committed. */
export type StreamsGroupWriter = (groupId: string, records: StreamsGroupRecord[]) => Promise<void> | null;

export interface HeartbeatResult {
  response: StreamsHeartbeatResponse;
  /** Internal topics the coordinator should create (MISSING_INTERNAL_TOPICS). */
  topicsToCreate: StreamsHeartbeatOutcome['topicsToCreate'];
  /** Settles when the records are committed (null: nothing to wait for). */
  committed: Promise<void> | null;
}

function sessionKey(groupId: string, memberId: string): string {
  return `streams-group-session-timeout-${groupId}-${memberId}`;
}

function rebalanceKey(groupId: string, memberId: string): string {
  return `streams-group-rebalance-timeout-${groupId}-${memberId}`;
}

function initialRebalanceKey(groupId: string): string {
  return `initial-rebalance-timeout-${groupId}`;
}

export class StreamsGroupManager {
  readonly groups = new Map<string, StreamsGroup>();
  readonly config: StreamsGroupConfig;
  readonly timer: DeadlineTimer;
  readonly logger: Logger;
  readonly topics: TopicsSource | null;
  private readonly writer: StreamsGroupWriter;
  /** KIP-1331 topology descriptions (the plugin group.streams.topology.description.plugin.class names, if any). */
  readonly descriptions: TopologyDescriptionManager;
  /** Whether a group of another type (classic, consumer) has the id; set by the coordinator. */
  otherGroupExists: (groupId: string) => boolean = () => false;
  /** Set by the broker: each group's own configs (streams.session.timeout.ms...). */
  groupOverrides: GroupOverrides = NO_GROUP_OVERRIDES;

  constructor(config: StreamsGroupConfig, timer: DeadlineTimer, logger: Logger, writer: StreamsGroupWriter, topics: TopicsSource | null) {
    this.config = config;
    this.timer = timer;
    this.logger = logger;
    this.writer = writer;
    this.topics = topics;
    this.descriptions = new TopologyDescriptionManager(createTopologyDescriptionPlugin(config.topologyDescriptionPluginClass), timer.clock);
  }

  /** Appends records and replays them; throws when the append fails; null when committed already. */
  write(groupId: string, records: StreamsGroupRecord[]): Promise<void> | null {
    return this.writer(groupId, records);
  }

  group(groupId: string): StreamsGroup | undefined {
    return this.groups.get(groupId);
  }

  replay(r: StreamsGroupRecord): void {
    replayStreamsRecord(this.groups, r);
  }

  /** A StreamsGroupHeartbeat: throws GroupError when refused (nothing written), else writes its records. */
  heartbeat(req: StreamsHeartbeatRequest): HeartbeatResult {
    const outcome = streamsGroupHeartbeat(this, req, this.timer.clock.now());
    const committed = outcome.records.length > 0 ? this.writer(req.groupId, outcome.records) : null;
    const group = this.groups.get(req.groupId);
    if (group !== undefined) {
      outcome.finish?.(group);
      group.updateState();
    }
    return { response: outcome.response, topicsToCreate: outcome.topicsToCreate, committed };
  }

  /** The response Kafka sends for a refused heartbeat. */
  static errorResponse(errorCode: number, errorMessage: string | null): StreamsHeartbeatResponse {
    return {
      errorCode, errorMessage, memberId: '', memberEpoch: 0, heartbeatIntervalMs: 0, acceptableRecoveryLag: 0, taskOffsetIntervalMs: 0,
      status: null, activeTasks: null, standbyTasks: null, warmupTasks: null, endpointInformationEpoch: 0, partitionsByUserEndpoint: null,
    };
  }

  private writeQuietly(groupId: string, records: StreamsGroupRecord[], what: string): void {
    try {
      this.writer(groupId, records)?.catch((err: unknown) => this.logger.warn({ err, groupId }, `failed to write ${what}`));
    } catch (err) {
      this.logger.warn({ err, groupId }, `failed to write ${what}`);
    }
  }

  // ---- deadlines ----------------------------------------------------------------------------

  /**
   * The group's settings as the coordinator uses them: its own streams.* configs, clamped into
   * the broker's bounds (GroupConfig.evaluate), else the broker's group.streams.* settings.
   */
  settings(groupId: string): StreamsGroupSettings {
    const o = this.groupOverrides(groupId);
    const c = this.config;
    return {
      sessionTimeoutMs: groupInt(o, 'streams.session.timeout.ms', c.sessionTimeoutMs, c.minSessionTimeoutMs, c.maxSessionTimeoutMs),
      heartbeatIntervalMs: groupInt(o, 'streams.heartbeat.interval.ms', c.heartbeatIntervalMs, c.minHeartbeatIntervalMs, c.maxHeartbeatIntervalMs),
      numStandbyReplicas: groupInt(o, 'streams.num.standby.replicas', c.numStandbyReplicas, 0, c.maxStandbyReplicas),
      initialRebalanceDelayMs: groupInt(o, 'streams.initial.rebalance.delay.ms', c.initialRebalanceDelayMs),
      acceptableRecoveryLag: groupInt(o, 'streams.acceptable.recovery.lag', c.acceptableRecoveryLag),
      taskOffsetIntervalMs: groupInt(o, 'streams.task.offset.interval.ms', c.taskOffsetIntervalMs, MIN_TASK_OFFSET_INTERVAL_MS),
      assignmentIntervalMs: groupInt(o, 'streams.assignment.interval.ms', c.assignmentIntervalMs),
    };
  }

  /** The member's session: the group's session timeout from its last heartbeat. */
  scheduleSessionTimeout(groupId: string, memberId: string): void {
    this.timer.schedule(sessionKey(groupId, memberId), this.settings(groupId).sessionTimeoutMs, () => this.fenceOnTimeout(groupId, memberId, 'session timeout'));
  }

  /** A member told to revoke tasks must do so within its rebalance timeout. */
  scheduleRebalanceTimeout(groupId: string, member: StreamsMember): void {
    const { memberId, memberEpoch } = member;
    this.timer.schedule(rebalanceKey(groupId, memberId), member.rebalanceTimeoutMs, () => this.onRebalanceTimeout(groupId, memberId, memberEpoch));
  }

  /**
   * Kafka's initial rebalance delay: the first member of an empty group does not get a target
   * assignment before group.streams.initial.rebalance.delay.ms, so that the members starting
   * with it are in the first assignment (status ASSIGNMENT_DELAYED meanwhile).
   */
  scheduleInitialRebalanceIfAbsent(groupId: string): void {
    const delay = this.settings(groupId).initialRebalanceDelayMs;
    const key = initialRebalanceKey(groupId);
    if (delay <= 0 || this.timer.has(key)) return;
    this.timer.schedule(key, delay, () => this.computeDelayedTargetAssignment(groupId));
  }

  initialRebalancePending(groupId: string): boolean {
    return this.timer.has(initialRebalanceKey(groupId));
  }

  /** The target assignment the initial rebalance delay held back (Kafka's computeDelayedTargetAssignment). */
  private computeDelayedTargetAssignment(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined || group.isEmpty || group.groupEpoch <= group.assignmentEpoch) return;
    if (group.configuredTopology === null) {
      this.logger.warn({ groupId }, 'cannot compute the delayed target assignment: the topology is not configured');
      return;
    }
    const settings = this.settings(groupId);
    const nowMs = this.timer.clock.now();
    // Within the assignment interval the members' next heartbeat after it computes it instead.
    if (!canComputeNextTargetAssignment(group.assignmentTimestamp, settings.assignmentIntervalMs, nowMs)) return;
    const result = computeStreamsTargetAssignment({
      group, groupEpoch: group.groupEpoch, updated: null, removedMemberId: null, updatedPreviousTarget: null, configured: group.configuredTopology,
      numStandbyReplicas: settings.numStandbyReplicas, nowMs,
    });
    this.writeQuietly(groupId, result.records, 'delayed target assignment');
  }

  cancelRebalanceTimeout(groupId: string, memberId: string): void {
    this.timer.cancel(rebalanceKey(groupId, memberId));
  }

  cancelTimers(groupId: string, memberId: string): void {
    this.timer.cancel(sessionKey(groupId, memberId));
    this.timer.cancel(rebalanceKey(groupId, memberId));
  }

  private fenceOnTimeout(groupId: string, memberId: string, why: string): void {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return;
    this.logger.info({ groupId, memberId }, `member fenced from the streams group: ${why}`);
    this.writeQuietly(groupId, this.fenceMemberRecords(group, member), 'fenced streams member');
  }

  private onRebalanceTimeout(groupId: string, memberId: string, memberEpoch: number): void {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return;
    if (member.memberEpoch !== memberEpoch || member.state !== StreamsMemberState.UnrevokedTasks) return;
    this.logger.info({ groupId, memberId, memberEpoch }, `member fenced from the streams group: it did not revoke its tasks within ${member.rebalanceTimeoutMs}ms`);
    this.writeQuietly(groupId, this.fenceMemberRecords(group, member), 'fenced streams member');
  }

  // ---- removing members and groups ----------------------------------------------------------

  /** Tombstones for a member's current assignment, target assignment and metadata, in Kafka's order. */
  removeMemberRecords(groupId: string, memberId: string): StreamsGroupRecord[] {
    return [currentAssignmentTombstone(groupId, memberId), targetMemberRecord(groupId, memberId, null), memberMetadataTombstone(groupId, memberId)];
  }

  /** Kafka's streamsGroupFenceMember: the member's tombstones and a bumped group epoch, so the others get a new target. */
  fenceMemberRecords(group: StreamsGroup, member: StreamsMember): StreamsGroupRecord[] {
    this.cancelTimers(group.groupId, member.memberId);
    return [
      ...this.removeMemberRecords(group.groupId, member.memberId),
      groupMetadataRecord(group.groupId, metadataOf(group, { epoch: group.groupEpoch + 1 })),
    ];
  }

  /** Every record of a group as tombstones (StreamsGroup.createGroupTombstoneRecords). */
  static groupTombstones(group: StreamsGroup): StreamsGroupRecord[] {
    const id = group.groupId;
    const out: StreamsGroupRecord[] = [];
    for (const memberId of group.members.keys()) out.push(currentAssignmentTombstone(id, memberId));
    for (const memberId of group.targetAssignment.keys()) out.push(targetMemberRecord(id, memberId, null));
    out.push(targetEpochRecord(id, null));
    for (const memberId of group.members.keys()) out.push(memberMetadataTombstone(id, memberId));
    out.push(topologyRecord(id, null));
    out.push(groupMetadataRecord(id, null));
    return out;
  }

  /** DeleteGroups' check: NON_EMPTY_GROUP unless the group has no members. */
  validateDeleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    return group.isEmpty ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
  }

  /** After a load: the loaded groups (those `owns` accepts) get their members' deadlines. */
  onLoaded(owns: (groupId: string) => boolean = () => true): void {
    for (const group of this.groups.values()) {
      if (!owns(group.groupId)) continue;
      for (const member of group.members.values()) {
        this.scheduleSessionTimeout(group.groupId, member.memberId);
        if (member.state === StreamsMemberState.UnrevokedTasks) this.scheduleRebalanceTimeout(group.groupId, member);
      }
    }
  }

  /** The groups `owns` accepts are no longer coordinated here; returns how many went. */
  unloadGroups(owns: (groupId: string) => boolean): number {
    let n = 0;
    for (const group of [...this.groups.values()]) {
      if (!owns(group.groupId)) continue;
      for (const memberId of group.members.keys()) this.cancelTimers(group.groupId, memberId);
      group.state = StreamsGroupState.Dead;
      this.groups.delete(group.groupId);
      n++;
    }
    return n;
  }

  // ---- offsets ------------------------------------------------------------------------------

  /**
   * StreamsGroup.validateOffsetCommit: a commit from outside the group (epoch -1) is allowed
   * only while it is empty; a member must give its current epoch.
   */
  validateOffsetCommit(group: StreamsGroup, memberId: string, memberEpoch: number): void {
    if (memberEpoch < 0 && group.isEmpty) return;
    checkMemberEpoch(group, memberId, memberEpoch);
  }

  /** StreamsGroup.validateOffsetFetch: anyone may fetch without a member id; a member must give its current epoch. */
  validateOffsetFetch(group: StreamsGroup, memberId: string | null, memberEpoch: number): void {
    if (memberEpoch < 0 && memberId === null) return;
    checkMemberEpoch(group, memberId ?? '', memberEpoch);
  }
}

function checkMemberEpoch(group: StreamsGroup, memberId: string, memberEpoch: number): void {
  const member = group.members.get(memberId);
  if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
  if (memberEpoch !== member.memberEpoch) {
    throw new GroupError(ErrorCode.STALE_MEMBER_EPOCH, `The member epoch ${memberEpoch} is stale; the current epoch is ${member.memberEpoch}.`);
  }
}
