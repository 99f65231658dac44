/**
 * How consumer groups appear in the describe and list APIs, as Kafka 4.0 shows them:
 * ConsumerGroupDescribe (ConsumerGroup.asDescribedGroup, with KIP-1099's member type from v1),
 * ListGroups (type "consumer", protocol type "consumer"), and DescribeGroups, which describes
 * classic groups only and answers a consumer group as Dead (GROUP_ID_NOT_FOUND from v6).
 */
import { ErrorCode } from '../../../protocol/generated/errors.js';
import type { DescribedGroup as DescribedConsumerGroup, Member, TopicPartitions as DescribedPartitions } from '../../../protocol/generated/consumer-group-describe-response.js';
import type { DescribedGroup } from '../../../protocol/generated/describe-groups-response.js';
import type { ListedGroup } from '../../../protocol/generated/list-groups-response.js';
import { toWire, type TopicPartitions } from './assignment.js';
import { CONSUMER_GROUP_TYPE, type ConsumerGroup } from './consumer-group.js';
import type { ConsumerMember } from './consumer-member.js';

/** Kafka's MemberType (ConsumerGroupDescribe v1). */
const MEMBER_TYPE_CLASSIC = 0;
const MEMBER_TYPE_CONSUMER = 1;

interface TopicNames {
  topicById?(id: Buffer): { name: string } | undefined;
}

/** Partitions with their topic names; topics that no longer exist are left out, as Kafka does. */
function described(a: TopicPartitions, topics: TopicNames | null): DescribedPartitions[] {
  const out: DescribedPartitions[] = [];
  for (const tp of toWire(a)) {
    const topic = topics?.topicById?.(tp.topicId);
    if (topic === undefined) continue;
    out.push({ topicId: tp.topicId, topicName: topic.name, partitions: tp.partitions });
  }
  return out;
}

function describeMember(m: ConsumerMember, target: TopicPartitions, topics: TopicNames | null, apiVersion: number): Member {
  return {
    memberId: m.memberId,
    instanceId: m.instanceId,
    rackId: m.rackId,
    memberEpoch: m.memberEpoch,
    clientId: m.clientId,
    clientHost: m.clientHost,
    subscribedTopicNames: [...m.subscribedTopicNames],
    subscribedTopicRegex: m.subscribedTopicRegex,
    assignment: { topicPartitions: described(m.assignedPartitions, topics) },
    targetAssignment: { topicPartitions: described(target, topics) },
    memberType: apiVersion >= 1 ? (m.useClassicProtocol ? MEMBER_TYPE_CLASSIC : MEMBER_TYPE_CONSUMER) : -1,
  };
}

export function describeConsumerGroup(group: ConsumerGroup, assignorName: string, topics: TopicNames | null, apiVersion: number): DescribedConsumerGroup {
  const members: Member[] = [];
  for (const m of group.members.values()) members.push(describeMember(m, group.targetOf(m.memberId), topics, apiVersion));
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId: group.groupId,
    groupState: group.stateName,
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignorName,
    members,
    authorizedOperations: -2147483648,
  };
}

/** DescribeGroups of a consumer group id: Kafka's "not a classic group". */
export function describeConsumerGroupAsClassic(group: ConsumerGroup, apiVersion: number): DescribedGroup {
  return describeModernGroupAsClassic(group.groupId, apiVersion);
}

/** DescribeGroups of a consumer, streams or share group: Dead, and from v6 GROUP_ID_NOT_FOUND. */
export function describeModernGroupAsClassic(groupId: string, apiVersion: number): DescribedGroup {
  const v6 = apiVersion >= 6;
  return {
    errorCode: v6 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE,
    errorMessage: v6 ? `Group ${groupId} is not a classic group.` : null,
    groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [],
    authorizedOperations: -2147483648,
  };
}

export function listedConsumerGroup(group: ConsumerGroup): ListedGroup {
  return { groupId: group.groupId, protocolType: CONSUMER_GROUP_TYPE, groupState: group.stateName, groupType: CONSUMER_GROUP_TYPE };
}
