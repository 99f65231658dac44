/**
 * The classic groups and the rebalance machinery they share (the classic half of Kafka's
 * GroupMetadataManager): starting a rebalance, ending the join phase into a new generation,
 * handing the leader's assignment to every member, and the deadlines that keep it moving —
 * session timeouts, the join and sync phase timeouts, and the initial rebalance delay. The
 * request flows that drive it are in join.ts, sync.ts and membership.ts.
 *
 * Every method runs synchronously on the event loop, so a group changes one request at a
 * time, without locks. Records go to __consumer_offsets through `write`; a JoinGroup or
 * SyncGroup response waits in the member until the rebalance reaches it.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { JoinGroupResponse } from '../../../protocol/generated/join-group-response.js';
import type { DescribedGroup } from '../../../protocol/generated/describe-groups-response.js';
import type { ListedGroup } from '../../../protocol/generated/list-groups-response.js';
import type { GroupMetadataValue } from '../../../protocol/generated/internal/group-metadata-value.js';
import { EMPTY_BUFFER } from '../../../protocol/primitives/codec-helpers.js';
import { ClassicGroup } from './classic-group.js';
import { ClassicGroupMember } from './classic-member.js';
import type { GroupConfig } from '../config.js';
import { GroupState, stateName } from './group-state.js';
import { groupMetadataRecord, type CoordinatorRecord } from '../records.js';
import type { DeadlineTimer } from '../timer.js';

/** Appends records for a group (see RecordSink.append); throws CoordinatorWriteError. */
export type GroupWriter = (groupId: string, records: CoordinatorRecord[]) => Promise<void> | null;

/** The member id of a member that has none yet. */
export const UNKNOWN_MEMBER_ID = '';

export function joinError(memberId: string, errorCode: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null,
    leader: '', skipAssignment: false, memberId, members: [],
  };
}

export function heartbeatKey(groupId: string, memberId: string): string {
  return `heartbeat-${groupId}-${memberId}`;
}

function joinKey(groupId: string): string {
  return `join-${groupId}`;
}

function syncKey(groupId: string): string {
  return `sync-${groupId}`;
}

export class GroupManager {
  readonly groups = new Map<string, ClassicGroup>();
  readonly config: GroupConfig;
  readonly timer: DeadlineTimer;
  readonly logger: Logger;
  private readonly writer: GroupWriter;

  constructor(config: GroupConfig, timer: DeadlineTimer, logger: Logger, writer: GroupWriter) {
    this.config = config;
    this.timer = timer;
    this.logger = logger;
    this.writer = writer;
  }

  get now(): number {
    return this.timer.clock.now();
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  /** The group, created Empty if it does not exist. */
  getOrCreate(groupId: string): ClassicGroup {
    let g = this.groups.get(groupId);
    if (g === undefined) {
      g = new ClassicGroup(groupId, GroupState.Empty, this.now);
      this.groups.set(groupId, g);
    }
    return g;
  }

  write(groupId: string, records: CoordinatorRecord[]): Promise<void> | null {
    return this.writer(groupId, records);
  }

  /** Writes records nobody waits for (a new or emptied group), logging a failure. */
  writeQuietly(groupId: string, records: CoordinatorRecord[], what: string): void {
    try {
      const done = this.writer(groupId, records);
      done?.catch((err: unknown) => this.logger.warn({ err, groupId }, `failed to write ${what}`));
    } catch (err) {
      this.logger.warn({ err, groupId }, `failed to write ${what}`);
    }
  }

  // ---- session timeouts ------------------------------------------------------------------

  rescheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    const groupId = group.groupId;
    const memberId = member.memberId;
    this.timer.schedule(heartbeatKey(groupId, memberId), timeoutMs, () => this.expireHeartbeat(groupId, memberId));
  }

  /** A member's session ran out: pending members go, members not waiting in a rebalance go. */
  expireHeartbeat(groupId: string, memberId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined || group.state === GroupState.Dead) return;
    if (group.pendingJoinMembers.has(memberId)) {
      this.logger.info({ groupId, memberId }, 'pending member removed after session timeout');
      this.removePendingMemberAndUpdateGroup(group, memberId);
      return;
    }
    const member = group.members.get(memberId);
    if (member === undefined || member.hasSatisfiedHeartbeat()) return;
    this.logger.info({ groupId, memberId }, 'member failed (session timeout), removing it from the group');
    this.removeMemberAndUpdateGroup(group, member, `removing member ${memberId} on heartbeat expiration.`);
  }

  /** Removes a member (answering a parked JoinGroup with UNKNOWN_MEMBER_ID) and rebalances. */
  removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember, reason: string): void {
    group.completeJoin(member, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    if (group.state === GroupState.Stable || group.state === GroupState.CompletingRebalance) {
      this.maybePrepareRebalanceOrCompleteJoin(group, reason);
    } else if (group.state === GroupState.PreparingRebalance && group.hasAllMembersJoined()) {
      this.completeJoin(group);
    }
  }

  removePendingMemberAndUpdateGroup(group: ClassicGroup, memberId: string): void {
    group.remove(memberId);
    if (group.state === GroupState.PreparingRebalance && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  // ---- join phase --------------------------------------------------------------------------

  maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup, reason: string): void {
    if (group.canRebalance()) this.prepareRebalance(group, reason);
    else this.maybeCompleteJoinPhase(group);
  }

  /**
   * Starts a rebalance: members waiting for their assignment are told to rejoin, and a new
   * group first waits `group.initial.rebalance.delay.ms` for more members.
   */
  prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.state === GroupState.CompletingRebalance) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const initial = group.state === GroupState.Empty;
    if (initial) {
      const delayMs = this.config.initialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      const groupId = group.groupId;
      this.timer.schedule(joinKey(groupId), delayMs, () => this.tryCompleteInitialRebalanceElseSchedule(groupId, delayMs, remainingMs));
    }
    const from = group.stateName;
    group.transitionTo(GroupState.PreparingRebalance, this.now);
    this.logger.info({ groupId: group.groupId, from, generation: group.generationId, reason }, 'preparing to rebalance group');
    if (!initial) this.maybeCompleteJoinElseSchedule(group);
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): void {
    if (group.hasAllMembersJoined()) {
      this.completeJoin(group);
    } else {
      const groupId = group.groupId;
      this.timer.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () => this.completeJoinById(groupId));
    }
  }

  /** The initial delay is over: wait once more (up to the rebalance timeout) if members kept arriving. */
  private tryCompleteInitialRebalanceElseSchedule(groupId: string, delayMs: number, remainingMs: number): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const nextDelay = Math.min(this.config.initialRebalanceDelayMs, remainingMs);
      const nextRemaining = Math.max(remainingMs - delayMs, 0);
      this.timer.schedule(joinKey(groupId), nextDelay, () => this.tryCompleteInitialRebalanceElseSchedule(groupId, nextDelay, nextRemaining));
    } else {
      this.completeJoin(group);
    }
  }

  /** Ends the join phase once everyone rejoined (not during a new group's initial delay). */
  maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (group.state !== GroupState.PreparingRebalance) return;
    if (group.previousState === GroupState.Empty) return;
    if (!group.hasAllMembersJoined()) return;
    this.completeJoin(group);
  }

  private completeJoinById(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group !== undefined) this.completeJoin(group);
  }

  /**
   * Ends the join phase: dynamic members that did not rejoin are removed, the generation
   * moves on, and every member gets its JoinGroup response (the leader with the member list);
   * then the group waits for SyncGroup. A group left without members becomes Empty.
   */
  completeJoin(group: ClassicGroup): void {
    const groupId = group.groupId;
    this.timer.cancel(joinKey(groupId));
    const gone: string[] = [];
    for (const m of group.members.values()) if (!m.isAwaitingJoin && !m.isStatic) gone.push(m.memberId);
    for (const memberId of gone) {
      group.remove(memberId);
      this.timer.cancel(heartbeatKey(groupId, memberId));
    }
    if (gone.length > 0) this.logger.info({ groupId, members: gone }, 'removed dynamic members that did not rejoin');

    if (group.state === GroupState.Dead) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: try again after the rebalance timeout, while sessions expire.
      this.logger.error({ groupId }, 'group could not complete rebalance because no members rejoined');
      this.timer.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () => this.completeJoinById(groupId));
      return;
    }
    group.initNextGeneration(this.now);
    if (group.state === GroupState.Empty) {
      this.logger.info({ groupId, generation: group.generationId }, 'group is now empty');
      this.writeQuietly(groupId, [groupMetadataRecord(group, new Map())], 'empty group metadata');
      return;
    }
    this.logger.info({ groupId, generation: group.generationId, members: group.size }, 'stabilized group');
    const leaderView = group.joinResponseMembers();
    for (const m of group.members.values()) {
      group.completeJoin(m, {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? '',
        skipAssignment: false,
        memberId: m.memberId,
        members: group.isLeader(m.memberId) ? leaderView : [],
      });
      this.rescheduleHeartbeat(group, m);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    this.schedulePendingSync(group);
  }

  // ---- sync phase --------------------------------------------------------------------------

  private schedulePendingSync(group: ClassicGroup): void {
    const groupId = group.groupId;
    const generation = group.generationId;
    this.timer.schedule(syncKey(groupId), group.rebalanceTimeoutMs(), () => this.expirePendingSync(groupId, generation));
  }

  /** Members that never sent SyncGroup within the rebalance timeout are removed, and the group rebalances. */
  private expirePendingSync(groupId: string, generation: number): void {
    const group = this.groups.get(groupId);
    if (group === undefined || generation !== group.generationId) return;
    if (group.state !== GroupState.CompletingRebalance && group.state !== GroupState.Stable) return;
    if (group.pendingSyncMembers.size === 0) return;
    const pending = [...group.pendingSyncMembers];
    for (const memberId of pending) {
      group.remove(memberId);
      this.timer.cancel(heartbeatKey(groupId, memberId));
    }
    this.prepareRebalance(group, `Removing ${pending.join(', ')} on pending sync request expiration`);
  }

  removeSyncExpiration(group: ClassicGroup): void {
    group.pendingSyncMembers.clear();
    this.timer.cancel(syncKey(group.groupId));
  }

  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    const stillWaiting = group.state === GroupState.CompletingRebalance || group.state === GroupState.Stable;
    if (!stillWaiting || group.pendingSyncMembers.size === 0) this.timer.cancel(syncKey(group.groupId));
  }

  /** Answers every parked JoinGroup and SyncGroup with `errorCode` (the group is being converted to a consumer group). */
  abortRebalance(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      group.completeJoin(m, joinError(m.memberId, errorCode));
      group.completeSync(m, { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BUFFER });
    }
  }

  /** Answers every parked SyncGroup with `errorCode` and an empty assignment. */
  resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number): void {
    if (group.state !== GroupState.CompletingRebalance) throw new Error(`group ${group.groupId} must be in CompletingRebalance, not ${group.stateName}`);
    for (const m of group.members.values()) m.assignment = EMPTY_BUFFER;
    this.propagateAssignment(group, errorCode);
  }

  setAndPropagateAssignment(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): void {
    if (group.state !== GroupState.CompletingRebalance) throw new Error(`group ${group.groupId} must be in CompletingRebalance, not ${group.stateName}`);
    for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_BUFFER;
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const m of group.members.values()) {
      const answered = group.completeSync(m, {
        throttleTimeMs: 0,
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: m.assignment,
      });
      // A member whose session ran out while it waited gets a fresh one now.
      if (answered) this.rescheduleHeartbeat(group, m);
    }
  }

  // ---- loading, unloading, deletion ----------------------------------------------------------

  /** Rebuilds (or, for a tombstone, removes) a group from its record in __consumer_offsets. */
  replay(groupId: string, value: GroupMetadataValue | null): void {
    if (value === null) {
      this.removeGroup(groupId);
      return;
    }
    const group = new ClassicGroup(
      groupId,
      value.members.length === 0 ? GroupState.Empty : GroupState.Stable,
      value.currentStateTimestamp === -1n ? null : Number(value.currentStateTimestamp),
      value.generation,
      value.protocolType === '' ? null : value.protocolType,
      value.protocol,
      value.leader,
    );
    const protocol = value.protocol ?? '';
    for (const mm of value.members) {
      const member = new ClassicGroupMember(
        mm.memberId, mm.groupInstanceId, mm.clientId, mm.clientHost,
        mm.rebalanceTimeout === -1 ? mm.sessionTimeout : mm.rebalanceTimeout, mm.sessionTimeout,
        value.protocolType, [{ name: protocol, metadata: mm.subscription }], mm.assignment,
      );
      group.add(member, null);
    }
    group.subscribedTopics = group.computeSubscribedTopics();
    this.groups.set(groupId, group);
  }

  /** After loading: members must heartbeat again within their sessions; an oversized group rebalances. */
  /** After a load: the loaded groups (those `owns` accepts) get their heartbeat deadlines. */
  onLoaded(owns: (groupId: string) => boolean = () => true): void {
    for (const group of this.groups.values()) {
      if (!owns(group.groupId)) continue;
      for (const m of group.members.values()) this.rescheduleHeartbeat(group, m);
      if (group.size > this.config.maxSize) {
        this.prepareRebalance(group, `Freshly-loaded group ${group.groupId} (size ${group.size}) is over capacity ${this.config.maxSize}. Rebalancing in order to give a chance for consumers to commit offsets`);
      }
    }
  }

  removeGroup(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    this.groups.delete(groupId);
    group.state = GroupState.Dead;
  }

  /** The coordinator stops: every parked JoinGroup and SyncGroup is answered NOT_COORDINATOR. */
  unloadAll(): void {
    this.unloadGroups(() => true);
  }

  /**
   * The groups `owns` accepts are no longer coordinated here (their partition moved, Kafka's
   * onResignation): they die, their parked JoinGroup and SyncGroup requests are answered
   * NOT_COORDINATOR. Returns how many went.
   */
  unloadGroups(owns: (groupId: string) => boolean): number {
    let n = 0;
    for (const group of [...this.groups.values()]) {
      if (!owns(group.groupId)) continue;
      group.state = GroupState.Dead;
      for (const m of group.members.values()) {
        group.completeJoin(m, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        group.completeSync(m, { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: EMPTY_BUFFER });
      }
      this.groups.delete(group.groupId);
      n++;
    }
    return n;
  }

  /** DeleteGroups' checks: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, or NONE. */
  validateDeleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group === undefined || group.state === GroupState.Dead) return ErrorCode.GROUP_ID_NOT_FOUND;
    return group.state === GroupState.Empty ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
  }

  // ---- describing -----------------------------------------------------------------------------

  /** DescribeGroups for one group; v6+ reports an unknown group as GROUP_ID_NOT_FOUND. */
  describe(groupId: string, apiVersion: number): DescribedGroup {
    const group = this.groups.get(groupId);
    if (group === undefined) {
      const v6 = apiVersion >= 6;
      return {
        errorCode: v6 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE,
        errorMessage: v6 ? `Group ${groupId} not found.` : null,
        groupId, groupState: stateName(GroupState.Dead), protocolType: '', protocolData: '', members: [],
        authorizedOperations: -2147483648,
      };
    }
    const stable = group.state === GroupState.Stable;
    const members = [];
    for (const m of group.members.values()) {
      members.push({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadata(group.protocolName!) : EMPTY_BUFFER,
        memberAssignment: stable ? m.assignment : EMPTY_BUFFER,
      });
    }
    return {
      errorCode: ErrorCode.NONE, errorMessage: null, groupId, groupState: group.stateName,
      protocolType: group.protocolType ?? '', protocolData: stable ? group.protocolName! : '', members,
      authorizedOperations: -2147483648,
    };
  }

  /**
   * ListGroups: every group, or those in the given states (case-insensitive) and of the given
   * types. All groups here are classic; an unknown type or state matches nothing.
   */
  list(statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
    const states = new Set(statesFilter.map((s) => s.trim().toLowerCase()));
    const types = new Set(typesFilter.map((t) => t.toLowerCase()));
    const out: ListedGroup[] = [];
    if (types.size > 0 && !types.has('classic')) return out;
    for (const g of this.groups.values()) {
      if (states.size > 0 && !states.has(g.stateName.toLowerCase())) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.stateName, groupType: 'classic' });
    }
    return out;
  }
}
