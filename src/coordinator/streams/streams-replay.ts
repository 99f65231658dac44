/**
 * Applies a streams group record to the groups (Kafka's GroupMetadataManager.replay for the
 * StreamsGroup* records). Heartbeats change groups only through here, so a group rebuilt
 * from __consumer_offsets at start-up is the group that was running.
 */
import { StreamsGroup, StreamsGroupState } from './streams-group.js';
import { StreamsMember, StreamsMemberState } from './streams-member.js';
import { StreamsRecordType, type CurrentTaskIds, type StreamsGroupRecord } from './streams-records.js';
import { activeFromWire, emptyHeld, fromWire, type HeldTasks } from './tasks.js';
import { topologyFromWire } from './topology.js';

/** A member removed by the coordinator is written with this epoch before its tombstones. */
const LEAVE_GROUP_MEMBER_EPOCH = -1;

export function replayStreamsRecord(groups: Map<string, StreamsGroup>, r: StreamsGroupRecord): void {
  let group = groups.get(r.group);
  if (group === undefined) {
    if (r.value === null) return;
    group = new StreamsGroup(r.group);
    groups.set(r.group, group);
  }
  switch (r.type) {
    case StreamsRecordType.GroupMetadata:
      if (r.value === null) {
        groups.delete(r.group);
        group.state = StreamsGroupState.Dead;
        return;
      }
      group.groupEpoch = r.value.epoch;
      group.metadataHash = r.value.metadataHash;
      group.validatedTopologyEpoch = r.value.validatedTopologyEpoch;
      group.storedDescriptionTopologyEpoch = r.value.storedDescriptionTopologyEpoch;
      group.failedDescriptionTopologyEpoch = r.value.failedDescriptionTopologyEpoch;
      break;
    case StreamsRecordType.Topology:
      group.topology = r.value === null ? null : topologyFromWire(r.value);
      group.configuredTopology = null;
      break;
    case StreamsRecordType.MemberMetadata: {
      if (r.value === null) {
        group.removeMember(r.memberId);
        break;
      }
      const v = r.value;
      const old = group.members.get(r.memberId) ?? StreamsMember.create(r.memberId);
      group.putMember(old.with({
        instanceId: v.instanceId, rackId: v.rackId, clientId: v.clientId, clientHost: v.clientHost, rebalanceTimeoutMs: v.rebalanceTimeoutMs,
        topologyEpoch: v.topologyEpoch, processId: v.processId, userEndpoint: v.userEndpoint === null ? null : { host: v.userEndpoint.host, port: v.userEndpoint.port },
        clientTags: new Map(v.clientTags.map((t) => [t.key, t.value])),
      }));
      break;
    }
    case StreamsRecordType.TargetAssignmentMetadata:
      group.assignmentEpoch = r.value === null ? -1 : r.value.assignmentEpoch;
      group.assignmentTimestamp = r.value === null ? 0 : Number(r.value.assignmentTimestamp);
      break;
    case StreamsRecordType.TargetAssignmentMember:
      if (r.value === null) group.targetAssignment.delete(r.memberId);
      else group.targetAssignment.set(r.memberId, { active: fromWire(r.value.activeTasks), standby: fromWire(r.value.standbyTasks), warmup: fromWire(r.value.warmupTasks) });
      break;
    case StreamsRecordType.CurrentMemberAssignment: {
      const old = group.members.get(r.memberId);
      if (r.value === null) {
        // The member is on its way out: it holds nothing any more.
        if (old !== undefined) {
          group.putMember(old.with({
            memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH, state: StreamsMemberState.Stable,
            assignedTasks: emptyHeld(), tasksPendingRevocation: emptyHeld(),
          }));
        }
        break;
      }
      const v = r.value;
      group.putMember((old ?? StreamsMember.create(r.memberId)).with({
        memberEpoch: v.memberEpoch,
        previousMemberEpoch: v.previousMemberEpoch,
        state: knownState(v.state),
        assignedTasks: held(v.activeTasks, v.standbyTasks, v.warmupTasks, v.memberEpoch),
        tasksPendingRevocation: held(v.activeTasksPendingRevocation, v.standbyTasksPendingRevocation, v.warmupTasksPendingRevocation, v.memberEpoch),
      }));
      break;
    }
  }
  group.updateState();
}

function held(active: CurrentTaskIds[], standby: CurrentTaskIds[], warmup: CurrentTaskIds[], memberEpoch: number): HeldTasks {
  return { active: activeFromWire(active, memberEpoch), standby: fromWire(standby), warmup: fromWire(warmup) };
}

function knownState(state: number): StreamsMemberState {
  return state === StreamsMemberState.Stable || state === StreamsMemberState.UnrevokedTasks || state === StreamsMemberState.UnreleasedTasks ? state : StreamsMemberState.Unknown;
}
