/**
 * Moves partition replicas between this broker's log directories (KIP-113): Kafka's
 * ReplicaManager.alterReplicaLogDirs and its ReplicaAlterLogDirsThread. A move makes a future
 * log in the destination (src/storage/future-logs.ts) and copies the current log into it batch
 * by batch while the partition keeps taking writes (appends go to the current log). Once the
 * future log has caught up, the swap (FutureLogs.replaceCurrentWithFutureLog) happens in the
 * same synchronous step as the last check, so no append falls between: the event loop is the
 * partition's lock. Future logs found at start-up are resumed from where they stopped.
 *
 * The copy follows the current log as a follower follows its leader: each step first reconciles
 * with it — a truncation of the current log (a follower that diverged) cuts the future log at
 * the end of its latest epoch in the current log (Kafka's OffsetsForLeaderEpoch exchange with
 * the current replica), and a log start offset moved by retention or DeleteRecords moves the
 * future's — then appends up to `replica.fetch.max.bytes` of whole batches with their offsets.
 *
 * Throttle: the bytes copied count against `replica.alter.log.dirs.io.max.bytes.per.second`
 * (a dynamic broker config: this broker's, else the cluster default, else unbounded), measured
 * over `alter.log.dirs.replication.quota.window.num` windows of
 * `alter.log.dirs.replication.quota.window.size.seconds`; over the bound, nothing is copied
 * until the rate falls back (Kafka's alterLogDirs ReplicationQuotaManager).
 */
import { partitionOf } from '../cluster/metadata.js';
import { ReplicationQuota, UNBOUNDED_RATE } from '../cluster/replication/replication-quota.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, PARTITION_LEADER_EPOCH_OFFSET } from '../protocol/records/batch-header.js';
import { readInt64Number } from '../protocol/records/header.js';
import { partitionKey } from '../storage/checkpoint.js';
import { StorageError } from '../storage/errors.js';
import { LeaderEpochCache, UNDEFINED_EPOCH, type EpochEntry } from '../storage/leader-epoch-cache.js';
import type { LogManager } from '../storage/log-manager.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { BrokerContext } from './context.js';

export const ALTER_LOG_DIRS_RATE = 'replica.alter.log.dirs.io.max.bytes.per.second';

/** What the mover needs of the broker. */
export interface LogDirMoverHost {
  readonly logs: LogManager;
  now(): number;
  /** The bound in bytes per second from the dynamic broker configs; UNBOUNDED_RATE when unset. */
  rate(): number;
  /** Whether the metadata knows the partition (UNKNOWN_TOPIC_OR_PARTITION otherwise). */
  partitionExists(topic: string, partition: number): boolean;
  /** The current log's leader epoch history (the Partition's, which may know an epoch no batch carries yet). */
  epochEntries(current: PartitionLog): readonly EpochEntry[];
  /** Where `epoch` ends in the current log (Partition.endOffsetForEpoch); -1 when undefined. */
  endOffsetForEpoch(current: PartitionLog, epoch: number): number;
  /** The current log was replaced by `log`: wake what waits on the old one. */
  replaced(old: PartitionLog, log: PartitionLog): void;
  readonly logger: { info(m: string): void; warn(m: string): void; error(m: string): void };
}

/** One partition being moved. */
class Move {
  /** The current log's truncation count when last reconciled; -1: not yet. */
  seenTruncations = -1;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly future: PartitionLog,
    readonly epochs: LeaderEpochCache,
  ) {}
}

export class LogDirMover {
  readonly quota: ReplicationQuota;
  private readonly host: LogDirMoverHost;
  private readonly chunkBytes: number;
  private readonly moves = new Map<string, Move>();
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private stopped = false;
  private next = 0;
  /** Bytes copied in all (tests, diagnostics). */
  copiedBytes = 0;
  /** Moves completed (tests, diagnostics). */
  completed = 0;

  constructor(host: LogDirMoverHost, opts: { chunkBytes: number; windowSeconds: number; windows: number }) {
    this.host = host;
    this.chunkBytes = Math.max(1, opts.chunkBytes);
    this.quota = new ReplicationQuota(opts.windowSeconds, opts.windows);
  }

  get moving(): number {
    return this.moves.size;
  }

  /** Resumes the moves of the future logs found at start-up. */
  resume(): void {
    for (const future of [...this.host.logs.futures.logs.values()]) {
      if (this.host.logs.getLog(future.topic, future.partition) === undefined) continue;
      this.host.logger.info(`resuming the move of ${future.topic}-${future.partition} to ${future.dir}`);
      this.track(future);
    }
    this.schedule();
  }

  /**
   * One partition of an AlterReplicaLogDirs request (ReplicaManager.alterReplicaLogDirs): its
   * error code. A partition with no log here yet has `dir` remembered for when it is made.
   */
  alter(topic: string, partition: number, dir: string): number {
    const logs = this.host.logs;
    const key = partitionKey(topic, partition);
    // KAFKA-4893: the future directory's name must fit a file name.
    if (`${key}.${'0'.repeat(32)}-future`.length > 255) return ErrorCode.INVALID_TOPIC_EXCEPTION;
    try {
      logs.futures.logDirState(dir);
      // ReplicaManager.alterReplicaLogDirs: no replica moves into a cordoned directory (KIP-1066).
      if (logs.isCordoned(dir)) return ErrorCode.INVALID_REPLICA_ASSIGNMENT;
      const current = logs.getLog(topic, partition);
      if (current === undefined ? logs.offlinePartitions.has(key) : current.isOffline) return ErrorCode.KAFKA_STORAGE_ERROR;
      // A move elsewhere stops (Partition.futureReplicaDirChanged): its future log goes.
      const futureDir = logs.futures.futureDir(topic, partition);
      if (futureDir !== undefined && futureDir !== dir) this.cancel(topic, partition);
      if (current === undefined) {
        // Kafka remembers the directory of any partition named; Millrace only of those the
        // metadata knows, so requests naming made-up topics cannot grow the map without bound.
        if (!this.host.partitionExists(topic, partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        logs.futures.maybeUpdatePreferredLogDir(topic, partition, dir);
        // Kafka answers NOT_LEADER_OR_FOLLOWER as REPLICA_NOT_AVAILABLE here, for compatibility.
        return ErrorCode.REPLICA_NOT_AVAILABLE;
      }
      logs.futures.maybeUpdatePreferredLogDir(topic, partition, dir);
      const future = logs.futures.getOrCreate(topic, partition, dir);
      if (future !== null && !this.moves.has(key)) {
        this.track(future);
        this.schedule();
      }
      return ErrorCode.NONE;
    } catch (e) {
      if (e instanceof StorageError) return e.errorCode;
      this.host.logger.error(`error while changing the log directory of ${key}: ${(e as Error).stack ?? e}`);
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  /** Stops moving a partition and removes its future log. */
  cancel(topic: string, partition: number): void {
    this.moves.delete(partitionKey(topic, partition));
    this.host.logs.futures.remove(topic, partition);
  }

  /** Stops the copy (broker shutdown); the future logs stay for the next start. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private track(future: PartitionLog): void {
    const epochs = LeaderEpochCache.open(future.dir, this.host.logs.fs);
    epochs.truncateFromEnd(future.logEndOffset);
    this.moves.set(partitionKey(future.topic, future.partition), new Move(future.topic, future.partition, future, epochs));
  }

  private schedule(idle = false): void {
    if (this.stopped || this.moves.size === 0 || this.timer !== null || this.immediate !== null) return;
    // Over the throttle, or a step that found nothing to copy: wait a little rather than spin.
    if (idle || this.quota.isQuotaExceeded(this.host.now())) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.runSome();
      }, 100);
      this.timer.unref();
    } else {
      this.immediate = setImmediate(() => {
        this.immediate = null;
        this.runSome();
      });
    }
  }

  private runSome(): void {
    const before = this.completed;
    const copied = this.step();
    this.schedule(copied === 0 && this.completed === before);
  }

  /**
   * Copies one chunk of one partition (round robin) unless the throttle is over its bound, and
   * swaps every move that has caught up. Returns the bytes copied. Called by the loop; tests
   * call it directly.
   */
  step(): number {
    this.quota.updateQuota(this.host.rate());
    if (this.moves.size === 0 || this.quota.isQuotaExceeded(this.host.now())) return 0;
    const all = [...this.moves.values()];
    const move = all[this.next++ % all.length]!;
    try {
      return this.copy(move);
    } catch (e) {
      // A failed disk: the move stops here; its future log stays and the next start resumes it.
      this.moves.delete(partitionKey(move.topic, move.partition));
      this.host.logger.error(`the move of ${move.topic}-${move.partition} to ${move.future.dir} failed: ${(e as Error).message}`);
      return 0;
    }
  }

  private copy(move: Move): number {
    const logs = this.host.logs;
    const key = partitionKey(move.topic, move.partition);
    const current = logs.getLog(move.topic, move.partition);
    if (current === undefined || logs.futures.get(move.topic, move.partition) !== move.future || move.future.isClosed) {
      this.moves.delete(key); // deleted, or cancelled
      return 0;
    }
    const future = move.future;
    this.reconcile(move, current);
    let bytes = 0;
    if (future.logEndOffset < current.logEndOffset) {
      const records = current.read(future.logEndOffset, this.chunkBytes, { isolation: 'logEnd' }).records;
      if (records.length > 0) {
        future.append(records, { assignOffsets: false });
        this.noteEpochs(move, records);
        bytes = records.length;
        this.quota.record(bytes, this.host.now());
        this.copiedBytes += bytes;
      }
    }
    future.updateHighWatermark(current.highWatermark);
    if (future.logEndOffset === current.logEndOffset) this.swap(move, current);
    return bytes;
  }

  /** Follows the current log's truncations and log start offset (ReplicaAlterLogDirsThread.truncate). */
  private reconcile(move: Move, current: PartitionLog): void {
    const future = move.future;
    if (move.seenTruncations !== current.truncations) {
      move.seenTruncations = current.truncations;
      const epoch = move.epochs.latestEpoch;
      let cut = current.logEndOffset;
      if (epoch !== UNDEFINED_EPOCH) {
        const end = this.host.endOffsetForEpoch(current, epoch);
        cut = end < 0 ? current.logStartOffset : Math.min(end, cut);
      }
      if (future.logEndOffset > cut) {
        future.truncateTo(cut);
        move.epochs.truncateFromEnd(cut);
      }
    }
    if (future.logEndOffset > current.logEndOffset) {
      future.truncateTo(current.logEndOffset);
      move.epochs.truncateFromEnd(current.logEndOffset);
    }
    if (current.logStartOffset > future.logEndOffset) {
      future.truncateFullyAndStartAt(current.logStartOffset);
      move.epochs.clear();
    } else if (current.logStartOffset > future.logStartOffset) {
      future.maybeIncrementLogStartOffset(current.logStartOffset, 'leader offset increment');
      move.epochs.truncateFromStart(current.logStartOffset);
    }
  }

  /** Each new epoch in the copied batches joins the future log's history. */
  private noteEpochs(move: Move, records: Buffer): void {
    for (let at = 0; at + LOG_OVERHEAD <= records.length; ) {
      const e = records.readInt32BE(at + PARTITION_LEADER_EPOCH_OFFSET);
      if (e > move.epochs.latestEpoch) move.epochs.assign(e, readInt64Number(records, at));
      at += LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
    }
  }

  /** Partition.maybeReplaceCurrentWithFutureReplica: the logs are equal now, so the future log takes the current one's history and place. */
  private swap(move: Move, current: PartitionLog): void {
    const future = move.future;
    if (current.logStartOffset > future.logStartOffset) future.maybeIncrementLogStartOffset(current.logStartOffset, 'leader offset increment');
    move.epochs.clear();
    for (const e of this.host.epochEntries(current)) if (e.startOffset <= future.logEndOffset) move.epochs.assign(e.epoch, e.startOffset);
    const log = this.host.logs.futures.replaceCurrentWithFutureLog(move.topic, move.partition);
    this.moves.delete(partitionKey(move.topic, move.partition));
    this.completed++;
    this.host.replaced(current, log);
  }
}

/** A rate config's value in bytes per second; unset or Long.MAX_VALUE: unbounded. */
export function alterLogDirsRate(node: Readonly<Record<string, string>>, cluster: Readonly<Record<string, string>>): number {
  const value = node[ALTER_LOG_DIRS_RATE] ?? cluster[ALTER_LOG_DIRS_RATE];
  if (value === undefined) return UNBOUNDED_RATE;
  const n = Number(value.trim());
  return Number.isFinite(n) && n < UNBOUNDED_RATE ? n : UNBOUNDED_RATE;
}

/** The mover of a broker: its partitions' epoch histories, its dynamic configs, its parked fetches. */
export function brokerLogDirMover(broker: BrokerContext): LogDirMover {
  const partitionOfLog = (log: PartitionLog) => broker.partitions.get(broker.metadata.topic(log.topic), log.partition);
  const host: LogDirMoverHost = {
    logs: broker.logs,
    now: () => Date.now(),
    rate: () => alterLogDirsRate(broker.metadata.brokerConfigs?.(String(broker.nodeId)) ?? {}, broker.metadata.brokerConfigs?.('') ?? {}),
    partitionExists: (topic, partition) => partitionOf(broker.metadata.topic(topic), partition) !== undefined,
    epochEntries: (current) => partitionOfLog(current)?.epochCache(current).epochEntries() ?? [],
    endOffsetForEpoch: (current, epoch) => {
      const p = partitionOfLog(current);
      return p === undefined ? -1 : p.endOffsetForEpoch(current, epoch).endOffset;
    },
    replaced: (old) => broker.fetch.purgatory.checkLog(old),
    logger: broker.logger.child({ component: 'log-dir-mover' }),
  };
  return new LogDirMover(host, {
    chunkBytes: broker.config.int('replica.fetch.max.bytes'),
    windowSeconds: broker.config.int('alter.log.dirs.replication.quota.window.size.seconds'),
    windows: broker.config.int('alter.log.dirs.replication.quota.window.num'),
  });
}
