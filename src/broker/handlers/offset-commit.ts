// OffsetCommit (key 8), versions 2-10, as Kafka 4.4 serves them (v0-1 were removed, KIP-896).
// v2-4 carry a retention time (an expire timestamp on the record); v3 adds the throttle
// time; v5 drops the retention time; v6 adds the leader epoch; v7 group.instance.id; v8 is
// the first flexible version; v9 answers GROUP_ID_NOT_FOUND for a member commit to a group
// that does not exist (ILLEGAL_GENERATION before); for a KIP-848 consumer group the
// generation is the member epoch (STALE_MEMBER_EPOCH, and UNSUPPORTED_VERSION below v9 for a
// consumer-protocol member); v10 names topics by id (KIP-848), an id no topic has getting
// UNKNOWN_TOPIC_ID. Unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION; a
// group-level error goes to every partition. The response waits until the commit's records
// are committed in __consumer_offsets.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { OffsetCommitRequest } from '../../protocol/generated/offset-commit-request.js';
import type { OffsetCommitResponse } from '../../protocol/generated/offset-commit-response.js';
import type { CommitRequest } from '../../coordinator/group/offsets.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

function everyPartition(request: OffsetCommitRequest, errorCode: number): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
}

const key = (topic: string, partition: number) => `${partition}:${topic}`;

export const offsetCommitHandler = defineHandler({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 2,
  maxVersion: 10,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const groups = broker.groups;
    // v10: the name of each topic id, '' for an id no topic has (KafkaApis fills the request's names the same way).
    if (v >= 10) for (const t of request.topics) t.name = broker.metadata.topicById(t.topicId)?.name ?? '';
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return everyPartition(request, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return everyPartition(request, status);

    // Partitions of topics that do not exist are answered here; the others go to the group.
    const codes = new Map<string, number>();
    const valid: CommitRequest['topics'][number][] = [];
    for (const t of request.topics) {
      const topic = broker.metadata.topic(t.name);
      const partitions = [];
      const denied = !authorizeTopic(broker, info, AclOperation.Read, t.name);
      for (const p of t.partitions) {
        if (v >= 10 && t.name === '') {
          codes.set(key(t.name, p.partitionIndex), ErrorCode.UNKNOWN_TOPIC_ID);
        } else if (denied) {
          codes.set(key(t.name, p.partitionIndex), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        } else if (topic === undefined || !topic.partitions.some((m) => m.partition === p.partitionIndex)) {
          codes.set(key(t.name, p.partitionIndex), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        } else {
          partitions.push({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
            commitTimestamp: -1n,
            committedMetadata: p.committedMetadata,
          });
        }
      }
      if (partitions.length > 0) valid.push({ name: t.name, partitions });
    }
    if (valid.length > 0) {
      const notHere = await groups.coordinatorError(request.groupId);
      if (notHere !== ErrorCode.NONE) return everyPartition(request, notHere);
      const result = await groups.commitOffsets({
        groupId: request.groupId,
        generationIdOrMemberEpoch: request.generationIdOrMemberEpoch,
        memberId: request.memberId,
        groupInstanceId: v >= 7 ? request.groupInstanceId : null,
        retentionTimeMs: v <= 4 ? request.retentionTimeMs : -1n,
        topics: valid,
        apiVersion: v,
      });
      if (result.errorCode !== ErrorCode.NONE) return everyPartition(request, result.errorCode);
      for (const t of result.topics) for (const p of t.partitions) codes.set(key(t.name, p.partitionIndex), p.errorCode);
    }
    const response: OffsetCommitResponse = {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(key(t.name, p.partitionIndex)) ?? ErrorCode.NONE })),
      })),
    };
    return response;
  },
});
