// Metadata (key 3), versions 0-13. v1 makes a null topic list mean "all topics" (v0 uses an
// empty list for that); v4 adds allowAutoTopicCreation; v8 authorized operations; v10 topic
// ids; v12 lookup by topic id with a null name; v13 a top-level error code (KIP-1102).
//
// Auto-creation answers as Kafka 4.4 (KRaft) does: the request that creates a topic gets it
// back as UNKNOWN_TOPIC_OR_PARTITION with no partitions and no topic id (Kafka's
// AutoTopicCreationManager only sends the creation to the controller), and the partitions
// appear on the next request. Clients retry on that code, so a client that deletes a topic and
// asks for it again sees the same sequence as on Kafka.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { MetadataResponse, MetadataResponseTopic } from '../../protocol/generated/metadata-response.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';
import type { BrokerContext } from '../context.js';
import { isInternalTopic, type TopicMetadata } from '../../cluster/metadata.js';
import { createTopic } from '../topics.js';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic.js';
import { clusterAuthorizedOperations, topicAuthorizedOperations, UNKNOWN_AUTHORIZED_OPERATIONS } from './common.js';
import { defineHandler } from './handler.js';

function topicEntry(topic: TopicMetadata, includeOps: boolean): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions: topic.partitions.map((p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: includeOps ? topicAuthorizedOperations() : UNKNOWN_AUTHORIZED_OPERATIONS,
  };
}

function errorEntry(name: string | null, topicId: Buffer, errorCode: number, isInternal = false): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal, partitions: [], topicAuthorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS };
}

export const metadataHandler = defineHandler({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 13,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const includeOps = v >= 8 && request.includeTopicAuthorizedOperations;
    const topics: MetadataResponseTopic[] = [];
    const all = request.topics === null || (v === 0 && request.topics.length === 0);
    if (all) {
      for (const t of broker.metadata.topics()) topics.push(topicEntry(t, includeOps));
    } else {
      const allowAutoCreate = (v < 4 || request.allowAutoTopicCreation) && broker.config.bool('auto.create.topics.enable');
      for (const requested of request.topics!) {
        topics.push(await lookup(broker, requested.name, requested.topicId, allowAutoCreate, includeOps));
      }
    }
    const response: MetadataResponse = {
      throttleTimeMs: 0,
      // The live brokers of the image, as Kafka's getAliveBrokerNodes: a broker between a lost
      // session and its new registration is not among them, and does not list itself either.
      brokers: broker.metadata.brokers().map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterId: broker.metadata.clusterId,
      controllerId: broker.metadata.controllerId,
      topics,
      clusterAuthorizedOperations:
        v >= 8 && v <= 10 && request.includeClusterAuthorizedOperations ? clusterAuthorizedOperations() : UNKNOWN_AUTHORIZED_OPERATIONS,
      errorCode: ErrorCode.NONE,
    };
    return response;
  },
});

async function lookup(
  broker: BrokerContext,
  name: string | null,
  topicId: Buffer,
  allowAutoCreate: boolean,
  includeOps: boolean,
): Promise<MetadataResponseTopic> {
  if (name === null) {
    const byId = broker.metadata.topicById(topicId);
    return byId !== undefined ? topicEntry(byId, includeOps) : errorEntry(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID);
  }
  const existing = broker.metadata.topic(name);
  if (existing !== undefined) return topicEntry(existing, includeOps);
  if (!allowAutoCreate) return errorEntry(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (isInternalTopic(name)) return autoCreateInternal(broker, name);
  const created = await createTopic(
    broker,
    name,
    broker.config.int('num.partitions'),
    Math.min(broker.config.int('default.replication.factor'), broker.metadata.brokers().length),
    {},
  );
  if (created.ok || broker.metadata.topic(name) !== undefined) {
    // Created now, or by a concurrent request (Kafka answers a topic whose creation is in
    // flight the same way).
    return errorEntry(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, isInternalTopic(name));
  }
  return errorEntry(name, ZERO_UUID, created.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
}

/**
 * Kafka creates an internal topic asked for by Metadata with its coordinator's settings
 * (AutoTopicCreationManager.creatableTopic), never with num.partitions. __consumer_offsets is
 * created by the group coordinator as on its first use; __transaction_state and
 * __share_group_state are not created while their coordinators do not exist here (a plain
 * topic of that name would have the wrong partitions and configs once they do).
 */
async function autoCreateInternal(broker: BrokerContext, name: string): Promise<MetadataResponseTopic> {
  if (name === OFFSETS_TOPIC) {
    try {
      await broker.groups.ready();
    } catch (err) {
      broker.logger.warn({ err }, 'cannot create the offsets topic');
    }
  }
  return errorEntry(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true);
}
