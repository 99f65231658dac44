// DeleteRecords (key 21), versions 0-2. v1 is v0 (throttling before the response); v2
// flexible. Moves each partition's log start offset up to the requested offset (-1: the high
// watermark) and answers the new low watermark; the segments below it go at the next
// retention run. Kafka's errors: an offset below 0 or past the high watermark
// OFFSET_OUT_OF_RANGE, a topic without the delete cleanup policy POLICY_VIOLATION, an internal
// topic INVALID_TOPIC_EXCEPTION, an unknown one UNKNOWN_TOPIC_OR_PARTITION. One replica, so
// the low watermark is final at once and timeout_ms is never waited on.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DeleteRecordsPartitionResult, DeleteRecordsTopicResult } from '../../protocol/generated/delete-records-response.js';
import type { BrokerContext } from '../context.js';
import { NO_EPOCH, storageErrorCode } from '../partition.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  handle(request, info, broker) {
    const byTopic = new Map<string, DeleteRecordsTopicResult>();
    for (const t of request.topics) {
      let topic = byTopic.get(t.name);
      if (topic === undefined) {
        topic = { name: t.name, partitions: [] };
        byTopic.set(t.name, topic);
      }
      for (const p of t.partitions) {
        // DELETE on the topic, checked before anything is said about it (KafkaApis).
        const r = authorizeTopic(broker, info, AclOperation.Delete, t.name)
          ? deleteRecords(broker, t.name, p.partitionIndex, Number(p.offset))
          : failed(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        const at = topic.partitions.findIndex((x) => x.partitionIndex === p.partitionIndex);
        if (at >= 0) topic.partitions[at] = r;
        else topic.partitions.push(r);
      }
    }
    return { throttleTimeMs: 0, topics: [...byTopic.values()] };
  },
});

function failed(partition: number, errorCode: number): DeleteRecordsPartitionResult {
  return { partitionIndex: partition, lowWatermark: -1n, errorCode };
}

function deleteRecords(broker: BrokerContext, topicName: string, partition: number, requested: number): DeleteRecordsPartitionResult {
  const topic = broker.metadata.topic(topicName);
  const p = broker.partitions.get(topic, partition);
  if (p === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (topic!.internal) return failed(partition, ErrorCode.INVALID_TOPIC_EXCEPTION);
  const log = p.leaderLogOrError(NO_EPOCH);
  if (typeof log === 'number') return failed(partition, log);
  try {
    const r = p.deleteRecordsOnLeader(log, requested);
    if (r.errorCode !== ErrorCode.NONE) return failed(partition, r.errorCode);
    return { partitionIndex: partition, lowWatermark: BigInt(r.lowWatermark), errorCode: ErrorCode.NONE };
  } catch (e) {
    const code = storageErrorCode(e);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) broker.logger.error({ err: e, topic: topicName, partition }, 'error deleting records');
    return failed(partition, code);
  }
}
