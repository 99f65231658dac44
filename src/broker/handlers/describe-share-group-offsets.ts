// DescribeShareGroupOffsets (key 90), versions 0-1: each share-partition's start offset (the
// offset the share group has delivered everything before), from __share_group_state; -1 for
// one without state. v1 (KIP-1226) adds the lag. Topics null: every partition of the topics
// the group's members subscribe to. DESCRIBE on the group and on each topic (KafkaApis).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DescribeShareGroupOffsetsResponseGroup } from '../../protocol/generated/describe-share-group-offsets-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import { describeShareGroupOffsets } from '../share/share-offsets.js';
import { shareGroupProtocolEnabled, UNSUPPORTED_VERSION_MESSAGE } from '../feature-gates.js';
import { defineHandler } from './handler.js';

const failedGroup = (groupId: string, errorCode: number, errorMessage: string | null = null): DescribeShareGroupOffsetsResponseGroup => ({ groupId, topics: [], errorCode, errorMessage });

export const describeShareGroupOffsetsHandler = defineHandler({
  apiKey: ApiKey.DescribeShareGroupOffsets,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, info, broker) {
    const groups: DescribeShareGroupOffsetsResponseGroup[] = [];
    if (!shareGroupProtocolEnabled(broker)) return { throttleTimeMs: 0, groups: request.groups.map((g) => failedGroup(g.groupId, ErrorCode.UNSUPPORTED_VERSION, UNSUPPORTED_VERSION_MESSAGE)) };
    const status = broker.groups.statusError();
    for (const g of request.groups) {
      if (!authorizeGroup(broker, info, AclOperation.Describe, g.groupId)) {
        groups.push(failedGroup(g.groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED));
        continue;
      }
      if (status !== ErrorCode.NONE) {
        groups.push(failedGroup(g.groupId, status));
        continue;
      }
      const denied = (g.topics ?? []).filter((t) => !authorizeTopic(broker, info, AclOperation.Describe, t.topicName));
      const allowed = g.topics === null ? null : g.topics.filter((t) => !denied.includes(t)).map((t) => ({ name: t.topicName, partitions: t.partitions }));
      const r = await describeShareGroupOffsets(broker, g.groupId, allowed);
      if (r.errorCode !== ErrorCode.NONE) {
        groups.push(failedGroup(g.groupId, r.errorCode, r.errorMessage));
        continue;
      }
      const topics = r.topics
        // Subscribed topics the principal may not describe are left out of a describe of all.
        .filter((t) => g.topics !== null || authorizeTopic(broker, info, AclOperation.Describe, t.topicName))
        .map((t) => ({
          topicName: t.topicName, topicId: t.topicId,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, startOffset: BigInt(p.startOffset), leaderEpoch: p.leaderEpoch, lag: BigInt(p.lag), errorCode: p.errorCode, errorMessage: null })),
        }));
      for (const t of denied) {
        topics.push({
          topicName: t.topicName, topicId: broker.metadata.topic(t.topicName)?.id ?? Buffer.alloc(16),
          partitions: t.partitions.map((p) => ({ partitionIndex: p, startOffset: -1n, leaderEpoch: -1, lag: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null })),
        });
      }
      groups.push({ groupId: g.groupId, topics, errorCode: ErrorCode.NONE, errorMessage: null });
    }
    return { throttleTimeMs: 0, groups };
  },
});
