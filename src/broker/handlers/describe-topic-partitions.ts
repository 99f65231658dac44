// DescribeTopicPartitions (key 75), version 0 (KIP-966). Topics by name (all when the list is
// empty), sorted by name, at most response_partition_limit partitions (capped at 2000, at
// least 1) per response with a cursor to continue from. Eligible leader replicas and last
// known ELR are the partition's (cluster/elr.ts; empty on a single node). A cursor outside the requested topics, or
// with a negative partition, fails every topic with INVALID_REQUEST, as in Kafka.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { DescribeTopicPartitionsResponse, DescribeTopicPartitionsResponsePartition, DescribeTopicPartitionsResponseTopic } from '../../protocol/generated/describe-topic-partitions-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';
import type { BrokerContext } from '../context.js';
import { isInternalTopic, type TopicMetadata } from '../../cluster/metadata.js';
import { topicNameError } from '../topics.js';
import { topicAuthorizedOperations, UNKNOWN_AUTHORIZED_OPERATIONS } from './common.js';
import { defineHandler, type RequestInfo } from './handler.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeTopic } from '../authorize.js';

/** Kafka's max.request.partition.size.limit default. */
const MAX_PARTITIONS_PER_RESPONSE = 2000;

export const describeTopicPartitionsHandler = defineHandler({
  apiKey: ApiKey.DescribeTopicPartitions,
  minVersion: 0,
  maxVersion: 0,
  handle(request, info, broker) {
    const cursor = request.cursor;
    const from = cursor?.topicName ?? '';
    const all = request.topics.length === 0;
    const names = new Set<string>();
    if (all) {
      for (const t of broker.metadata.topics()) if (t.name >= from) names.add(t.name);
    } else {
      for (const t of request.topics) if (t.name >= from) names.add(t.name);
      if (cursor !== null && !names.has(cursor.topicName)) return invalid(request.topics);
    }
    if (cursor !== null && cursor.partitionIndex < 0) return invalid(request.topics);

    let remaining = Math.max(Math.min(MAX_PARTITIONS_PER_RESPONSE, request.responsePartitionLimit), 1);
    const response: DescribeTopicPartitionsResponse = { throttleTimeMs: 0, topics: [], nextCursor: null };
    for (const name of [...names].sort()) {
      if (remaining === 0) {
        response.nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      // DESCRIBE on the topic first: a denied name in the list is answered as denied whether it
      // exists or not; a denied topic is left out of "all topics".
      if (!authorizeTopic(broker, info, AclOperation.Describe, name)) {
        if (!all) response.topics.push(denied(name));
        continue;
      }
      const topic = broker.metadata.topic(name);
      if (topic === undefined) {
        if (!all) response.topics.push(missing(broker, info, name));
        continue;
      }
      const start = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
      const end = Math.min(topic.partitions.length, start + remaining);
      response.topics.push(entry(broker, info, topic, partitions(broker, topic, start, end)));
      if (end < topic.partitions.length) {
        response.nextCursor = { topicName: name, partitionIndex: end };
        break;
      }
      remaining -= Math.max(end - start, 0);
    }
    return response;
  },
});

function partitions(broker: BrokerContext, topic: TopicMetadata, start: number, end: number): DescribeTopicPartitionsResponsePartition[] {
  const live = new Set(broker.metadata.brokers().map((b) => b.nodeId));
  const out: DescribeTopicPartitionsResponsePartition[] = [];
  for (let i = start; i < end; i++) {
    const p = topic.partitions[i]!;
    // A leader without a live registration: LEADER_NOT_AVAILABLE and no leader, as Kafka's metadata cache.
    out.push({
      errorCode: live.has(p.leader) ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: p.partition,
      leaderId: live.has(p.leader) ? p.leader : -1,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      eligibleLeaderReplicas: p.elr ?? [],
      lastKnownElr: p.lastKnownElr ?? [],
      offlineReplicas: p.replicas.filter((r) => !live.has(r)),
    });
  }
  return out;
}

function entry(broker: BrokerContext, info: RequestInfo, topic: TopicMetadata, parts: DescribeTopicPartitionsResponsePartition[]): DescribeTopicPartitionsResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions: parts,
    topicAuthorizedOperations: topicAuthorizedOperations(broker, info, topic.name),
  };
}

function missing(broker: BrokerContext, info: RequestInfo, name: string): DescribeTopicPartitionsResponseTopic {
  const errorCode = topicNameError(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
  return { errorCode, name, topicId: ZERO_UUID, isInternal: isInternalTopic(name), partitions: [], topicAuthorizedOperations: topicAuthorizedOperations(broker, info, name) };
}

function denied(name: string): DescribeTopicPartitionsResponseTopic {
  return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS };
}

function invalid(topics: ReadonlyArray<{ name: string }>): DescribeTopicPartitionsResponse {
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      errorCode: ErrorCode.INVALID_REQUEST,
      name: t.name,
      topicId: ZERO_UUID,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS,
    })),
    nextCursor: null,
  };
}
