/**
 * Future logs (KIP-113, Kafka's LogManager.futureLogs): a partition moving to another of the
 * broker's log directories has, besides its current log, a future log
 * `<topic>-<partition>.<id>-future` in the destination. The broker's mover
 * (src/broker/log-dir-mover.ts) copies the current log into it while the partition keeps taking
 * writes, and calls replaceCurrentWithFutureLog once it has caught up: one synchronous step, so
 * no append falls between the check and the swap (the broker's event loop is the partition's lock).
 *
 * The swap renames the current log's directory `-delete` first, then gives the future log the
 * partition's name: a broker stopped in between finds at start-up a future log with no current
 * one, and promotes it (recoverAbandoned, Kafka's recoverAbandonedFutureLogs). A future log
 * found next to its current log is resumed by the mover.
 *
 * The LogManager owns the maps of current logs; this class owns the future ones and the log
 * directories asked for partitions that have no log here yet (Kafka's preferredLogDirs).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parsePartitionDirName, partitionKey } from './checkpoint.js';
import type { LogCleaner } from './cleaner/log-cleaner.js';
import { StorageError } from './errors.js';
import type { DirState } from './log-manager.js';
import type { StorageLogger } from './logger.js';
import type { PartitionLog } from './partition-log.js';

export interface FutureLogsHost {
  /** The log directories, in `log.dirs` order. */
  readonly dirs: readonly DirState[];
  /** The current logs and their directories, by `<topic>-<partition>` (the LogManager's maps). */
  readonly logs: Map<string, PartitionLog>;
  readonly logDirOf: Map<string, DirState>;
  isShuttingDown(): boolean;
  /** Opens (creating) a partition log in `dir`. */
  open(dir: string, tp: { topic: string; partition: number }, hadCleanShutdown: boolean): PartitionLog;
  readonly logger: StorageLogger;
  readonly cleaner: LogCleaner | null;
}

export class FutureLogs {
  /** The future logs and their directories, by `<topic>-<partition>`. */
  readonly logs = new Map<string, PartitionLog>();
  readonly dirOf = new Map<string, DirState>();
  private readonly preferredDirs = new Map<string, DirState>();
  private readonly host: FutureLogsHost;

  constructor(host: FutureLogsHost) {
    this.host = host;
  }

  /**
   * The configured log directory that `dir` names, exactly as DescribeLogDirs reports it
   * (absolute); LOG_DIR_NOT_FOUND when it is not one of `log.dirs` (Kafka's isLogDirOnline).
   */
  logDirState(dir: string): DirState {
    const state = this.host.dirs.find((d) => path.resolve(d.dir) === dir);
    if (state === undefined) throw new StorageError('LOG_DIR_NOT_FOUND', `Log dir ${dir} is not found in the config.`);
    return state;
  }

  /** The absolute log directory of the partition's current log; undefined when it has none. */
  currentDir(topic: string, partition: number): string | undefined {
    const state = this.host.logDirOf.get(partitionKey(topic, partition));
    return state && path.resolve(state.dir);
  }

  /** The absolute log directory of the partition's future log; undefined when it has none. */
  futureDir(topic: string, partition: number): string | undefined {
    const state = this.dirOf.get(partitionKey(topic, partition));
    return state && path.resolve(state.dir);
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionKey(topic, partition));
  }

  /**
   * Kafka's maybeUpdatePreferredLogDir: remembers `dir` for the partition's log when it is
   * created later, unless its current or future log is there already. Throws LOG_DIR_NOT_FOUND.
   */
  maybeUpdatePreferredLogDir(topic: string, partition: number, dir: string): void {
    const key = partitionKey(topic, partition);
    const state = this.logDirState(dir);
    if (this.host.logDirOf.get(key) !== state && this.dirOf.get(key) !== state) this.preferredDirs.set(key, state);
  }

  /** The directory asked for a partition about to get its first log here, forgotten once taken. */
  takePreferredDir(key: string): DirState | undefined {
    const state = this.preferredDirs.get(key);
    this.preferredDirs.delete(key);
    return state;
  }

  /**
   * The future log of a partition in log directory `dir` (Partition.maybeCreateFutureReplica),
   * made empty when there is none; null when the current log is already there.
   * REPLICA_NOT_AVAILABLE without a current log; KAFKA_STORAGE_ERROR when the future log is in
   * another directory (the caller removes it first).
   */
  getOrCreate(topic: string, partition: number, dir: string): PartitionLog | null {
    if (this.host.isShuttingDown()) throw new StorageError('KAFKA_STORAGE_ERROR', 'the log manager is shutting down');
    const key = partitionKey(topic, partition);
    const state = this.logDirState(dir);
    const current = this.host.logs.get(key);
    if (current === undefined) throw new StorageError('REPLICA_NOT_AVAILABLE', `no local replica of ${key}`);
    if (current.isOffline) throw new StorageError('KAFKA_STORAGE_ERROR', `the log of ${key} is offline`);
    if (this.host.logDirOf.get(key) === state) return null;
    const existing = this.logs.get(key);
    if (existing !== undefined) {
      if (this.dirOf.get(key) !== state) throw new StorageError('KAFKA_STORAGE_ERROR', `the future log of ${key} is in ${existing.dir}, not ${dir}`);
      return existing;
    }
    const log = this.host.open(path.join(state.dir, `${key}.${uniqueDirId()}-future`), { topic, partition }, true);
    this.logs.set(key, log);
    this.dirOf.set(key, state);
    this.host.logger.info(`created the future log ${log.dir} of ${key}, to move it from ${current.dir}`);
    return log;
  }

  /** Drops a partition's future log and its directory (a cancelled or redirected move). */
  remove(topic: string, partition: number): boolean {
    const key = partitionKey(topic, partition);
    const log = this.logs.get(key);
    if (log === undefined) return false;
    this.logs.delete(key);
    this.dirOf.delete(key);
    log.closeWithoutFlush();
    try {
      log.delete();
    } catch (e) {
      this.host.logger.error(`failed to delete the future log ${log.dir}: ${(e as Error).message}`);
    }
    this.host.logger.info(`removed the future log ${log.dir} of ${key}`);
    return true;
  }

  /** The partition's log is going (deleted, or set aside as stray): its future log and preferred directory go too. */
  forget(topic: string, partition: number): void {
    this.remove(topic, partition);
    this.preferredDirs.delete(partitionKey(topic, partition));
  }

  /**
   * Makes the future log the partition's current log (Kafka's replaceCurrentWithFutureLog):
   * the caller has checked that the future log has caught up. The current log's directory is
   * renamed `-delete` first, then the future log's takes the partition's name; the replaced
   * log is closed and removed. Throws KAFKA_STORAGE_ERROR (a failed rename): the future log
   * stays a future log then.
   */
  replaceCurrentWithFutureLog(topic: string, partition: number): PartitionLog {
    const key = partitionKey(topic, partition);
    const future = this.logs.get(key);
    if (future === undefined) throw new StorageError('KAFKA_STORAGE_ERROR', `The future replica for ${key} is offline`);
    const source = this.host.logs.get(key);
    const sourceDir = this.host.logDirOf.get(key);
    const dest = this.dirOf.get(key)!;
    try {
      if (source !== undefined) {
        future.updateHighWatermark(source.highWatermark);
        source.renameDir(path.join(sourceDir!.dir, `${key}.${uniqueDirId()}-delete`));
      }
      future.renameDir(path.join(dest.dir, key));
    } catch (e) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `failed to replace the log of ${key} with its future log: ${(e as Error).message}`);
    }
    this.logs.delete(key);
    this.dirOf.delete(key);
    this.host.logs.set(key, future);
    this.host.logDirOf.set(key, dest);
    if (source !== undefined) {
      source.replacedBy = future;
      source.closeWithoutFlush();
      this.host.cleaner?.forget(source);
      try {
        source.delete();
      } catch (e) {
        this.host.logger.error(`failed to delete the replaced log ${source.dir}: ${(e as Error).message}`);
      }
    }
    this.host.logger.info(`the log of ${key} is now ${future.dir}`);
    return future;
  }

  /** Start-up: promotes every future log whose current log is gone (and did not fail to load). */
  recoverAbandoned(offline: ReadonlyMap<string, string>): void {
    for (const [key, future] of [...this.logs]) {
      if (this.host.logs.has(key) || offline.has(key)) continue;
      this.host.logger.warn(`promoting the future log ${future.dir} of ${key}, whose current log was replaced before shutdown`);
      try {
        this.replaceCurrentWithFutureLog(future.topic, future.partition);
      } catch (e) {
        this.host.logger.error((e as Error).message);
      }
    }
  }
}

/** Kafka's unique id in `-delete`, `-stray` and `-future` directory names: a UUID without dashes. */
export function uniqueDirId(): string {
  return randomUUID().replaceAll('-', '');
}

/** `<topic>-<partition>.<id>-future` (Kafka's LocalLog.parseTopicPartitionName for a future log); null otherwise. */
export function parseFutureDirName(name: string): { topic: string; partition: number } | null {
  const m = /^(.+)\.[0-9a-z]+-future$/.exec(name);
  return m === null ? null : parsePartitionDirName(m[1]!);
}
