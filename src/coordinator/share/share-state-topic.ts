/**
 * The share-group state persister on `__share_group_state` (Kafka's share coordinator with the
 * DefaultStatePersister, in one broker): a share-partition's state lives in partition
 * abs(hash("group:topicId:partition")) % partitions of the topic, created on first use as
 * Kafka creates it (cleanup.policy=delete, share.coordinator.state.topic.* settings). Each
 * write is one batch appended by the partition's leader with acks=-1 and replayed into the
 * partition's ShareStateStore; a partition is read back from its log start the first time it
 * is used, and again after its leader epoch changed (another broker led it meanwhile) or a
 * write of it failed, so the state survives kill -9 and leader changes.
 *
 * This broker serves only the partitions it leads (NOT_COORDINATOR for the others); Kafka's
 * brokers reach the other share coordinators with the Read/WriteShareGroupState RPCs.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ATTRIBUTES_OFFSET, CONTROL_MASK } from '../../protocol/records/batch-header.js';
import type { Clock } from '../../storage/clock.js';
import { InternalTopicCreator, readPartition, type CoordinatorTopicHost } from '../coordinator-topic.js';
import { javaStringHashCode } from '../group/offsets-topic.js';
import { appendErrorToResponseError, CoordinatorWriteError } from '../group/sink.js';
import type { PersistedShareState } from './record-state.js';
import type { ShareCoordinatorConfig } from './share-config.js';
import type { ShareStatePersister, ShareStateRead } from './share-state-persister.js';
import {
  coordinatorKey, decodeShareStateRecord, encodeShareStateBatch, SHARE_GROUP_STATE_TOPIC,
  type SharePartitionKey,
} from './share-state-records.js';
import { ShareStateStore, type StoreWrite } from './share-state-store.js';

interface LoadedPartition {
  leaderEpoch: number;
  store: ShareStateStore;
  ready: Promise<void>;
}

export class ShareStateTopic implements ShareStatePersister {
  private readonly host: CoordinatorTopicHost;
  private readonly config: ShareCoordinatorConfig;
  private readonly clock: Clock;
  private readonly creator: InternalTopicCreator;
  private readonly loaded = new Map<number, LoadedPartition>();

  constructor(host: CoordinatorTopicHost, config: ShareCoordinatorConfig, clock: Clock) {
    this.host = host;
    this.config = config;
    this.clock = clock;
    // ShareCoordinatorService's topic configs: delete (the coordinator prunes what no snapshot needs), producer compression.
    this.creator = new InternalTopicCreator(host, SHARE_GROUP_STATE_TOPIC, config.stateTopicNumPartitions, config.stateTopicReplicationFactor, (rf) => ({
      'cleanup.policy': 'delete',
      'compression.type': 'producer',
      'min.insync.replicas': String(Math.min(config.stateTopicMinIsr, rf)),
      'segment.bytes': String(config.stateTopicSegmentBytes),
      'retention.ms': '-1',
    }));
  }

  numPartitions(): number {
    return this.host.topic(SHARE_GROUP_STATE_TOPIC)?.partitions.length ?? this.config.stateTopicNumPartitions;
  }

  /** The partition of __share_group_state holding a share-partition's state (Kafka's ShareCoordinatorService.partitionFor). */
  partitionFor(key: SharePartitionKey): number {
    const h = javaStringHashCode(coordinatorKey(key));
    return (h === -2147483648 ? 0 : Math.abs(h)) % this.numPartitions();
  }

  async initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number): Promise<number> {
    return this.mutate(key, (store, now) => store.initialize(key, stateEpoch, startOffset, now));
  }

  async read(key: SharePartitionKey, leaderEpoch: number): Promise<ShareStateRead> {
    const p = await this.partitionStore(key);
    if (typeof p === 'number') return { errorCode: p, state: null };
    return p.store.read(key, leaderEpoch);
  }

  async write(key: SharePartitionKey, leaderEpoch: number, state: PersistedShareState): Promise<number> {
    return this.mutate(key, (store, now) => store.write(key, leaderEpoch, state, now));
  }

  async delete(key: SharePartitionKey): Promise<number> {
    return this.mutate(key, (store) => store.delete(key));
  }

  /** Forgets every loaded partition (this broker stops, or resigns them all). */
  unloadAll(): void {
    this.loaded.clear();
  }

  private async mutate(key: SharePartitionKey, make: (store: ShareStateStore, now: number) => StoreWrite): Promise<number> {
    const p = await this.partitionStore(key);
    if (typeof p === 'number') return p;
    const w = make(p.store, this.clock.now());
    if (w.errorCode !== ErrorCode.NONE || w.records.length === 0) return w.errorCode;
    const partition = this.partitionFor(key);
    let committed: Promise<void> | null;
    try {
      committed = this.host.appendAsCoordinator(SHARE_GROUP_STATE_TOPIC, partition, encodeShareStateBatch(w.records, this.clock.now()), this.config.writeTimeoutMs);
    } catch (err) {
      return this.failed(partition, err);
    }
    // In the log now, in append order: the store follows it at once, so the next write builds on this one.
    for (const r of w.records) p.store.replay(r);
    if (committed === null) return ErrorCode.NONE;
    try {
      await committed;
      return ErrorCode.NONE;
    } catch (err) {
      return this.failed(partition, err);
    }
  }

  /** A failed write: the partition is read back from its log next time (the log decides what survived). */
  private failed(partition: number, err: unknown): number {
    this.loaded.delete(partition);
    if (err instanceof CoordinatorWriteError) return appendErrorToResponseError(err.errorCode);
    this.host.logger.error({ err, partition }, `write to ${SHARE_GROUP_STATE_TOPIC} failed`);
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  /** The loaded store of the key's partition, loading it first; an error code when this broker cannot serve it. */
  private async partitionStore(key: SharePartitionKey): Promise<LoadedPartition | number> {
    try {
      const creating = this.creator.ensure();
      if (creating !== null) await creating;
    } catch (err) {
      return err instanceof CoordinatorWriteError ? err.errorCode : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const partition = this.partitionFor(key);
    const info = this.host.topic(SHARE_GROUP_STATE_TOPIC)?.partitions[partition];
    if (info === undefined) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (info.leader !== this.host.nodeId) {
      this.loaded.delete(partition);
      return ErrorCode.NOT_COORDINATOR;
    }
    let p = this.loaded.get(partition);
    if (p === undefined || p.leaderEpoch !== info.leaderEpoch) {
      const store = new ShareStateStore(this.config.snapshotUpdateRecordsPerSnapshot);
      const loading: LoadedPartition = { leaderEpoch: info.leaderEpoch, store, ready: this.load(partition, store) };
      this.loaded.set(partition, loading);
      p = loading;
    }
    try {
      await p.ready;
    } catch (err) {
      if (this.loaded.get(partition) === p) this.loaded.delete(partition);
      this.host.logger.error({ err, partition }, `loading ${SHARE_GROUP_STATE_TOPIC} failed`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    // A load that finished after the partition was dropped (a failed write meanwhile): serve from a fresh load.
    return this.loaded.get(partition) === p ? p : this.partitionStore(key);
  }

  private async load(partition: number, store: ShareStateStore): Promise<void> {
    const log = this.host.getLog(SHARE_GROUP_STATE_TOPIC, partition);
    if (log === undefined || log.isOffline) throw new CoordinatorWriteError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `no log of ${SHARE_GROUP_STATE_TOPIC}-${partition}`);
    await readPartition(log, this.config.loadBufferSize, this.host.logger, SHARE_GROUP_STATE_TOPIC, isDataBatch, (r) => {
      if (r.key === null) return;
      let record;
      try {
        record = decodeShareStateRecord(r.key, r.value);
      } catch (err) {
        this.host.logger.error({ err, partition, offset: r.offset }, `skipping an unreadable record of ${SHARE_GROUP_STATE_TOPIC}`);
        return;
      }
      if (record !== null) store.replay(record);
    });
  }
}

function isDataBatch(records: Buffer, at: number): boolean {
  return (records.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_MASK) === 0;
}
