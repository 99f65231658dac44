import { ErrorCode } from '../protocol/generated/errors.js';
import type { BrokerContext } from './context.js';
import { topicNameProblem, type TopicMetadata } from './metadata.js';

/** Outcome of a topic creation: the topic, or a Kafka error code and message. */
export type CreateTopicResult =
  | { ok: true; topic: TopicMetadata }
  | { ok: false; errorCode: number; message: string };

/**
 * Creates a topic in the metadata store and its partition logs. Shared by CreateTopics,
 * Metadata and Produce auto-creation so that all three apply Kafka's rules the same way.
 */
export async function createTopic(
  broker: BrokerContext,
  name: string,
  partitions: number,
  replicationFactor: number,
  configs: Record<string, string>,
  validateOnly = false,
): Promise<CreateTopicResult> {
  const nameProblem = topicNameProblem(name);
  if (nameProblem !== null) return { ok: false, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: nameProblem };
  if (broker.metadata.topic(name) !== undefined) {
    return { ok: false, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${name}' already exists.` };
  }
  if (partitions < 1) return { ok: false, errorCode: ErrorCode.INVALID_PARTITIONS, message: 'Number of partitions must be larger than 0.' };
  if (replicationFactor < 1) {
    return { ok: false, errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'Replication factor must be larger than 0.' };
  }
  const brokers = broker.metadata.brokers().length;
  if (replicationFactor > brokers) {
    return {
      ok: false,
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      message: `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${brokers} broker(s) are registered.`,
    };
  }
  if (validateOnly) {
    return { ok: true, topic: { name, id: Buffer.alloc(16), internal: false, partitions: [], configs } };
  }
  const topic = await broker.metadata.createTopic(name, partitions, replicationFactor, configs);
  for (const p of topic.partitions) broker.logs.getOrCreateLog(name, p.partition, configs);
  return { ok: true, topic };
}

/** Kafka's collision rule: topics whose names differ only by '.' versus '_' clash in metrics. */
export function collidingTopic(broker: BrokerContext, name: string): string | undefined {
  const normalized = name.replace(/\./g, '_');
  for (const t of broker.metadata.topics()) {
    if (t.name !== name && t.name.replace(/\./g, '_') === normalized) return t.name;
  }
  return undefined;
}
