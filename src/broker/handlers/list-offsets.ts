// ListOffsets (key 2), versions 1-11 (Kafka 4.0 removed v0). v1 one offset and its timestamp
// per partition; v2 isolation level (read_committed answers "latest" with the last stable
// offset); v4 current leader epoch (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH) and the leader
// epoch of the answer; v5 OFFSET_NOT_AVAILABLE (never needed on one node); v6 flexible; v7
// timestamp -3: the offset with the largest timestamp (KIP-734); v8 -4: earliest local offset
// (KIP-405; no tiered storage, so the log start offset); v9 -5: latest tiered offset
// (KIP-1005; no tiered storage: offset -1, timestamp -1, epoch -1, as Kafka answers); v10
// timeout_ms (KIP-1075, for remote reads: unused); v11 -6: earliest offset pending upload to
// tiered storage (KIP-1023; none: offset -1, timestamp -1, epoch -1, as Kafka answers without
// remote storage). A special timestamp older than its
// version gets UNSUPPORTED_VERSION, a partition named twice INVALID_REQUEST. A lookup by
// timestamp finds the first offset whose timestamp is >= it; none, or one not yet readable
// (at or past the high watermark), gives offset -1 and timestamp -1.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ListOffsetsPartition } from '../../protocol/generated/list-offsets-request.js';
import type { ListOffsetsPartitionResponse, ListOffsetsTopicResponse } from '../../protocol/generated/list-offsets-response.js';
import {
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  LATEST_TIERED_TIMESTAMP,
  LATEST_TIMESTAMP,
  EARLIEST_PENDING_UPLOAD_TIMESTAMP,
  MAX_TIMESTAMP,
} from '../../storage/partition-log.js';
import type { BrokerContext } from '../context.js';
import { OffsetsIsolation, storageErrorCode } from '../partition.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

const CONSUMER_REPLICA_ID = -1;
const READ_COMMITTED = 1;

/** The first version that knows each special timestamp (ReplicaManager.timestampMinSupportedVersion). */
const SPECIAL_TIMESTAMP_VERSIONS = new Map<number, number>([
  [EARLIEST_TIMESTAMP, 1],
  [LATEST_TIMESTAMP, 1],
  [MAX_TIMESTAMP, 7],
  [EARLIEST_LOCAL_TIMESTAMP, 8],
  [LATEST_TIERED_TIMESTAMP, 9],
  [EARLIEST_PENDING_UPLOAD_TIMESTAMP, 11],
]);

export const listOffsetsHandler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 11,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const key = `${t.name}:${p.partitionIndex}`;
        if (seen.has(key)) duplicates.add(key);
        seen.add(key);
      }
    }
    // One entry per topic and partition, as Kafka's map of results gives.
    const byTopic = new Map<string, ListOffsetsTopicResponse>();
    const answered = new Set<string>();
    for (const t of request.topics) {
      let topic = byTopic.get(t.name);
      if (topic === undefined) {
        topic = { name: t.name, partitions: [] };
        byTopic.set(t.name, topic);
      }
      for (const p of t.partitions) {
        const key = `${t.name}:${p.partitionIndex}`;
        if (answered.has(key)) continue;
        answered.add(key);
        topic.partitions.push(
          !authorizeTopic(broker, info, AclOperation.Describe, t.name)
            ? errorResult(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
            : duplicates.has(key)
            ? errorResult(p.partitionIndex, ErrorCode.INVALID_REQUEST)
            : await offsetFor(broker, v, request.replicaId, request.isolationLevel, t.name, p),
        );
      }
    }
    return { throttleTimeMs: 0, topics: [...byTopic.values()] };
  },
});

function errorResult(partition: number, errorCode: number): ListOffsetsPartitionResponse {
  return { partitionIndex: partition, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
}

function result(v: number, partition: number, offset: number, timestamp: number, leaderEpoch: number): ListOffsetsPartitionResponse {
  return {
    partitionIndex: partition,
    errorCode: ErrorCode.NONE,
    timestamp: BigInt(timestamp),
    offset: BigInt(offset),
    leaderEpoch: v >= 4 && leaderEpoch >= 0 ? leaderEpoch : -1,
  };
}

async function offsetFor(
  broker: BrokerContext,
  v: number,
  replicaId: number,
  isolationLevel: number,
  topicName: string,
  p: ListOffsetsPartition,
): Promise<ListOffsetsPartitionResponse> {
  const timestamp = Number(p.timestamp);
  if (timestamp < 0) {
    const since = SPECIAL_TIMESTAMP_VERSIONS.get(timestamp);
    if (since === undefined || v < since) return errorResult(p.partitionIndex, ErrorCode.UNSUPPORTED_VERSION);
  }
  const partition = broker.partitions.get(broker.metadata.topic(topicName), p.partitionIndex);
  if (partition === undefined) return errorResult(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const log = partition.leaderLogOrError(p.currentLeaderEpoch);
  if (typeof log === 'number') return errorResult(p.partitionIndex, log);
  // Consumers see up to the high watermark (or the last stable offset); replicas and tools the log end.
  const isolation =
    replicaId === CONSUMER_REPLICA_ID ? (isolationLevel === READ_COMMITTED ? OffsetsIsolation.Committed : OffsetsIsolation.HighWatermark) : OffsetsIsolation.LogEnd;
  try {
    const found = await partition.fetchOffsetForTimestamp(log, timestamp, isolation);
    if (found === null) return result(v, p.partitionIndex, -1, -1, -1);
    return result(v, p.partitionIndex, found.offset, found.timestamp, found.leaderEpoch);
  } catch (e) {
    const code = storageErrorCode(e);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) broker.logger.error({ err: e, topic: topicName, partition: p.partitionIndex }, 'error listing offsets');
    return errorResult(p.partitionIndex, code);
  }
}
