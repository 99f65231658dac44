/**
 * The share groups' dead-letter queue (KIP-1191), its decisions and records as Kafka 4.4's
 * ShareGroupDLQStateManager makes them: whether a group's DLQ topic may be written (or
 * created), which of its partitions takes a share-partition's records, and the records
 * themselves — one per offset, stamped now, with the context headers and, when the group's
 * errors.deadletterqueue.copy.record.enable is set, the original key and value. Kafka copies
 * neither the original headers nor the timestamp. The writing is share-dlq-writer.ts's.
 */
import { encodeBatchSync, type BatchOptions } from '../../protocol/records/encode.js';
import { TimestampType } from '../../protocol/records/header.js';
import type { RecordHeaderInput, RecordInput } from '../../protocol/records/record.js';
import { DeadLetterReason, type DeadLetterRun } from '../../coordinator/share/share-partition.js';

/** Group configs (GroupConfig) and the broker's (GroupCoordinatorConfig) and the topic's (TopicConfig). */
export const DLQ_TOPIC_NAME_CONFIG = 'errors.deadletterqueue.topic.name';
export const DLQ_COPY_RECORD_CONFIG = 'errors.deadletterqueue.copy.record.enable';
export const DLQ_AUTO_CREATE_CONFIG = 'errors.deadletterqueue.auto.create.topics.enable';
export const DLQ_TOPIC_PREFIX_CONFIG = 'errors.deadletterqueue.topic.name.prefix';
export const DLQ_TOPIC_ENABLE_CONFIG = 'errors.deadletterqueue.group.enable';

/** The context headers, in the order Kafka writes them. */
export const DLQ_HEADER_TOPIC = '__dlq.errors.topic';
export const DLQ_HEADER_PARTITION = '__dlq.errors.partition';
export const DLQ_HEADER_OFFSET = '__dlq.errors.offset';
export const DLQ_HEADER_GROUP = '__dlq.errors.group';
export const DLQ_HEADER_DELIVERY_COUNT = '__dlq.errors.delivery.count';
export const DLQ_HEADER_MESSAGE = '__dlq.errors.message';

/** ShareGroupDLQManager's causes, whose messages go in __dlq.errors.message. */
export function deadLetterMessage(reason: DeadLetterReason): string {
  return reason === DeadLetterReason.DeliveryCountExceeded ? 'Offset delivery count exceeded the threshold.' : 'Offset rejected by client.';
}

/** The configs a created DLQ topic gets (ProduceRequestHandler.createTopicBuilder; partitions and replicas the broker's defaults). */
export const DLQ_CREATED_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  [DLQ_TOPIC_ENABLE_CONFIG]: 'true',
  'message.timestamp.type': 'CreateTime',
};

/** What the checks need of the DLQ topic: whether it exists, and its errors.deadletterqueue.group.enable. */
export interface DlqTopicState {
  exists: boolean;
  dlqEnabled: boolean;
}

/**
 * ProduceRequestHandler.validateDlqTopic: Kafka's message when the group's DLQ topic may not
 * be used, else null. The checks in Kafka's order: a name, no '__' prefix, DLQ enabled on an
 * existing topic, auto-creation for a missing one, then the broker's required prefix (none
 * when the prefix is empty).
 */
export function dlqTopicProblem(groupId: string, topicName: string, prefix: string, topic: DlqTopicState, autoCreate: boolean): string | null {
  if (topicName.length === 0) return `Configured DLQ topic name in share group: ${groupId} is empty.`;
  if (topicName.startsWith('__')) return `Configured DLQ topic name in share group: ${groupId} cannot start with __, topic: ${topicName}.`;
  if (topic.exists && !topic.dlqEnabled) return `DLQ is not enabled on configured DLQ topic for share group: ${groupId}, topic: ${topicName}.`;
  if (!topic.exists && !autoCreate) return `DLQ topic does not exist and auto create is disabled on cluster for share group: ${groupId}, topic: ${topicName}.`;
  if (prefix.length > 0 && !topicName.startsWith(prefix)) {
    return `Configured DLQ topic name does not comply with the DLQ topic prefix in share group: ${groupId}, topic: ${topicName}, prefix: ${prefix}.`;
  }
  return null;
}

/** ProduceRequestHandler.populateDLQTopicData: the source partition modulo the DLQ topic's partition count. */
export function dlqDestinationPartition(sourcePartition: number, dlqPartitions: number): number {
  return sourcePartition % dlqPartitions;
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The context headers of one dead-lettered offset. */
export function deadLetterHeaders(groupId: string, topicName: string, partition: number, offset: number, run: DeadLetterRun): RecordHeaderInput[] {
  return [
    { key: DLQ_HEADER_TOPIC, value: utf8(topicName) },
    { key: DLQ_HEADER_PARTITION, value: utf8(String(partition)) },
    { key: DLQ_HEADER_OFFSET, value: utf8(String(offset)) },
    { key: DLQ_HEADER_GROUP, value: utf8(groupId) },
    { key: DLQ_HEADER_DELIVERY_COUNT, value: utf8(String(run.deliveryCount)) },
    { key: DLQ_HEADER_MESSAGE, value: utf8(deadLetterMessage(run.reason)) },
  ];
}

/** An original record's key and value (copied when the group asks for it). */
export interface OriginalRecord {
  key: Buffer | null;
  value: Buffer | null;
}

/** Where the records come from, for their headers. */
export interface DeadLetterSource {
  groupId: string;
  topicName: string;
  partition: number;
}

/** v2 batch overhead plus a record's fixed part: enough to tell when a batch would pass max.message.bytes. */
const BATCH_OVERHEAD = 61;
const RECORD_OVERHEAD = 21;

function approximateSize(r: RecordInput): number {
  let n = RECORD_OVERHEAD + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) n += 10 + h.key.length + (h.value?.length ?? 0);
  return n;
}

/**
 * The DLQ batches of offsets [from, to] of `run` (ProduceRequestHandler.topicProduceData): one
 * record per offset, timestamped `now`, with the original's key and value when `originals`
 * has it (copy enabled and the record still in the log), else none. Uncompressed batches,
 * each kept within `maxMessageBytes` unless a single record passes it alone (the append then
 * refuses it, as Kafka's produce would). On a LogAppendTime topic the batch carries the append
 * time, as the leader would stamp a produced one.
 */
export function deadLetterBatches(source: DeadLetterSource, run: DeadLetterRun, from: number, to: number, originals: ReadonlyMap<number, OriginalRecord>, maxMessageBytes: number, now: number, logAppendTime = false): Buffer[] {
  const options: BatchOptions = logAppendTime ? { defaultTimestamp: now, timestampType: TimestampType.LogAppendTime, maxTimestamp: now } : { defaultTimestamp: now };
  const out: Buffer[] = [];
  let records: RecordInput[] = [];
  let size = BATCH_OVERHEAD;
  for (let offset = from; offset <= to; offset++) {
    const original = originals.get(offset);
    const record: RecordInput = {
      key: original?.key ?? null,
      value: original?.value ?? null,
      headers: deadLetterHeaders(source.groupId, source.topicName, source.partition, offset, run),
      timestamp: now,
      offsetDelta: 0,
    };
    const n = approximateSize(record);
    if (records.length > 0 && size + n > maxMessageBytes) {
      out.push(encodeBatchSync(records, options));
      records = [];
      size = BATCH_OVERHEAD;
    }
    record.offsetDelta = records.length;
    records.push(record);
    size += n;
  }
  if (records.length > 0) out.push(encodeBatchSync(records, options));
  return out;
}
