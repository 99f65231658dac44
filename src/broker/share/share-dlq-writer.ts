/**
 * Writes share-partitions' dead-lettered records to their group's DLQ topic (KIP-1191, Kafka
 * 4.4's ShareGroupDLQStateManager): checks the topic (share-dlq.ts), creates it when it is
 * missing and errors.deadletterqueue.auto.create.topics.enable allows, picks the partition,
 * reads the originals when the group copies them, and appends the records to that
 * partition's leader — here, or another broker by an acks=all Produce over the inter-broker
 * listener, as Kafka's broker sends it. A failure rejects: the caller archives the records
 * anyway, as Kafka does ("Failed to write to DLQ, proceeding to ARCHIVED regardless").
 * The broker writes as itself, so no client ACL applies (Kafka produces with the broker's
 * own principal too).
 */
import { ErrorCode, errorName } from '../../protocol/generated/errors.js';
import type { ProduceRequest } from '../../protocol/generated/produce-request.js';
import type { ProduceResponse } from '../../protocol/generated/produce-response.js';
import { BatchCursor } from '../../protocol/records/iterator.js';
import { decodeBatch } from '../../protocol/records/decode.js';
import type { MetadataStore, TopicMetadata } from '../../cluster/metadata.js';
import type { BrokerConfig } from '../settings/broker-config.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { DeadLetterRun } from '../../coordinator/share/share-partition.js';
import type { SharePartitionKey } from '../../coordinator/share/share-state-records.js';
import {
  DLQ_AUTO_CREATE_CONFIG, DLQ_COPY_RECORD_CONFIG, DLQ_CREATED_TOPIC_CONFIGS, DLQ_TOPIC_ENABLE_CONFIG, DLQ_TOPIC_NAME_CONFIG,
  DLQ_TOPIC_PREFIX_CONFIG, deadLetterBatches, dlqDestinationPartition, dlqTopicProblem, type OriginalRecord,
} from './share-dlq.js';

/** Attempts at one batch when the partition answers a retriable error (a topic just created has no leader yet). */
const APPEND_ATTEMPTS = 10;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;

/** The errors Kafka's handler retries after a backoff (Errors that are RetriableExceptions). */
const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.REQUEST_TIMED_OUT,
]);

/** Kafka's fetch budget for the originals of one round (ShareGroupDLQStateManager: 1 MiB). */
const ORIGINALS_READ_BYTES = 1024 * 1024;

/** Another broker's Produce (ClientReplicaTransport). */
export interface DeadLetterTransport {
  produce(brokerId: number, request: ProduceRequest): Promise<ProduceResponse>;
}

/** What the writer needs of the broker. */
export interface DeadLetterWriterHost {
  readonly nodeId: number;
  readonly metadata: MetadataStore;
  readonly config: BrokerConfig;
  /** The log of a partition this broker leads, or null. */
  leaderLog(topicId: string, partition: number): PartitionLog | undefined;
  /** Creates a topic with the broker's default partitions and replicas; Kafka's error code and message, or null when created. */
  createTopic(name: string, configs: Readonly<Record<string, string>>): Promise<{ errorCode: number; message: string } | null>;
  /** Appends to a partition this broker leads, waiting for the ISR as acks=all (a coordinator's write); throws on failure. */
  appendLocal(topic: string, partition: number, batch: Buffer, timeoutMs: number): Promise<void> | null;
  /** Produce to other brokers; null on a single node. */
  transport(): DeadLetterTransport | null;
}

/** A DLQ write that cannot be made; the message is Kafka's where Kafka has one. */
export class DeadLetterError extends Error {
  readonly errorCode: number;
  constructor(message: string, errorCode: number = ErrorCode.UNKNOWN_SERVER_ERROR) {
    super(message);
    this.errorCode = errorCode;
  }
}

export class ShareDeadLetterWriter {
  private readonly host: DeadLetterWriterHost;

  constructor(host: DeadLetterWriterHost) {
    this.host = host;
  }

  async write(key: SharePartitionKey, run: DeadLetterRun, now: () => number): Promise<void> {
    const { metadata, config } = this.host;
    const groupConfigs = metadata.entityConfigs('groups', key.groupId);
    const topicName = groupConfigs[DLQ_TOPIC_NAME_CONFIG] ?? '';
    let dlq = metadata.topic(topicName);
    const problem = dlqTopicProblem(
      key.groupId, topicName, config.raw(DLQ_TOPIC_PREFIX_CONFIG) ?? '',
      { exists: dlq !== undefined, dlqEnabled: dlq?.configs[DLQ_TOPIC_ENABLE_CONFIG] === 'true' },
      config.bool(DLQ_AUTO_CREATE_CONFIG),
    );
    if (problem !== null) throw new DeadLetterError(problem);
    if (dlq === undefined) dlq = await this.create(key.groupId, topicName);
    const source = metadata.topicById(Buffer.from(key.topicId, 'hex'));
    // Kafka names a topic it no longer knows by its id.
    const sourceName = source?.name ?? uuidText(key.topicId);
    if (dlq.partitions.length === 0) throw new DeadLetterError(`DLQ topic partition count could not be found for share group ${key.groupId} with DLQ topic ${topicName}.`);
    const destination = dlqDestinationPartition(key.partition, dlq.partitions.length);
    const maxMessageBytes = Number(dlq.configs['max.message.bytes'] ?? config.int('message.max.bytes'));
    const copy = groupConfigs[DLQ_COPY_RECORD_CONFIG] === 'true';
    const logAppendTime = (dlq.configs['message.timestamp.type'] ?? config.raw('log.message.timestamp.type')) === 'LogAppendTime';
    let from = run.firstOffset;
    while (from <= run.lastOffset) {
      // Rounds of at most 1 MiB of originals; without copying, one round of headers only.
      const { originals, through } = copy ? await this.readOriginals(key, from, run.lastOffset) : { originals: NO_ORIGINALS, through: run.lastOffset };
      const batches = deadLetterBatches({ groupId: key.groupId, topicName: sourceName, partition: key.partition }, run, from, through, originals, maxMessageBytes, now(), logAppendTime);
      for (const batch of batches) await this.appendWithRetries(topicName, destination, batch);
      from = through + 1;
    }
  }

  /** Creates the DLQ topic as Kafka's handler asks its controller to; a concurrent creation is fine. */
  private async create(groupId: string, topicName: string): Promise<TopicMetadata> {
    const failed = await this.host.createTopic(topicName, DLQ_CREATED_TOPIC_CONFIGS);
    if (failed !== null && failed.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      throw new DeadLetterError(`Unable to create DLQ topic for ${groupId} using DLQ topic ${topicName}: ${errorName(failed.errorCode)} ${failed.message}`);
    }
    const topic = this.host.metadata.topic(topicName);
    if (topic === undefined) throw new DeadLetterError(`DLQ topic id could not be found for share group ${groupId} with DLQ topic ${topicName}.`);
    return topic;
  }

  /**
   * The originals of [from, to] that one read of at most 1 MiB finds, and the last offset it
   * resolved (ShareGroupDLQRecordFetcher): records gone from the log are written with the
   * headers only, as Kafka does when it cannot read them.
   */
  private async readOriginals(key: SharePartitionKey, from: number, to: number): Promise<{ originals: Map<number, OriginalRecord>; through: number }> {
    const originals = new Map<number, OriginalRecord>();
    const log = this.host.leaderLog(key.topicId, key.partition);
    if (log === undefined) return { originals, through: to };
    let records: Buffer;
    try {
      records = log.read(from, ORIGINALS_READ_BYTES, { isolation: 'highWatermark', minOneMessage: true }).records;
    } catch {
      return { originals, through: to };
    }
    let through = from - 1;
    const cursor = new BatchCursor(records);
    while (cursor.next()) {
      let batch;
      try {
        batch = await decodeBatch(records, cursor.offset, cursor.offset + cursor.size, { maxRecordsBytes: ORIGINALS_READ_BYTES * 4, verifyCrc: false });
      } catch {
        break;
      }
      for (const r of batch.records) if (r.offset >= from && r.offset <= to) originals.set(r.offset, { key: r.key, value: r.value });
      through = Math.max(through, batch.baseOffset + batch.lastOffsetDelta);
    }
    // Nothing read (past the end, or unreadable): the rest goes with headers only.
    return { originals, through: through < from ? to : Math.min(through, to) };
  }

  /** Appends one batch, again after a growing backoff while the answer is retriable; the metadata read afresh each time. */
  private async appendWithRetries(topicName: string, partition: number, batch: Buffer): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const dlq = this.host.metadata.topic(topicName);
        if (dlq === undefined) throw new DeadLetterError(`DLQ topic ${topicName} does not exist`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        await this.append(dlq, partition, batch);
        return;
      } catch (err) {
        const code = (err as { errorCode?: unknown }).errorCode;
        if (attempt >= APPEND_ATTEMPTS || typeof code !== 'number' || !RETRIABLE.has(code)) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private async append(dlq: TopicMetadata, partition: number, batch: Buffer): Promise<void> {
    const timeoutMs = this.host.config.int('request.timeout.ms');
    const leader = dlq.partitions[partition]?.leader ?? -1;
    if (leader < 0) throw new DeadLetterError(`DLQ topic partition leader node with DLQ topic ${dlq.name} and partition ${partition} could not be found.`, ErrorCode.LEADER_NOT_AVAILABLE);
    if (leader === this.host.nodeId) {
      await this.host.appendLocal(dlq.name, partition, batch, timeoutMs);
      return;
    }
    const transport = this.host.transport();
    if (transport === null) throw new DeadLetterError(`DLQ topic ${dlq.name} partition ${partition} is led by broker ${leader}, which this broker cannot reach`);
    const response = await transport.produce(leader, {
      transactionalId: null,
      acks: -1,
      timeoutMs,
      topicData: [{ name: dlq.name, topicId: dlq.id, partitionData: [{ index: partition, records: batch }] }],
    });
    const code = response.responses[0]?.partitionResponses[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    if (code !== ErrorCode.NONE) throw new DeadLetterError(`Unable to produce to DLQ topic ${dlq.name} partition ${partition} on node ${leader}: ${errorName(code)}`, code);
  }
}

const NO_ORIGINALS: ReadonlyMap<number, OriginalRecord> = new Map();

/** Kafka's Uuid.toString: base64url without padding. */
function uuidText(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}
