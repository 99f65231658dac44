import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/generated/errors.js';
import { validateTopicConfigs } from './config-admin/topic-validate.js';
import { ConfigProblem } from '../common/config-def.js';
import type { BrokerContext } from './context.js';
import { isInternalTopic, isMetadataError, type PartitionMetadata, type TopicMetadata } from '../cluster/metadata.js';
import { hasUncordonedLogDirs, placementRefusal } from '../cluster/replica-placement.js';

/** Outcome of a topic creation: the topic, or a Kafka error code and message. */
export type CreateTopicResult =
  | { ok: true; topic: TopicMetadata; replicationFactor: number }
  | { ok: false; errorCode: number; message: string };

/** A topic to create, as CreateTopics describes it (-1 = broker default / manual assignment). */
export interface NewTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  /** Manual replica assignment, one entry per partition (empty for none). */
  assignments: ReadonlyArray<{ partitionIndex: number; brokerIds: readonly number[] }>;
  /** Topic config overrides; a null value is an error, as in Kafka. */
  configs: ReadonlyArray<{ name: string; value: string | null }>;
}

/** Most partitions one request may create, so that a request cannot make the broker open unbounded files. */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

/** Kafka's metadata log; never a user topic. */
export const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

/** Kafka 4.0's rule for legal topic names (Topic.validate), with its messages; null when legal. */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return 'Topic name is invalid: the empty string is not allowed';
  if (name === '.' || name === '..') return `Topic name is invalid: '${name}' is not allowed`;
  if (name.length > 249) return `Topic name is invalid: the length of '${name}' is longer than the max allowed length 249`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    return `Topic name is invalid: '${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/**
 * Creates a topic in the metadata store and its partition logs. Shared by CreateTopics,
 * Metadata and Produce auto-creation so that all three apply Kafka's rules the same way.
 * `partitions` and `replicationFactor` may be -1 for the broker defaults.
 */
export function createTopic(
  broker: BrokerContext,
  name: string,
  partitions: number,
  replicationFactor: number,
  configs: Record<string, string>,
  validateOnly = false,
): Promise<CreateTopicResult> {
  const newTopic: NewTopic = {
    name,
    numPartitions: partitions,
    replicationFactor,
    assignments: [],
    configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
  };
  return createNewTopic(broker, newTopic, validateOnly);
}

const fail = (errorCode: number, message: string): CreateTopicResult => ({ ok: false, errorCode, message });

/**
 * Validates and creates one topic the way Kafka's controller does (ReplicationControlManager):
 * name, name collision, existence, configs, then partitions and replicas.
 */
export async function createNewTopic(broker: BrokerContext, t: NewTopic, validateOnly = false, partitionBudget = MAX_PARTITIONS_PER_REQUEST): Promise<CreateTopicResult> {
  const nameProblem = topicNameError(t.name);
  if (nameProblem !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  const colliding = collidingTopic(broker, t.name);
  if (colliding !== undefined) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with existing topic: ${colliding}`);
  if (broker.metadata.topic(t.name) !== undefined) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);

  const nullConfigs = t.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nullConfigs.length > 0) return fail(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nullConfigs.join(',')}`);
  const given: Record<string, string> = {};
  for (const c of t.configs) given[c.name] = c.value!;
  let configs: Record<string, string>;
  try {
    configs = validateTopicConfigs(broker, given);
  } catch (e) {
    if (e instanceof ConfigProblem) return fail(e.errorCode, e.message);
    throw e;
  }

  const plan = planReplicas(broker, t);
  if (!plan.ok) return plan;
  const { numPartitions, replicationFactor } = plan;
  if (numPartitions > partitionBudget) {
    return fail(ErrorCode.INVALID_PARTITIONS, `Unable to create ${numPartitions} partition(s): a request may create at most ${MAX_PARTITIONS_PER_REQUEST} partitions.`);
  }
  if (validateOnly) {
    const partitions = Array.from({ length: numPartitions }, (_, p) => onlinePartition(p, broker.nodeId));
    return { ok: true, topic: { name: t.name, id: newTopicId(), internal: isInternalTopic(t.name), partitions, configs }, replicationFactor };
  }
  let topic: TopicMetadata;
  try {
    topic = await broker.metadata.createTopic(t.name, numPartitions, replicationFactor, configs, isInternalTopic(t.name));
  } catch (e) {
    // Lost a race with another creator of the same name.
    if (isMetadataError(e, ErrorCode.TOPIC_ALREADY_EXISTS)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, e.message);
    throw e;
  }
  for (const p of topic.partitions) if (p.replicas.includes(broker.nodeId)) broker.logs.getOrCreateLog(t.name, p.partition, configs);
  return { ok: true, topic, replicationFactor };
}

type Plan = { ok: true; numPartitions: number; replicationFactor: number } | { ok: false; errorCode: number; message: string };

/** Partition count and replication factor from the request, the broker defaults or a manual assignment. */
function planReplicas(broker: BrokerContext, t: NewTopic): Plan {
  if (t.assignments.length > 0) {
    if (t.replicationFactor !== -1) {
      return fail(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.') as Plan;
    }
    if (t.numPartitions !== -1) {
      return fail(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.') as Plan;
    }
    const seen = new Set<number>();
    let rf: number | null = null;
    for (const a of t.assignments) {
      if (seen.has(a.partitionIndex)) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Found multiple manual partition assignments for partition ${a.partitionIndex}`) as Plan;
      }
      const problem = manualAssignmentProblem(broker, a.brokerIds, rf);
      if (problem !== null) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem) as Plan;
      rf = a.brokerIds.length;
      seen.add(a.partitionIndex);
    }
    for (let i = 0; i < seen.size; i++) {
      if (!seen.has(i)) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence') as Plan;
    }
    return { ok: true, numPartitions: seen.size, replicationFactor: rf! };
  }
  if (t.replicationFactor < -1 || t.replicationFactor === 0) {
    return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.') as Plan;
  }
  if (t.numPartitions < -1 || t.numPartitions === 0) {
    return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.') as Plan;
  }
  const numPartitions = t.numPartitions === -1 ? broker.config.int('num.partitions') : t.numPartitions;
  const replicationFactor = t.replicationFactor === -1 ? broker.config.int('default.replication.factor') : t.replicationFactor;
  const refusal = placementRefusal(replicationFactor, usableBrokers(broker));
  if (refusal !== null) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, refusal) as Plan;
  return { ok: true, numPartitions, replicationFactor };
}

/** Registered brokers new replicas may go to: those with a log directory not cordoned (KIP-1066). */
function usableBrokers(broker: BrokerContext): number {
  const features = broker.metadata.finalizedFeatures();
  let n = 0;
  for (const b of broker.metadata.brokers()) if (hasUncordonedLogDirs(b, features)) n++;
  return n;
}

/**
 * Kafka's checks of one partition's manual replica list: not empty, only registered brokers,
 * no broker twice, and as many replicas as the other partitions.
 */
export function manualAssignmentProblem(broker: BrokerContext, brokerIds: readonly number[], replicationFactor: number | null): string | null {
  if (brokerIds.length === 0) return 'The manual partition assignment includes an empty replica list.';
  const registered = new Set(broker.metadata.brokers().map((b) => b.nodeId));
  const sorted = [...brokerIds].sort((a, b) => a - b);
  let prev: number | null = null;
  for (const id of sorted) {
    if (!registered.has(id)) return `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
    if (id === prev) return `The manual partition assignment includes the broker ${prev} more than once.`;
    prev = id;
  }
  if (replicationFactor !== null && sorted.length !== replicationFactor) {
    return `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is not consistent with previous partitions, which have ${replicationFactor} replica(s).`;
  }
  return null;
}

/** Kafka's collision rule: topics whose names differ only by '.' versus '_' clash in metrics. */
export function collidingTopic(broker: BrokerContext, name: string): string | undefined {
  if (!/[._]/.test(name)) return undefined;
  const normalized = name.replace(/\./g, '_');
  for (const t of broker.metadata.topics()) {
    if (t.name !== name && t.name.replace(/\./g, '_') === normalized) return t.name;
  }
  return undefined;
}

/**
 * Deletes a topic from the metadata, removes its partition logs, tombstones the groups'
 * committed offsets for it (Kafka's onPartitionsDeleted) and deletes its share-partitions'
 * state (the share coordinator's onTopicsDeleted).
 */
export async function deleteTopic(broker: BrokerContext, name: string): Promise<TopicMetadata | undefined> {
  const topic = await broker.metadata.deleteTopic(name);
  if (topic === undefined) return undefined;
  for (const p of topic.partitions) broker.logs.deleteLog(name, p.partition);
  broker.partitions.removeTopic(name);
  broker.groups.onTopicDeleted(name);
  void broker.share.topicDeleted(topic.id.toString('hex')).catch((err: unknown) => broker.logger.warn({ err, topic: name }, 'failed to delete the share-group state of a deleted topic'));
  return topic;
}

/** Outcome of CreatePartitions for one topic: null when it succeeded. */
export type PartitionsProblem = { errorCode: number; message: string | null } | null;

/**
 * Raises a topic's partition count (Kafka's ReplicationControlManager.createPartitions):
 * only increases, assignments (when given) one per new partition with the topic's
 * replication factor; creates the new partition logs unless `validateOnly`.
 */
export async function addPartitions(
  broker: BrokerContext,
  name: string,
  count: number,
  assignments: ReadonlyArray<{ brokerIds: readonly number[] }> | null,
  validateOnly: boolean,
  partitionBudget = MAX_PARTITIONS_PER_REQUEST,
): Promise<PartitionsProblem> {
  const topic = broker.metadata.topic(name);
  if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null };
  const current = topic.partitions.length;
  if (count === current) return { errorCode: ErrorCode.INVALID_PARTITIONS, message: `Topic already has ${current} partition(s).` };
  if (count < current) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, message: `The topic ${name} currently has ${current} partition(s); ${count} would not be an increase.` };
  }
  const additional = count - current;
  if (assignments !== null && assignments.length !== additional) {
    return {
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      message: `Attempted to add ${additional} additional partition(s), but only ${assignments.length} assignment(s) were specified.`,
    };
  }
  if (additional > partitionBudget) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, message: `Unable to add ${additional} partition(s): a request may create at most ${MAX_PARTITIONS_PER_REQUEST} partitions.` };
  }
  const replicationFactor = topic.partitions[0]?.replicas.length ?? 1;
  for (const a of assignments ?? []) {
    const problem = manualAssignmentProblem(broker, a.brokerIds, replicationFactor);
    if (problem !== null) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: problem };
  }
  if (assignments === null || assignments === undefined) {
    // The controller's placement: no broker shutting down or with every log directory cordoned.
    const refusal = placementRefusal(replicationFactor, usableBrokers(broker));
    if (refusal !== null) return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: refusal };
  }
  if (validateOnly) return null;
  let updated: TopicMetadata;
  try {
    updated = await broker.metadata.createPartitions(name, count);
  } catch (e) {
    // Deleted while this request was being served.
    if (isMetadataError(e, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null };
    throw e;
  }
  for (const p of updated.partitions) if (p.partition >= current && p.replicas.includes(broker.nodeId)) broker.logs.getOrCreateLog(name, p.partition);
  return null;
}

function onlinePartition(partition: number, nodeId: number): PartitionMetadata {
  return { partition, leader: nodeId, leaderEpoch: 0, replicas: [nodeId], isr: [nodeId] };
}

/** A random topic id (what Kafka returns even for validate-only creations). */
function newTopicId(): Buffer {
  for (;;) {
    const id = randomBytes(16);
    if (id.readBigUInt64BE(0) !== 0n || id.readBigUInt64BE(8) > 1n) return id;
  }
}
