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
 * The topic does not grow without bound (Kafka's ShareCoordinatorService pruning): every
 * share.coordinator.state.topic.prune.interval.ms the log start offset of each partition led
 * here moves up to the oldest snapshot a share-partition still needs (share-state-offsets.ts),
 * and every share.coordinator.cold.partition.snapshot.interval.ms share-partitions not written
 * meanwhile get a fresh snapshot, so that an idle one does not hold the others' records back.
 *
 * This broker serves only the partitions it leads (NOT_COORDINATOR for the others): a
 * share-partition leader reaches the others through ShareStateRouter and the
 * Read/Write/Initialize/DeleteShareGroupState RPCs, whose handlers call this.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ATTRIBUTES_OFFSET, CONTROL_MASK } from '../../protocol/records/batch-header.js';
import type { Clock } from '../../storage/clock.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { InternalTopicCreator, readPartition, type CoordinatorTopicHost } from '../coordinator-topic.js';
import { javaStringHashCode } from '../group/offsets-topic.js';
import { appendErrorToResponseError, CoordinatorWriteError } from '../group/sink.js';
import type { PersistedShareState } from './record-state.js';
import type { ShareCoordinatorConfig } from './share-config.js';
import type { ShareStatePersister, ShareStateRead } from './share-state-persister.js';
import {
  coordinatorKey, decodeShareStateRecord, encodeShareStateBatch, SHARE_GROUP_STATE_TOPIC, ShareRecordType, stateKey,
  type SharePartitionKey, type ShareStateRecord,
} from './share-state-records.js';
import { ShareStateStore, type ShareStateSummary, type StoreWrite } from './share-state-store.js';
import { SnapshotOffsets } from './share-state-offsets.js';

interface LoadedPartition {
  leaderEpoch: number;
  store: ShareStateStore;
  /** Where the share-partitions' snapshots lie, for pruning. */
  offsets: SnapshotOffsets;
  ready: Promise<void>;
  /** Whether the load finished (pruning waits for the whole log to be known). */
  loaded: boolean;
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

  /** ReadShareGroupStateSummary on a partition led here (no leader epoch fencing); summary null when there is no state. */
  async summary(key: SharePartitionKey): Promise<{ errorCode: number; summary: ShareStateSummary | null }> {
    const p = await this.partitionStore(key);
    if (typeof p === 'number') return { errorCode: p, summary: null };
    return { errorCode: ErrorCode.NONE, summary: p.store.summary(key) };
  }

  async write(key: SharePartitionKey, leaderEpoch: number, state: PersistedShareState): Promise<number> {
    return this.mutate(key, (store, now) => store.write(key, leaderEpoch, state, now));
  }

  async delete(key: SharePartitionKey): Promise<number> {
    return this.mutate(key, (store) => store.delete(key));
  }

  /**
   * Moves the log start offset of each partition led here up to the oldest record a
   * share-partition still needs (ShareCoordinatorService's prune job); returns how many moved.
   */
  prune(): number {
    let moved = 0;
    for (const [partition, p] of this.loaded) {
      const log = this.servedLog(partition, p);
      if (log === null) continue;
      const below = p.offsets.redundantBelow(log.highWatermark);
      if (below <= log.logStartOffset) continue;
      try {
        if (log.maybeIncrementLogStartOffset(below, 'share coordinator pruning')) moved++;
      } catch (err) {
        this.host.logger.warn({ err, partition }, `pruning ${SHARE_GROUP_STATE_TOPIC} failed`);
      }
    }
    return moved;
  }

  /**
   * Writes a fresh snapshot of each share-partition not written for
   * share.coordinator.cold.partition.snapshot.interval.ms whose snapshot lies before the records
   * written since the last run (Kafka's cold partition snapshots); returns how many.
   */
  async snapshotColdPartitions(): Promise<number> {
    let written = 0;
    const now = this.clock.now();
    for (const [partition, p] of this.loaded) {
      if (this.servedLog(partition, p) === null) continue;
      const records: ShareStateRecord[] = [];
      for (const key of p.offsets.snapshotsToRefresh(now, this.config.coldPartitionSnapshotIntervalMs)) records.push(...p.store.snapshotNow(key, now).records);
      if (records.length > 0 && (await this.append(partition, p, records)) === ErrorCode.NONE) written += records.length;
      p.offsets.markCold();
    }
    return written;
  }

  /**
   * A topic was deleted: the state of its share-partitions, in every group, is deleted from the
   * partitions led here (Kafka's ShareCoordinatorService.onTopicsDeleted); returns how many.
   */
  async deleteTopicState(topicId: string): Promise<number> {
    let deleted = 0;
    for (const [partition, p] of this.loaded) {
      if (this.servedLog(partition, p) === null) continue;
      const records: ShareStateRecord[] = [];
      for (const key of p.store.keysOfTopic(topicId)) records.push(...p.store.delete(key).records);
      if (records.length > 0 && (await this.append(partition, p, records)) === ErrorCode.NONE) deleted += records.length / 2;
    }
    return deleted;
  }

  /** The log of a partition loaded and still led here at the epoch it was loaded at, else null. */
  private servedLog(partition: number, p: LoadedPartition): PartitionLog | null {
    if (!p.loaded) return null;
    const info = this.host.topic(SHARE_GROUP_STATE_TOPIC)?.partitions[partition];
    if (info === undefined || info.leader !== this.host.nodeId || info.leaderEpoch !== p.leaderEpoch) return null;
    const log = this.host.getLog(SHARE_GROUP_STATE_TOPIC, partition);
    return log === undefined || log.isOffline || log.isClosed ? null : log;
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
    return this.append(this.partitionFor(key), p, w.records);
  }

  /** Appends records to a partition led here and replays them; NONE once committed, else the error. */
  private async append(partition: number, p: LoadedPartition, records: readonly ShareStateRecord[]): Promise<number> {
    // The append is synchronous: the batch starts at the log end offset it finds.
    const base = this.host.getLog(SHARE_GROUP_STATE_TOPIC, partition)?.logEndOffset ?? -1;
    let committed: Promise<void> | null;
    try {
      committed = this.host.appendAsCoordinator(SHARE_GROUP_STATE_TOPIC, partition, encodeShareStateBatch(records, this.clock.now()), this.config.writeTimeoutMs);
    } catch (err) {
      return this.failed(partition, err);
    }
    // In the log now, in append order: the store follows it at once, so the next write builds on this one.
    const now = this.clock.now();
    for (let i = 0; i < records.length; i++) {
      p.store.replay(records[i]!);
      if (base >= 0) track(p.offsets, records[i]!, base + i, now);
    }
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
      const offsets = new SnapshotOffsets();
      const loading: LoadedPartition = { leaderEpoch: info.leaderEpoch, store, offsets, ready: Promise.resolve(), loaded: false };
      loading.ready = this.load(partition, store, offsets).then(() => void (loading.loaded = true));
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

  private async load(partition: number, store: ShareStateStore, offsets: SnapshotOffsets): Promise<void> {
    const now = this.clock.now();
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
      if (record === null) return;
      store.replay(record);
      track(offsets, record, r.offset, now);
    });
  }
}

/** Notes where a record of a share-partition lies: a snapshot, an update, or (a snapshot tombstone) its deletion. */
function track(offsets: SnapshotOffsets, r: ShareStateRecord, offset: number, now: number): void {
  const k = stateKey(r.key);
  if (r.type === ShareRecordType.Snapshot) {
    if (r.value === null) offsets.deleted(k, offset);
    else offsets.snapshot(k, r.key, offset, now);
  } else if (r.value !== null) {
    offsets.update(k, offset, now);
  }
}

function isDataBatch(records: Buffer, at: number): boolean {
  return (records.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_MASK) === 0;
}
