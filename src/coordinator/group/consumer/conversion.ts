/**
 * Converting groups between the classic and the consumer protocols while they run, as Kafka
 * 4.0 does under group.consumer.migration.policy (default bidirectional):
 *
 *  - upgrade: a classic group whose members all use the embedded consumer protocol becomes a
 *    consumer group when a member joins with ConsumerGroupHeartbeat (ConsumerGroup.fromClassicGroup:
 *    the generation becomes the group and assignment epoch, every member keeps its assignment
 *    as current and target); the classic members stay, served through JoinGroup/SyncGroup.
 *  - downgrade: when the last consumer-protocol member leaves and classic members remain, the
 *    group becomes a classic group again (ClassicGroup.fromConsumerGroup: generation = group
 *    epoch, assignments from the target assignment) and rebalances.
 *  - an empty group of either type is simply replaced (its records get tombstones).
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import { ClassicGroup } from '../classic/classic-group.js';
import { ClassicGroupMember } from '../classic/classic-member.js';
import type { GroupConfig } from '../config.js';
import type { GroupManager } from '../classic/group-manager.js';
import { GroupState } from '../classic/group-state.js';
import { groupMetadataRecord, groupTombstone, type CoordinatorRecord } from '../records.js';
import { ConsumerGroup } from './consumer-group.js';
import { ConsumerGroupManager, type FenceOutcome } from './consumer-group-manager.js';
import type { ClassicGroups } from './consumer-heartbeat.js';
import { ConsumerMember, MemberState } from './consumer-member.js';
import { currentAssignmentRecord, groupEpochRecord, memberMetadataRecord, targetEpochRecord, targetMemberRecord } from './consumer-records.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, subscriptionVersion } from './embedded-protocol.js';
import { GroupError } from './errors.js';
import { CONSUMER_PROTOCOL_TYPE } from './classic-members.js';

export class GroupConversions implements ClassicGroups {
  private readonly classic: GroupManager;
  private readonly consumer: ConsumerGroupManager;
  private readonly config: GroupConfig;

  constructor(classic: GroupManager, consumer: ConsumerGroupManager, config: GroupConfig) {
    this.classic = classic;
    this.consumer = consumer;
    this.config = config;
    consumer.downgrade = (group, leavingMemberId) => this.downgrade(group, leavingMemberId);
  }

  private get policy(): string {
    return this.config.consumer.migrationPolicy;
  }

  isBusy(groupId: string): boolean {
    const g = this.classic.group(groupId);
    return g !== undefined && g.state !== GroupState.Empty && g.state !== GroupState.Dead;
  }

  replaceEmpty(groupId: string): CoordinatorRecord[] | null {
    const g = this.classic.group(groupId);
    if (g === undefined || g.state !== GroupState.Empty) return null;
    this.consumer.logger.info({ groupId }, 'converting the empty classic group to a consumer group');
    return [groupTombstone(groupId)];
  }

  /** Kafka's validateOnlineUpgrade and convertToConsumerGroup. */
  upgrade(groupId: string, records: CoordinatorRecord[]): ConsumerGroup | null {
    const classic = this.classic.group(groupId);
    if (classic === undefined) return null;
    const log = this.consumer.logger;
    if (this.policy !== 'upgrade' && this.policy !== 'bidirectional') {
      log.info({ groupId }, 'cannot upgrade the classic group: the online upgrade is disabled');
      return null;
    }
    if (!classic.usesConsumerProtocol || classic.protocolName === null) {
      log.info({ groupId }, 'cannot upgrade the classic group: it does not use the consumer embedded protocol');
      return null;
    }
    if (classic.size > this.consumer.config.maxSize) {
      log.info({ groupId }, 'cannot upgrade the classic group: it is larger than group.consumer.max.size');
      return null;
    }
    const group = new ConsumerGroup(groupId);
    group.groupEpoch = classic.generationId;
    group.assignmentEpoch = classic.generationId;
    try {
      for (const m of classic.members.values()) {
        const subscription = decodeSubscription(m.metadata(classic.protocolName));
        const partitions = decodeAssignment(m.assignment, this.consumer.topics);
        group.putMember(new ConsumerMember({
          ...ConsumerMember.create(m.memberId).fields(),
          memberEpoch: classic.generationId, previousMemberEpoch: classic.generationId, state: MemberState.Stable,
          instanceId: m.groupInstanceId, rackId: subscription.rackId, rebalanceTimeoutMs: m.rebalanceTimeoutMs, clientId: m.clientId, clientHost: m.clientHost,
          subscribedTopicNames: subscription.topics, assignedPartitions: partitions,
          classicMemberMetadata: { sessionTimeoutMs: m.sessionTimeoutMs, supportedProtocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) },
        }));
        group.targetAssignment.set(m.memberId, partitions);
      }
    } catch (err) {
      log.warn({ err, groupId }, 'cannot upgrade the classic group: its embedded consumer protocol is malformed');
      throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Cannot upgrade the classic group ${groupId} to consumer group because the embedded consumer protocol is malformed.`);
    }
    group.updateState();
    // Members waiting in a rebalance are told another one is on.
    this.classic.abortRebalance(classic, ErrorCode.REBALANCE_IN_PROGRESS);
    records.push(groupTombstone(groupId));
    for (const m of group.members.values()) records.push(memberMetadataRecord(groupId, m));
    records.push(groupEpochRecord(groupId, group.groupEpoch));
    for (const m of group.members.values()) records.push(targetMemberRecord(groupId, m.memberId, group.targetOf(m.memberId)));
    records.push(targetEpochRecord(groupId, group.groupEpoch));
    for (const m of group.members.values()) {
      records.push(currentAssignmentRecord(groupId, m));
      this.consumer.scheduleSessionTimeout(groupId, m.memberId, m.classicMemberMetadata!.sessionTimeoutMs);
    }
    log.info({ groupId, members: group.size, epoch: group.groupEpoch }, 'upgrading the classic group to a consumer group');
    return group;
  }

  /** Kafka's validateOnlineDowngradeWithFencedMember and convertToClassicGroup. */
  downgrade(group: ConsumerGroup, leavingMemberId: string): FenceOutcome | null {
    const remaining = [...group.members.values()].filter((m) => m.memberId !== leavingMemberId);
    if (remaining.length === 0 || !remaining.every((m) => m.useClassicProtocol)) return null;
    const groupId = group.groupId;
    if (this.policy !== 'downgrade' && this.policy !== 'bidirectional') {
      this.consumer.logger.info({ groupId }, 'cannot downgrade the consumer group: the online downgrade is disabled');
      return null;
    }
    if (remaining.length > this.config.maxSize) {
      this.consumer.logger.info({ groupId }, 'cannot downgrade the consumer group: it is larger than group.max.size');
      return null;
    }
    const classic = new ClassicGroup(groupId, GroupState.Stable, this.classic.now, group.groupEpoch, CONSUMER_PROTOCOL_TYPE);
    for (const m of remaining) {
      const meta = m.classicMemberMetadata!;
      classic.add(new ClassicGroupMember(m.memberId, m.instanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, meta.sessionTimeoutMs, CONSUMER_PROTOCOL_TYPE, meta.supportedProtocols.map((p) => ({ ...p }))), null);
    }
    classic.protocolName = classic.selectProtocol();
    const assignments = new Map<string, Buffer>();
    for (const m of classic.members.values()) {
      const version = subscriptionVersion(m.metadata(classic.protocolName));
      assignments.set(m.memberId, encodeAssignment(group.targetOf(m.memberId), this.consumer.topics, version));
    }
    const records: CoordinatorRecord[] = [...ConsumerGroupManager.groupTombstones(group), groupMetadataRecord(classic, assignments)];
    this.consumer.logger.info({ groupId, leaving: leavingMemberId }, 'downgrading the consumer group to a classic group');
    return {
      records,
      after: () => {
        const g = this.classic.group(groupId);
        if (g === undefined) return;
        for (const m of g.members.values()) this.classic.rescheduleHeartbeat(g, m);
        this.classic.prepareRebalance(g, `Downgrade group ${groupId} from consumer to classic.`);
      },
    };
  }
}
