/**
 * The share groups of a group coordinator (the share half of Kafka's GroupMetadataManager):
 * ShareGroupHeartbeat (join, stay, leave), the members' session timeouts, the simple
 * assignor's target assignment, describing, listing and deleting groups, and replaying the
 * share group records.
 *
 * An operation builds its records, applies them through replay, and hands them back (or, for
 * a timeout, to the writer) to be appended to __consumer_offsets; validation comes first, so
 * a refused request changes nothing. Errors are thrown as GroupError with Kafka's codes and
 * messages.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { assignmentsEqual, copyAssignment, topicIdHex, type TopicPartitions } from '../group/consumer/assignment.js';
import { GroupError } from '../group/consumer/errors.js';
import type { TopicsSource } from '../group/consumer/subscriptions.js';
import type { DeadlineTimer } from '../group/timer.js';
import type { ShareGroupConfig } from './share-config.js';
import { newShareMember, ShareGroup, ShareGroupState, type ShareMember } from './share-group.js';
import { groupTombstones, memberTombstones, ShareGroupRecordType, type ShareGroupRecord, type ShareStatePartitions, type ShareStateTopic } from './share-group-records.js';
import { deleteAllState, deleteTopicsState, EMPTY_STATE, markPartitions, withoutTopic, withSubscribedInitialized, type RefusedTopic } from './share-state-partitions.js';
import { SIMPLE_ASSIGNOR_NAME, simpleAssign, type AssignorMember } from './simple-assignor.js';
import { checkMemberEpoch, LEAVE_GROUP_MEMBER_EPOCH, metadataDiffers, metadataHash, sameNames, subscribedNames, validate } from './share-member-checks.js';
import { canComputeNextTargetAssignment } from '../group/assignment-interval.js';
import { groupInt, NO_GROUP_OVERRIDES, type GroupOverrides } from '../group/group-configs.js';

export { LEAVE_GROUP_MEMBER_EPOCH };

export interface ShareHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  rackId: string | null;
  /** null: unchanged since the last heartbeat. */
  subscribedTopicNames: string[] | null;
  clientId: string;
  clientHost: string;
}

export interface ShareHeartbeatResult {
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** The member's partitions when it joined or they changed; null otherwise. */
  assignment: TopicPartitions | null;
  /** Already applied; to be appended before the response goes out. */
  records: ShareGroupRecord[];
}

/** Appends records the manager applied on its own (a member fenced by its session timeout). */
export type ShareGroupWriter = (groupId: string, records: ShareGroupRecord[]) => void;

export class ShareGroupManager {
  readonly groups = new Map<string, ShareGroup>();
  readonly config: ShareGroupConfig;
  private readonly timer: DeadlineTimer;
  private readonly topics: TopicsSource;
  private readonly logger: Logger;
  private readonly writer: ShareGroupWriter;
  /** The type of another group (classic, consumer) with the id, or null. */
  otherGroupType: (groupId: string) => string | null = () => null;
  /** Set by the broker: each group's own configs (share.session.timeout.ms, share.heartbeat.interval.ms). */
  groupOverrides: GroupOverrides = NO_GROUP_OVERRIDES;
  /** Told when a member leaves or is fenced (its share sessions' acquisitions are released). */
  onMemberRemoved: (groupId: string, memberId: string) => void = () => {};

  constructor(config: ShareGroupConfig, timer: DeadlineTimer, topics: TopicsSource, logger: Logger, writer: ShareGroupWriter) {
    this.config = config;
    this.timer = timer;
    this.topics = topics;
    this.logger = logger;
    this.writer = writer;
  }

  group(groupId: string): ShareGroup | undefined {
    return this.groups.get(groupId);
  }

  heartbeat(req: ShareHeartbeatRequest): ShareHeartbeatResult {
    validate(req);
    const other = this.otherGroupType(req.groupId);
    if (other !== null) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a share group.`);
    if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) return this.leave(req);
    const joining = req.memberEpoch === 0;
    const group = this.groups.get(req.groupId) ?? (joining ? new ShareGroup(req.groupId) : undefined);
    if (group === undefined) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Share group ${req.groupId} not found.`);
    const existing = group.members.get(req.memberId);
    if (existing === undefined) {
      if (!joining) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      if (group.members.size >= this.config.maxSize) {
        throw new GroupError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The share group has reached its maximum capacity of ${this.config.maxSize} members.`);
      }
    } else {
      checkMemberEpoch(existing, req.memberEpoch);
    }
    const member = existing ?? newShareMember(req.memberId);
    const updated: ShareMember = {
      ...member,
      rackId: req.rackId ?? member.rackId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      subscribedTopicNames: req.subscribedTopicNames ?? member.subscribedTopicNames,
    };
    const records: ShareGroupRecord[] = [];
    const { groupId, memberId } = req;
    if (existing === undefined || metadataDiffers(existing, updated)) {
      records.push({
        type: ShareGroupRecordType.MemberMetadata, groupId, memberId,
        value: { rackId: updated.rackId, clientId: updated.clientId, clientHost: updated.clientHost, subscribedTopicNames: [...updated.subscribedTopicNames] },
      });
    }
    // The group epoch moves on when a member joins, its subscription changes, or the subscribed topics change.
    const members = new Map(group.members);
    members.set(memberId, updated);
    const hash = metadataHash(subscribedNames(members.values()), this.topics);
    let groupEpoch = group.groupEpoch;
    if (existing === undefined || !sameNames(existing.subscribedTopicNames, updated.subscribedTopicNames) || hash !== group.metadataHash) {
      groupEpoch++;
      records.push({ type: ShareGroupRecordType.GroupMetadata, groupId, value: { epoch: groupEpoch, metadataHash: hash } });
    }
    // A new target assignment when the group epoch is ahead of the target's.
    let assignmentEpoch = group.assignmentEpoch;
    let target = group.targetOf(memberId);
    const nowMs = this.timer.clock.now();
    const intervalMs = groupInt(this.groupOverrides(groupId), 'share.assignment.interval.ms', this.config.assignmentIntervalMs);
    if (groupEpoch > assignmentEpoch && canComputeNextTargetAssignment(group.assignmentTimestamp, intervalMs, nowMs)) {
      const targets = this.computeTarget(group, members);
      for (const [id, partitions] of targets) {
        if (id === memberId || !assignmentsEqual(partitions, group.targetOf(id))) {
          records.push({ type: ShareGroupRecordType.TargetAssignmentMember, groupId, memberId: id, value: partitions });
        }
      }
      assignmentEpoch = groupEpoch;
      records.push({ type: ShareGroupRecordType.TargetAssignmentMetadata, groupId, value: { assignmentEpoch, assignmentTimestamp: nowMs } });
      target = targets.get(memberId) ?? new Map();
    }
    // A share member takes its target at once: nothing to revoke first.
    const changed = !assignmentsEqual(updated.assignedPartitions, target);
    if (updated.memberEpoch !== assignmentEpoch || changed) {
      records.push({
        type: ShareGroupRecordType.CurrentMemberAssignment, groupId, memberId,
        value: { memberEpoch: assignmentEpoch, previousMemberEpoch: updated.memberEpoch, assignedPartitions: copyAssignment(target) },
      });
    }
    // What the group's state covers is looked at when the group epoch moves (members, subscriptions or topics changed),
    // and for a group without the record yet (one written before Millrace kept it).
    const state = groupEpoch > group.groupEpoch || group.statePartitions === null ? withSubscribedInitialized(group.statePartitions, this.subscribedTopicIds(subscribedNames(members.values()))) : null;
    if (state !== null) records.push({ type: ShareGroupRecordType.StatePartitionMetadata, groupId, value: state });
    if (!this.groups.has(groupId)) this.groups.set(groupId, group);
    for (const r of records) this.replay(r);
    this.scheduleSessionTimeout(groupId, memberId);
    if (existing === undefined) this.logger.info({ groupId, memberId }, 'member joins the share group');
    const now = group.members.get(memberId)!;
    return {
      memberId, memberEpoch: now.memberEpoch,
      heartbeatIntervalMs: groupInt(this.groupOverrides(groupId), 'share.heartbeat.interval.ms', this.config.heartbeatIntervalMs, this.config.minHeartbeatIntervalMs, this.config.maxHeartbeatIntervalMs),
      assignment: joining || changed ? copyAssignment(now.assignedPartitions) : null, records,
    };
  }

  /** DeleteGroups' check: NONE, GROUP_ID_NOT_FOUND, or NON_EMPTY_GROUP while it has members. */
  validateDeleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    return group.state === ShareGroupState.Empty ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
  }

  /** DeleteGroups' first step (share-state-partitions.ts): the state partition record and the share-partitions whose state goes. */
  beginDeleteGroup(groupId: string): { records: ShareGroupRecord[]; topics: ShareStateTopic[] } {
    const group = this.groups.get(groupId);
    if (group === undefined || group.statePartitions === null) return { records: [], topics: [] };
    const { value, topics } = deleteAllState(group.statePartitions, (id) => this.partitionCountOf(id));
    return { records: this.applyState(groupId, value), topics };
  }

  /** The records deleting an empty group (DeleteGroups' last step, its state deleted); NON_EMPTY_GROUP while it has members. */
  deleteGroup(groupId: string): ShareGroupRecord[] {
    const group = this.groups.get(groupId);
    if (group === undefined) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
    if (group.state !== ShareGroupState.Empty) throw new GroupError(ErrorCode.NON_EMPTY_GROUP, `Group ${groupId} is not empty.`);
    const records = groupTombstones(groupId);
    for (const r of records) this.replay(r);
    return records;
  }

  /** DeleteShareGroupOffsets' first step (share-state-partitions.ts) on an existing group. */
  beginDeleteOffsets(groupId: string, topicNames: readonly string[]): { records: ShareGroupRecord[]; topics: ShareStateTopic[]; refused: RefusedTopic[] } {
    const state = this.groups.get(groupId)?.statePartitions ?? null;
    if (state === null) return { records: [], topics: [], refused: [] };
    const out = deleteTopicsState(state, topicNames, (name) => {
      const t = this.topics.topic(name);
      return t === undefined ? undefined : { topicId: topicIdHex(t.id), partitionCount: t.partitions.length };
    });
    return { records: out.value === null ? [] : this.applyState(groupId, out.value), topics: out.topics, refused: out.refused };
  }

  /** DeleteShareGroupOffsets' last step (Kafka's completeDeleteShareGroupOffsets): the topics whose state went leave `deleting`. */
  completeDeleteOffsets(groupId: string, topicIds: readonly string[]): ShareGroupRecord[] {
    const state = this.groups.get(groupId)?.statePartitions ?? null;
    if (state === null) return [];
    const deleting = state.deleting.filter((d) => !topicIds.includes(d.topicId));
    return deleting.length === state.deleting.length ? [] : this.applyState(groupId, { ...state, deleting });
  }

  /** AlterShareGroupOffsets' bookkeeping (share-state-partitions.ts): partitions initializing, or with `done` initialized. */
  markStatePartitions(groupId: string, topic: ShareStateTopic, done: boolean): ShareGroupRecord[] {
    const group = this.groups.get(groupId);
    if (group === undefined) return [];
    return this.applyState(groupId, markPartitions(group.statePartitions ?? EMPTY_STATE, topic, done));
  }

  /** A topic was deleted: the groups whose state partition metadata names it drop it; their records, by group. */
  forgetTopic(topicName: string): Map<string, ShareGroupRecord[]> {
    const out = new Map<string, ShareGroupRecord[]>();
    for (const g of this.groups.values()) {
      const next = g.statePartitions === null ? null : withoutTopic(g.statePartitions, topicName);
      if (next !== null) out.set(g.groupId, this.applyState(g.groupId, next));
    }
    return out;
  }

  private applyState(groupId: string, value: ShareStatePartitions): ShareGroupRecord[] {
    const records: ShareGroupRecord[] = [{ type: ShareGroupRecordType.StatePartitionMetadata, groupId, value }];
    for (const r of records) this.replay(r);
    return records;
  }

  /** Applies one record (a heartbeat's, or one loaded from __consumer_offsets). */
  replay(r: ShareGroupRecord): void {
    let group = this.groups.get(r.groupId);
    if (group === undefined) {
      if (r.value === null) return;
      group = new ShareGroup(r.groupId);
      this.groups.set(r.groupId, group);
    }
    switch (r.type) {
      case ShareGroupRecordType.GroupMetadata:
        if (r.value === null) {
          this.groups.delete(r.groupId);
        } else {
          group.groupEpoch = r.value.epoch;
          group.metadataHash = r.value.metadataHash;
        }
        break;
      case ShareGroupRecordType.TargetAssignmentMetadata:
        group.assignmentEpoch = r.value === null ? 0 : r.value.assignmentEpoch;
        group.assignmentTimestamp = r.value === null ? 0 : r.value.assignmentTimestamp;
        break;
      case ShareGroupRecordType.TargetAssignmentMember:
        if (r.value === null) group.targetAssignment.delete(r.memberId);
        else group.targetAssignment.set(r.memberId, copyAssignment(r.value));
        break;
      case ShareGroupRecordType.MemberMetadata:
        if (r.value === null) {
          group.members.delete(r.memberId);
        } else {
          const m = group.members.get(r.memberId) ?? newShareMember(r.memberId);
          group.members.set(r.memberId, { ...m, ...r.value, subscribedTopicNames: [...r.value.subscribedTopicNames] });
        }
        break;
      case ShareGroupRecordType.StatePartitionMetadata:
        group.statePartitions = r.value;
        break;
      case ShareGroupRecordType.CurrentMemberAssignment:
        if (r.value !== null) {
          const m = group.members.get(r.memberId) ?? newShareMember(r.memberId);
          group.members.set(r.memberId, { ...m, memberEpoch: r.value.memberEpoch, previousMemberEpoch: r.value.previousMemberEpoch, assignedPartitions: copyAssignment(r.value.assignedPartitions) });
        }
        break;
    }
  }

  /** After a load: the members of the loaded groups (those `owns` accepts) get a fresh session (Kafka's onLoaded). */
  onLoaded(owns: (groupId: string) => boolean = () => true): void {
    for (const g of this.groups.values()) {
      if (!owns(g.groupId)) continue;
      for (const memberId of g.members.keys()) this.scheduleSessionTimeout(g.groupId, memberId);
    }
  }

  /** Forgets the groups `owns` accepts (their __consumer_offsets partition moved away) and their timers; returns how many went. */
  unloadGroups(owns: (groupId: string) => boolean): number {
    let n = 0;
    for (const g of [...this.groups.values()]) {
      if (!owns(g.groupId)) continue;
      for (const memberId of g.members.keys()) this.timer.cancel(sessionKey(g.groupId, memberId));
      this.groups.delete(g.groupId);
      n++;
    }
    return n;
  }

  private scheduleSessionTimeout(groupId: string, memberId: string): void {
    const c = this.config;
    const timeoutMs = groupInt(this.groupOverrides(groupId), 'share.session.timeout.ms', c.sessionTimeoutMs, c.minSessionTimeoutMs, c.maxSessionTimeoutMs);
    this.timer.schedule(sessionKey(groupId, memberId), timeoutMs, () => this.fenceOnTimeout(groupId, memberId));
  }

  private fenceOnTimeout(groupId: string, memberId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined || !group.members.has(memberId)) return;
    this.logger.info({ groupId, memberId }, 'share group member fenced: session timeout');
    const records = this.removeMember(group, memberId);
    this.writer(groupId, records);
  }

  private leave(req: ShareHeartbeatRequest): ShareHeartbeatResult {
    const group = this.groups.get(req.groupId);
    if (group === undefined) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Share group ${req.groupId} not found.`);
    if (!group.members.has(req.memberId)) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
    this.logger.info({ groupId: req.groupId, memberId: req.memberId }, 'member leaves the share group');
    const records = this.removeMember(group, req.memberId);
    return { memberId: req.memberId, memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, heartbeatIntervalMs: 0, assignment: null, records };
  }

  /** Tombstones the member and bumps the group epoch, so the others get a new target on their next heartbeat. */
  private removeMember(group: ShareGroup, memberId: string): ShareGroupRecord[] {
    const groupId = group.groupId;
    this.timer.cancel(sessionKey(groupId, memberId));
    const remaining = [...group.members.values()].filter((m) => m.memberId !== memberId);
    const records: ShareGroupRecord[] = [
      ...memberTombstones(groupId, memberId),
      { type: ShareGroupRecordType.GroupMetadata, groupId, value: { epoch: group.groupEpoch + 1, metadataHash: metadataHash(subscribedNames(remaining), this.topics) } },
    ];
    for (const r of records) this.replay(r);
    this.onMemberRemoved(groupId, memberId);
    return records;
  }

  /** The partition count of the topic with the id, or undefined when the metadata lacks it. */
  private partitionCountOf(topicId: string): number | undefined {
    for (const t of this.topics.topics()) if (topicIdHex(t.id) === topicId) return t.partitions.length;
    return undefined;
  }

  private subscribedTopicIds(names: readonly string[]): Array<{ topicId: string; topicName: string; partitionCount: number }> {
    const out: Array<{ topicId: string; topicName: string; partitionCount: number }> = [];
    for (const name of names) {
      const t = this.topics.topic(name);
      if (t !== undefined) out.push({ topicId: topicIdHex(t.id), topicName: name, partitionCount: t.partitions.length });
    }
    return out;
  }

  private computeTarget(group: ShareGroup, members: ReadonlyMap<string, ShareMember>): Map<string, TopicPartitions> {
    const counts = new Map<string, number>();
    const input: AssignorMember[] = [];
    for (const m of members.values()) {
      const ids = new Set<string>();
      for (const name of m.subscribedTopicNames) {
        const t = this.topics.topic(name);
        if (t === undefined) continue;
        const id = topicIdHex(t.id);
        ids.add(id);
        counts.set(id, t.partitions.length);
      }
      input.push({ memberId: m.memberId, subscribedTopicIds: ids, current: group.targetOf(m.memberId) });
    }
    return simpleAssign(input, counts);
  }
}

export { SIMPLE_ASSIGNOR_NAME };

function sessionKey(groupId: string, memberId: string): string {
  return `share-group-session-timeout-${groupId}-${memberId}`;
}
