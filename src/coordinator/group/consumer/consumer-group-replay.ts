/**
 * Applies a consumer group record to the groups (Kafka's GroupMetadataManager.replay for
 * the ConsumerGroup* records). Heartbeats change groups only through here, so a group
 * rebuilt from __consumer_offsets at start-up is the group that was running.
 */
import { fromWire } from './assignment.js';
import { ConsumerGroup, ConsumerGroupState } from './consumer-group.js';
import { ConsumerMember, LEAVE_GROUP_MEMBER_EPOCH, MemberState } from './consumer-member.js';
import { ConsumerRecordType, type ConsumerGroupRecord, type TopicMetadata } from './consumer-records.js';

export function replayConsumerRecord(groups: Map<string, ConsumerGroup>, r: ConsumerGroupRecord): void {
  let group = groups.get(r.group);
  if (group === undefined) {
    if (r.value === null) return;
    group = new ConsumerGroup(r.group);
    groups.set(r.group, group);
  }
  switch (r.type) {
    case ConsumerRecordType.GroupMetadata:
      if (r.value === null) {
        groups.delete(r.group);
        group.state = ConsumerGroupState.Dead;
        return;
      }
      group.groupEpoch = r.value.epoch;
      break;
    case ConsumerRecordType.PartitionMetadata: {
      const topics = new Map<string, TopicMetadata>();
      for (const t of r.value?.topics ?? []) topics.set(t.topicName, { id: t.topicId.toString('hex'), name: t.topicName, numPartitions: t.numPartitions });
      group.subscriptionMetadata = topics;
      break;
    }
    case ConsumerRecordType.MemberMetadata: {
      if (r.value === null) {
        group.removeMember(r.memberId);
        break;
      }
      const v = r.value;
      const old = group.members.get(r.memberId) ?? ConsumerMember.create(r.memberId);
      group.putMember(old.with({
        instanceId: v.instanceId,
        rackId: v.rackId,
        clientId: v.clientId,
        clientHost: v.clientHost,
        subscribedTopicNames: v.subscribedTopicNames,
        subscribedTopicRegex: v.subscribedTopicRegex,
        rebalanceTimeoutMs: v.rebalanceTimeoutMs,
        serverAssignor: v.serverAssignor,
        classicMemberMetadata: v.classicMemberMetadata === null ? null : {
          sessionTimeoutMs: v.classicMemberMetadata.sessionTimeoutMs,
          supportedProtocols: v.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        },
      }));
      break;
    }
    case ConsumerRecordType.TargetAssignmentMetadata:
      group.assignmentEpoch = r.value === null ? -1 : r.value.assignmentEpoch;
      group.assignmentTimestamp = r.value === null ? 0 : Number(r.value.assignmentTimestamp);
      break;
    case ConsumerRecordType.TargetAssignmentMember:
      if (r.value === null) group.targetAssignment.delete(r.memberId);
      else group.targetAssignment.set(r.memberId, fromWire(r.value.topicPartitions));
      break;
    case ConsumerRecordType.CurrentMemberAssignment: {
      const old = group.members.get(r.memberId);
      if (r.value === null) {
        // The member is on its way out: it holds nothing any more.
        if (old !== undefined) {
          group.putMember(old.with({
            memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH, state: MemberState.Stable,
            assignedPartitions: new Map(), partitionsPendingRevocation: new Map(),
          }));
        }
        break;
      }
      const v = r.value;
      group.putMember((old ?? ConsumerMember.create(r.memberId)).with({
        memberEpoch: v.memberEpoch,
        previousMemberEpoch: v.previousMemberEpoch,
        state: knownState(v.state),
        assignedPartitions: fromWire(v.assignedPartitions),
        partitionsPendingRevocation: fromWire(v.partitionsPendingRevocation),
      }));
      break;
    }
  }
  group.updateState();
}

function knownState(state: number): MemberState {
  return state === MemberState.Stable || state === MemberState.UnrevokedPartitions || state === MemberState.UnreleasedPartitions ? state : MemberState.Unknown;
}
