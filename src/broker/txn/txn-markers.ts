/**
 * The partition side of WriteTxnMarkers (Kafka's KafkaApis.handleWriteTxnMarkersRequest): an
 * end-transaction control batch (COMMIT or ABORT, the producer's id and epoch, the
 * coordinator epoch) appended to each partition this broker leads, answered per partition.
 * A partition of __consumer_offsets also completes the producer's transactional offsets there
 * (Kafka 4's GroupCoordinator.completeTransaction), committing or dropping them.
 *
 * The transaction coordinator of this broker writes its markers through BrokerTxnMarkerWriter:
 * to the partitions this broker leads with the same code as the WriteTxnMarkers handler,
 * without a request; to those another broker leads with a WriteTxnMarkers request to it (in
 * a cluster, Kafka's TransactionMarkerChannelManager).
 *
 * Per partition: unknown here → UNKNOWN_TOPIC_OR_PARTITION; not the leader →
 * NOT_LEADER_OR_FOLLOWER; offline log → KAFKA_STORAGE_ERROR; fewer in-sync replicas than
 * min.insync.replicas → NOT_ENOUGH_REPLICAS; in a cluster the answer waits for the ISR (acks=-1,
 * request.timeout.ms: NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER); for __consumer_offsets a group
 * coordinator that is not serving → NOT_LEADER_OR_FOLLOWER (what Kafka tells the transaction
 * coordinator so that it retries); the log's own refusals (a fenced producer epoch,
 * INVALID_PRODUCER_EPOCH; a stale coordinator epoch, TRANSACTION_COORDINATOR_FENCED) with
 * their codes. The answer waits for the fsync the flush policy asks for.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic.js';
import type { TxnMarkerEntry, TxnMarkerPartitionResult, TxnMarkerWriter } from '../../coordinator/txn/transaction-marker-writer.js';
import { TransactionResult } from '../../coordinator/txn/transaction-state.js';
import { isStorageError } from '../../storage/errors.js';
import type { PartitionLog, TxnMarker } from '../../storage/partition-log.js';
import type { GroupCoordinator } from '../../coordinator/group/coordinator.js';
import type { MetadataStore } from '../../cluster/metadata.js';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../settings/broker-config.js';
import type { Partition, Partitions } from '../partition.js';
import type { LogAppendInfo } from '../../storage/partition-log-types.js';
import { effectiveMinIsr } from '../produce/partition-append.js';
import { topicProduceSettings } from '../produce/topic-settings.js';
import type { WriteTxnMarkersRequest } from '../../protocol/generated/write-txn-markers-request.js';
import type { WriteTxnMarkersResponse } from '../../protocol/generated/write-txn-markers-response.js';

/**
 * What writing markers uses of its broker (the broker passes itself): its partitions and
 * settings, the metadata image, and the group coordinator, whose offsets a marker on
 * __consumer_offsets completes.
 */
export interface TxnMarkerHost {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly metadata: Pick<MetadataStore, 'topic'>;
  readonly partitions: Partitions;
  readonly groups: Pick<GroupCoordinator, 'partitionError' | 'completeTransaction'>;
  readonly logger: Logger;
}

/** One marker as WriteTxnMarkers carries it (with the transaction version the coordinator knows). */
export type MarkerToWrite = TxnMarker;

/** Writes one marker to one partition; the error code, or a promise of it when the append waits for the ISR or an fsync. */
export function writeMarkerToPartition(broker: TxnMarkerHost, topic: string, index: number, marker: MarkerToWrite): number | Promise<number> {
  const partition = broker.partitions.get(broker.metadata.topic(topic), index);
  if (partition === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const log = partition.leaderLogOrError(-1);
  if (typeof log === 'number') return log;
  if (log.isClosed) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const offsets = topic === OFFSETS_TOPIC;
  if (offsets && broker.groups.partitionError(index) !== ErrorCode.NONE) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  // Markers are appended with acks=-1 (KafkaApis.handleWriteTxnMarkersRequest): refused under
  // the partition's min ISR, answered once the ISR has them.
  const topicMeta = broker.metadata.topic(topic);
  if (topicMeta !== undefined && partition.metadata.isr.length < effectiveMinIsr(partition.metadata, topicProduceSettings(topicMeta, broker.config).minInsyncReplicas)) {
    return ErrorCode.NOT_ENOUGH_REPLICAS;
  }
  let info: LogAppendInfo | null;
  try {
    info = appendMarker(partition, log, marker);
  } catch (err) {
    if (isStorageError(err) && err.errorCode >= 0) {
      broker.logger.info({ topic, partition: index, producerId: marker.producerId, error: err.errorName, reason: err.message }, 'transaction marker refused');
      return err.errorCode;
    }
    broker.logger.error({ err, topic, partition: index }, 'writing a transaction marker failed');
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
  // The marker is in the log: the offsets it commits are the group coordinator's at once,
  // as Kafka's coordinator replays a record as soon as it is written.
  if (offsets) broker.groups.completeTransaction(index, marker.producerId, marker.commit);
  if (info === null) return ErrorCode.NONE;
  const durable = info.durable === null ? null : info.durable.then(
    () => ErrorCode.NONE,
    (err: unknown) => {
      broker.logger.error({ err, topic, partition: index }, 'flushing a transaction marker failed');
      return ErrorCode.KAFKA_STORAGE_ERROR;
    },
  );
  const replication = broker.partitions.replication;
  if (partition.leaderState === null || replication === null) return durable ?? ErrorCode.NONE;
  const replicated = replication.awaitIsr(partition, info.lastOffset + 1, broker.config.int('request.timeout.ms'));
  if (durable === null) return replicated;
  return Promise.all([durable, replicated]).then(([flushed, code]) => (flushed !== ErrorCode.NONE ? flushed : code));
}

/**
 * Appends the marker as the leader (the log checks its producer and coordinator epochs); the
 * high watermark follows when the leader is the whole ISR, as for a produce; null when the
 * marker is there already. Throws the log's StorageErrors.
 */
function appendMarker(partition: Partition, log: PartitionLog, marker: MarkerToWrite): LogAppendInfo | null {
  if (log.hasTxnMarker(marker)) return null;
  return partition.appendTxnMarkerAsLeader(log, marker, partition.metadata.isr.length <= 1);
}

/** Writes `marker` to every partition of `partitions`, answering each (Kafka's per-partition WriteTxnMarkers results). */
export async function writeMarkers(broker: TxnMarkerHost, marker: MarkerToWrite, partitions: Iterable<{ topic: string; partition: number }>): Promise<TxnMarkerPartitionResult[]> {
  const results: TxnMarkerPartitionResult[] = [];
  let waits: Array<Promise<void>> | null = null;
  for (const tp of partitions) {
    const r: TxnMarkerPartitionResult = { topic: tp.topic, partition: tp.partition, errorCode: ErrorCode.NONE };
    results.push(r);
    const error = writeMarkerToPartition(broker, tp.topic, tp.partition, marker);
    if (typeof error === 'number') r.errorCode = error;
    else (waits ??= []).push(error.then((e) => void (r.errorCode = e)));
  }
  if (waits !== null) await Promise.all(waits);
  return results;
}

/** How markers reach another broker: a WriteTxnMarkers request (replica-transport.ts); null on a single node. */
export interface TxnMarkerTransport {
  writeTxnMarkers(brokerId: number, request: WriteTxnMarkersRequest): Promise<WriteTxnMarkersResponse>;
}

/**
 * The transaction coordinator's way to its markers: partitions this broker leads are written
 * here, the others are sent to their leaders, one WriteTxnMarkers request per leader. A
 * partition whose leader is unknown for now, or whose request failed, is left out of the
 * results, so the coordinator tries it again.
 */
export class BrokerTxnMarkerWriter implements TxnMarkerWriter {
  private readonly broker: TxnMarkerHost;
  private readonly transport: () => TxnMarkerTransport | null;

  constructor(broker: TxnMarkerHost, transport: () => TxnMarkerTransport | null = () => null) {
    this.broker = broker;
    this.transport = transport;
  }

  /** Kafka skips a partition the metadata no longer knows (its topic was deleted); one without a leader now waits for one. */
  hasPartition(topic: string, partition: number): boolean {
    return this.broker.metadata.topic(topic)?.partitions[partition] !== undefined;
  }

  async writeMarkers(entry: TxnMarkerEntry): Promise<readonly TxnMarkerPartitionResult[]> {
    const marker: MarkerToWrite = {
      producerId: entry.producerId,
      producerEpoch: entry.producerEpoch,
      coordinatorEpoch: entry.coordinatorEpoch,
      commit: entry.result === TransactionResult.Commit,
      transactionVersion: entry.transactionVersion,
    };
    const transport = this.transport();
    if (transport === null) return writeMarkers(this.broker, marker, entry.partitions);
    const local: Array<{ topic: string; partition: number }> = [];
    const remote = new Map<number, Map<string, number[]>>();
    for (const tp of entry.partitions) {
      const leader = this.broker.metadata.topic(tp.topic)?.partitions[tp.partition]?.leader ?? -1;
      if (leader === this.broker.nodeId) {
        local.push(tp);
      } else if (leader >= 0) {
        let topics = remote.get(leader);
        if (topics === undefined) remote.set(leader, (topics = new Map()));
        let indexes = topics.get(tp.topic);
        if (indexes === undefined) topics.set(tp.topic, (indexes = []));
        indexes.push(tp.partition);
      }
    }
    const sends = [...remote].map(([leader, topics]) => this.sendTo(transport, leader, marker, topics));
    const results = await Promise.all([writeMarkers(this.broker, marker, local), ...sends]);
    return results.flat();
  }

  private async sendTo(transport: TxnMarkerTransport, leader: number, marker: MarkerToWrite, topics: Map<string, number[]>): Promise<TxnMarkerPartitionResult[]> {
    const request: WriteTxnMarkersRequest = {
      markers: [{
        producerId: BigInt(marker.producerId),
        producerEpoch: marker.producerEpoch,
        transactionResult: marker.commit,
        topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        coordinatorEpoch: marker.coordinatorEpoch,
        transactionVersion: 0,
      }],
    };
    let response: WriteTxnMarkersResponse;
    try {
      response = await transport.writeTxnMarkers(leader, request);
    } catch (err) {
      this.broker.logger.info({ err, leader, producerId: marker.producerId }, 'sending transaction markers failed; they will be sent again');
      return [];
    }
    const out: TxnMarkerPartitionResult[] = [];
    for (const m of response.markers) {
      for (const t of m.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode });
    }
    return out;
  }
}
