// DescribeProducers (key 61), version 0 (flexible): the producers a partition's leader knows,
// with their epoch, last sequence, last timestamp, coordinator epoch and the first offset of
// their open transaction (-1 when none). An invalid topic name gets INVALID_TOPIC_EXCEPTION
// with Kafka's reason and an unknown topic UNKNOWN_TOPIC_OR_PARTITION with its message, in
// every requested partition; an unknown partition of a known topic
// UNKNOWN_TOPIC_OR_PARTITION; a partition without a local replica NOT_LEADER_OR_FOLLOWER; an
// offline log KAFKA_STORAGE_ERROR (ReplicaManager.activeProducerState). Like Kafka, any local
// replica answers from its own producer state; clients ask the leader.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import type { PartitionResponse, ProducerState, TopicResponse } from '../../protocol/generated/describe-producers-response.js';
import type { BrokerContext } from '../context.js';
import { topicNameError } from '../topics.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

function partitionError(partitionIndex: number, errorCode: number, message: string | null = null): PartitionResponse {
  return { partitionIndex, errorCode, errorMessage: message, activeProducers: [] };
}

function describePartition(broker: BrokerContext, topic: string, partitionIndex: number): PartitionResponse {
  const partition = broker.partitions.get(broker.metadata.topic(topic), partitionIndex);
  if (partition === undefined) return partitionError(partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const log = partition.localLogOrError();
  if (typeof log === 'number') return partitionError(partitionIndex, log);
  const activeProducers: ProducerState[] = [];
  for (const e of log.activeProducers()) {
    activeProducers.push({
      producerId: BigInt(e.producerId),
      producerEpoch: e.producerEpoch,
      lastSequence: e.lastSequence,
      lastTimestamp: BigInt(e.timestamp),
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnStartOffset: BigInt(e.currentTxnFirstOffset),
    });
  }
  return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
}

export const describeProducersHandler = defineHandler({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  handle(request, info, broker) {
    const topics: TopicResponse[] = request.topics.map((t) => {
      const invalid = topicNameError(t.name);
      // READ on the topic before anything is said about it (KafkaApis).
      const topicError =
        !authorizeTopic(broker, info, AclOperation.Read, t.name)
          ? { code: ErrorCode.TOPIC_AUTHORIZATION_FAILED, message: errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED) }
          : invalid !== null
          ? { code: ErrorCode.INVALID_TOPIC_EXCEPTION, message: invalid }
          : broker.metadata.topic(t.name) === undefined
            ? { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: errorMessage(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) }
            : null;
      return {
        name: t.name,
        partitions: t.partitionIndexes.map((i) => (topicError !== null ? partitionError(i, topicError.code, topicError.message) : describePartition(broker, t.name, i))),
      };
    });
    return { throttleTimeMs: 0, topics };
  },
});
