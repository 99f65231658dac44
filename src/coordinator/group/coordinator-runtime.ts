/**
 * The group coordinator's life and the partitions of __consumer_offsets it serves (Kafka's
 * GroupCoordinatorService over its CoordinatorRuntime): start-up and shutdown; elections that
 * load a partition at its leader epoch, the coordinator epoch (its groups answer
 * COORDINATOR_LOAD_IN_PROGRESS meanwhile) and resignations that unload one (its groups
 * forgotten); and the error a request gets for a group that is not served here
 * (NOT_COORDINATOR when another broker leads its partition). A single node leads every
 * partition. What a partition's records mean is the coordinator's (CoordinatorShard).
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Clock } from '../../storage/clock.js';
import type { OwnedOffsetsPartition, ReplayMarker, ReplayRecord } from './offsets-topic.js';
import { PartitionOwnership } from './partition-ownership.js';
import type { CoordinatorRecord } from './records.js';
import type { RecordSink } from './sink.js';
import type { DeadlineTimer, TimerDriver } from './timer.js';

/** Where records go and where they are loaded from. */
export interface CoordinatorLog extends RecordSink {
  /** Makes sure there is somewhere to write (creates __consumer_offsets); null when there is. */
  ensure(): Promise<void> | null;
  /** The partitions this broker leads now, with their leader epochs (at start-up and after creating the topic). */
  ownedPartitions(): OwnedOffsetsPartition[];
  /**
   * Replays what `partition` holds, in order: each record with the producer id of its
   * transactional batch (-1 for others), each transaction marker with its partition.
   */
  loadPartition(partition: number, replay: ReplayRecord, onMarker: ReplayMarker): Promise<number>;
  partitionFor(groupId: string): number;
  /** TxnOffsetCommit: appends the records as one transactional batch of the producer (see RecordSink.append). */
  appendTransactional(groupId: string, records: readonly CoordinatorRecord[], producerId: number, producerEpoch: number, verificationGuard?: number | null): Promise<void> | null;
}

/** What loading and unloading a partition change: the coordinator's state. */
export interface CoordinatorShard {
  /** A record read from a partition; `producerId` >= 0 for one of a transactional batch. */
  replay(record: CoordinatorRecord, producerId: number): void;
  /** A transaction marker read on `partition`. */
  replayMarker(partition: number, producerId: number, commit: boolean): void;
  /** Every record of a partition is read; `owns` tells its groups. */
  loaded(owns: (groupId: string) => boolean): void;
  /** Forgets the groups `owns` tells (a partition no longer led here); returns how many. */
  unload(owns: (groupId: string) => boolean): number;
}

const enum Status {
  Starting,
  Active,
  Closed,
}

export class CoordinatorRuntime {
  private readonly log: CoordinatorLog;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timer: DeadlineTimer;
  private readonly driver: TimerDriver | null;
  private readonly shard: CoordinatorShard;
  private status = Status.Starting;
  /** The partitions of __consumer_offsets this broker leads. */
  private readonly owned: PartitionOwnership;

  constructor(log: CoordinatorLog, logger: Logger, clock: Clock, timer: DeadlineTimer, driver: TimerDriver | null, shard: CoordinatorShard) {
    this.log = log;
    this.logger = logger;
    this.clock = clock;
    this.timer = timer;
    this.driver = driver;
    this.shard = shard;
    this.owned = new PartitionOwnership(
      (partition, epoch, current) => this.loadPartition(partition, epoch, current),
      (partition) => this.unloadPartition(partition),
    );
  }

  /** True between start-up and shutdown. */
  get active(): boolean {
    return this.status === Status.Active;
  }

  /** True while this broker leads `partition` of __consumer_offsets. */
  owns(partition: number): boolean {
    return this.owned.has(partition);
  }

  /** Starts serving (`onActive` first, before the timer runs) and loads the partitions this broker leads already. */
  async startup(onActive: () => void): Promise<void> {
    if (this.status !== Status.Starting) return;
    this.status = Status.Active;
    onActive();
    this.driver?.start();
    await Promise.all(this.log.ownedPartitions().map((p) => this.onElection(p.partition, p.coordinatorEpoch)));
  }

  /** Stops the timer and forgets the partitions; false when stopped already. */
  shutdown(): boolean {
    if (this.status === Status.Closed) return false;
    this.status = Status.Closed;
    this.driver?.stop();
    this.timer.clear();
    this.owned.clear();
    return true;
  }

  /**
   * This broker now leads `partition` at `coordinatorEpoch` (its leader epoch): its groups and
   * offsets are loaded. The same election again waits for the same load; a newer one unloads
   * what an older one loaded and loads again. Resolves with the records read.
   */
  onElection(partition: number, coordinatorEpoch: number): Promise<number> {
    if (this.status === Status.Closed) return Promise.resolve(0);
    if (!this.owned.has(partition)) this.logger.info({ partition, coordinatorEpoch }, 'elected as the group coordinator for a partition');
    return this.owned.elect(partition, coordinatorEpoch).catch((err: unknown) => {
      this.logger.error({ err, partition }, 'loading a partition of the group coordinator failed');
      return 0;
    });
  }

  /**
   * This broker no longer leads `partition` (the partition's new leader epoch, when known): its
   * groups and offsets are forgotten. An election at a newer epoch than `coordinatorEpoch`
   * stays.
   */
  onResignation(partition: number, coordinatorEpoch?: number): void {
    if (this.owned.resign(partition, coordinatorEpoch)) this.logger.info({ partition, coordinatorEpoch }, 'resigned as the group coordinator for a partition');
  }

  private async loadPartition(partition: number, coordinatorEpoch: number, owned: () => boolean): Promise<number> {
    const started = this.clock.now();
    const current = () => this.status !== Status.Closed && owned();
    const shard = this.shard;
    const records = await this.log.loadPartition(
      partition,
      (r, producerId) => {
        if (current()) shard.replay(r, producerId);
      },
      (p, producerId, commit) => {
        if (current()) shard.replayMarker(p, producerId, commit);
      },
    );
    if (!current()) return 0;
    shard.loaded((groupId) => this.log.partitionFor(groupId) === partition);
    this.logger.info({ partition, coordinatorEpoch, records, ms: this.clock.now() - started }, 'group coordinator loaded a partition');
    return records;
  }

  /** Forgets the groups of `partition` (GroupMetadataManager.removeGroupsForPartition). */
  private unloadPartition(partition: number): void {
    const groups = this.shard.unload((groupId) => this.log.partitionFor(groupId) === partition);
    this.logger.info({ partition, groups }, 'group coordinator unloaded a partition');
  }

  /**
   * NONE when the coordinator runs, else the error every group request answers with
   * (COORDINATOR_LOAD_IN_PROGRESS before start-up, COORDINATOR_NOT_AVAILABLE once stopped).
   * Whether it coordinates a given group is groupError's answer.
   */
  statusError(): number {
    if (this.status === Status.Closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.status === Status.Starting) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** ListGroups: as statusError, and COORDINATOR_LOAD_IN_PROGRESS while a partition loads (Kafka lists only when none does). */
  listError(): number {
    const status = this.statusError();
    if (status !== ErrorCode.NONE) return status;
    return this.owned.anyLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
  }

  /** As GroupCoordinator.groupError, for a partition of __consumer_offsets. */
  partitionError(partition: number): number {
    if (this.status !== Status.Active) return this.status === Status.Closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return this.owned.error(partition);
  }

  /**
   * Creates __consumer_offsets if needed and loads the partitions it gave this broker; null
   * when it exists. Rejects with a CoordinatorWriteError.
   */
  ready(): Promise<void> | null {
    const creating = this.log.ensure();
    if (creating === null) return null;
    return creating.then(async () => {
      const fresh = this.log.ownedPartitions().filter((p) => !this.owned.has(p.partition));
      await Promise.all(fresh.map((p) => this.onElection(p.partition, p.coordinatorEpoch)));
    });
  }
}
