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
import { brokersOn, clusterAuthorizedOperations, topicAuthorizedOperations, UNKNOWN_AUTHORIZED_OPERATIONS } from './common.js';
import { defineHandler, type RequestInfo } from './handler.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster, authorizeTopic } from '../authorize.js';

/** What a topic entry's authorized operations need: the request's principal, or null when not asked for. */
type OpsFor = RequestInfo | null;

/**
 * The live brokers a Metadata answer lists, and what a partition whose leader is not among
 * them gets: LEADER_NOT_AVAILABLE and no leader (a leader whose session is lost, or this broker
 * while it is fenced), or from v6 LISTENER_NOT_FOUND when the leader is registered without an
 * endpoint on the request's listener — as Kafka's metadata cache answers, so that a client asks
 * again instead of following a leader that cannot serve it.
 */
interface Liveness {
  alive: ReadonlySet<number>;
  /** From v6, the registered brokers without an endpoint on the listener; null when none. */
  withoutEndpoint: ReadonlySet<number> | null;
}

function leaderError(p: { leader: number }, live: Liveness): number {
  if (live.alive.has(p.leader)) return ErrorCode.NONE;
  return live.withoutEndpoint?.has(p.leader) === true ? ErrorCode.LISTENER_NOT_FOUND : ErrorCode.LEADER_NOT_AVAILABLE;
}

function topicEntry(broker: BrokerContext, topic: TopicMetadata, opsFor: OpsFor, live: Liveness): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions: topic.partitions.map((p) => ({
      errorCode: leaderError(p, live),
      partitionIndex: p.partition,
      leaderId: live.alive.has(p.leader) ? p.leader : -1,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: opsFor !== null ? topicAuthorizedOperations(broker, opsFor, topic.name) : UNKNOWN_AUTHORIZED_OPERATIONS,
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
    const opsFor = v >= 8 && request.includeTopicAuthorizedOperations ? info : null;
    const topics: MetadataResponseTopic[] = [];
    const brokers = brokersOn(broker, info.listenerName);
    const alive = new Set<number>();
    for (const b of brokers) alive.add(b.nodeId);
    let withoutEndpoint: Set<number> | null = null;
    if (v >= 6) for (const b of broker.metadata.brokers()) if (!alive.has(b.nodeId)) (withoutEndpoint ??= new Set()).add(b.nodeId);
    const live: Liveness = { alive, withoutEndpoint };
    const all = request.topics === null || (v === 0 && request.topics.length === 0);
    if (all) {
      // Topics the principal may not describe are left out, not even named.
      for (const t of broker.metadata.topics()) if (authorizeTopic(broker, info, AclOperation.Describe, t.name)) topics.push(topicEntry(broker, t, opsFor, live));
    } else {
      const allowAutoCreate = (v < 4 || request.allowAutoTopicCreation) && broker.config.bool('auto.create.topics.enable');
      for (const requested of request.topics!) {
        topics.push(await lookup(broker, info, requested.name, requested.topicId, allowAutoCreate, opsFor, live));
      }
    }
    const response: MetadataResponse = {
      throttleTimeMs: 0,
      brokers,
      clusterId: broker.metadata.clusterId,
      controllerId: broker.metadata.controllerId,
      topics,
      clusterAuthorizedOperations:
        v >= 8 && v <= 10 && request.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(broker, info) : UNKNOWN_AUTHORIZED_OPERATIONS,
      errorCode: ErrorCode.NONE,
    };
    return response;
  },
});

/**
 * One requested topic, checked as KafkaApis does: DESCRIBE on the topic before anything is
 * said about it (TOPIC_AUTHORIZATION_FAILED whether it exists or not, so nothing leaks; a topic
 * id is not secret, so a denied id is answered with the id and no name), then, to auto-create,
 * CREATE on the cluster or on the topic.
 */
async function lookup(
  broker: BrokerContext,
  info: RequestInfo,
  name: string | null,
  topicId: Buffer,
  allowAutoCreate: boolean,
  opsFor: OpsFor,
  live: Liveness,
): Promise<MetadataResponseTopic> {
  if (name === null) {
    const byId = broker.metadata.topicById(topicId);
    if (byId === undefined) return errorEntry(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID);
    if (!authorizeTopic(broker, info, AclOperation.Describe, byId.name)) return errorEntry(null, topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    return topicEntry(broker, byId, opsFor, live);
  }
  if (!authorizeTopic(broker, info, AclOperation.Describe, name)) return errorEntry(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const existing = broker.metadata.topic(name);
  if (existing !== undefined) return topicEntry(broker, existing, opsFor, live);
  if (!allowAutoCreate) return errorEntry(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (!authorizeCluster(broker, info, AclOperation.Create) && !authorizeTopic(broker, info, AclOperation.Create, name)) {
    return errorEntry(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, isInternalTopic(name));
  }
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
