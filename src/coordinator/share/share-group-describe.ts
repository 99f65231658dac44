/**
 * How share groups appear in ShareGroupDescribe (Kafka's ShareGroup.asDescribedGroup): state
 * Empty or Stable, the epochs, the "simple" assignor, and each member's subscription and
 * partitions with their topic names (topics that no longer exist are left out).
 */
import type { DescribedGroup, Member, TopicPartitions as DescribedPartitions } from '../../protocol/generated/share-group-describe-response.js';
import { toWire, type TopicPartitions } from '../group/consumer/assignment.js';
import type { ShareGroup } from './share-group.js';
import { SIMPLE_ASSIGNOR_NAME } from './simple-assignor.js';

interface TopicNames {
  topicById?(id: Buffer): { name: string } | undefined;
}

function described(a: TopicPartitions, topics: TopicNames): DescribedPartitions[] {
  const out: DescribedPartitions[] = [];
  for (const tp of toWire(a)) {
    const topic = topics.topicById?.(tp.topicId);
    if (topic !== undefined) out.push({ topicId: tp.topicId, topicName: topic.name, partitions: tp.partitions });
  }
  return out;
}

export function describeShareGroup(group: ShareGroup, topics: TopicNames): DescribedGroup {
  const members: Member[] = [];
  for (const m of group.members.values()) {
    members.push({
      memberId: m.memberId, rackId: m.rackId, memberEpoch: m.memberEpoch, clientId: m.clientId, clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames], assignment: { topicPartitions: described(m.assignedPartitions, topics) },
    });
  }
  return {
    errorCode: 0, errorMessage: null, groupId: group.groupId, groupState: group.stateName, groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch, assignorName: SIMPLE_ASSIGNOR_NAME, members, authorizedOperations: -2147483648,
  };
}
