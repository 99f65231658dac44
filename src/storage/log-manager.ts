/**
 * Every partition log under `log.dirs` (Kafka's LogManager): opens them at start-up (after a
 * clean shutdown without scanning any segment), creates and deletes partitions, keeps the
 * checkpoint files, runs retention, time-based flushes and compaction on one coarse timer,
 * and owns the bounded pool of file descriptors shared by all segments.
 *
 * Start-up per log directory: the clean-shutdown marker is read and removed, the checkpoint
 * files read (a malformed one is logged and treated as empty, which only costs a longer
 * recovery), and each `<topic>-<partition>` directory opened. A partition that cannot be
 * opened is logged and left offline; the others serve.
 *
 * Future logs (KIP-113): a partition moving to another log directory has, besides its current
 * log, a future log `<topic>-<partition>.<id>-future` in the destination, filled by the broker's
 * mover (src/broker/log-dir-mover.ts) and swapped in by replaceCurrentWithFutureLog once caught
 * up. Found at start-up, a future log is resumed when its current log is there, and promoted
 * when it is not (the broker stopped between the swap's two renames).
 */
import path from 'node:path';
import { systemClock, type Clock } from './clock.js';
import {
  CheckpointFormatError,
  LOG_START_OFFSET_CHECKPOINT,
  OffsetCheckpointFile,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  consumeCleanShutdownFile,
  parsePartitionDirName,
  partitionKey,
  writeCleanShutdownFile,
} from './checkpoint.js';
import { DEFAULT_LOG_CONFIG, DEFAULT_LOG_MANAGER_CONFIG, resolveLogConfig, type LogConfig, type LogManagerConfig } from './config.js';
import { DeferredDeleter } from './deferred-deleter.js';
import { StorageError } from './errors.js';
import { FdCache } from './fd-cache.js';
import { NodeFs, type StorageFs } from './fs/storage-fs.js';
import { consoleLogger, type StorageLogger } from './logger.js';
import { PartitionLog } from './partition-log.js';
import type { LogSegment } from './log-segment.js';
import { LogCleaner } from './cleaner/log-cleaner.js';
import { FutureLogs, parseFutureDirName, uniqueDirId } from './future-logs.js';

export interface LogManagerOptions {
  config: Partial<LogManagerConfig> & Pick<LogManagerConfig, 'log.dirs'>;
  /** Topic config defaults (from the broker's `log.*` settings); Kafka's defaults otherwise. */
  defaultLogConfig?: LogConfig;
  /** Per-topic overrides known at start-up (topic -> Kafka topic config names). */
  topicOverrides?: ReadonlyMap<string, Record<string, string | number | boolean>>;
  fs?: StorageFs;
  clock?: Clock;
  logger?: StorageLogger;
}

export interface DirState {
  dir: string;
  hadCleanShutdown: boolean;
  recoveryPoints: OffsetCheckpointFile;
  logStartOffsets: OffsetCheckpointFile;
  highWatermarks: OffsetCheckpointFile;
}

/** Periodic work that the broker's start-up enables with `startup()`. */
interface Task {
  name: string;
  intervalMs: number;
  nextAt: number;
  run: () => unknown;
  running: boolean;
}

export class LogManager {
  readonly config: LogManagerConfig;
  readonly fs: StorageFs;
  readonly fds: FdCache;
  readonly clock: Clock;
  readonly logger: StorageLogger;
  readonly deleter: DeferredDeleter;
  private defaultLogConfig: LogConfig;
  private readonly topicOverrides = new Map<string, Record<string, string | number | boolean>>();
  private readonly logs = new Map<string, PartitionLog>();
  private readonly logDirOf = new Map<string, DirState>();
  private readonly dirs: DirState[] = [];
  /** Partitions that failed to open, with the reason. */
  readonly offlinePartitions = new Map<string, string>();
  private tasks: Task[] = [];
  private timer: NodeJS.Timeout | null = null;
  private shuttingDown = false;
  /** Compaction of `cleanup.policy=compact` logs; null with `log.cleaner.enable=false`. */
  readonly cleaner: LogCleaner | null;
  /** Logs being moved between log directories (KIP-113). */
  readonly futures: FutureLogs;
  /** Absolute paths of the cordoned log directories (KIP-1066): no new partition goes there. */
  private cordoned: ReadonlySet<string> = new Set();

  private constructor(opts: LogManagerOptions) {
    this.config = { ...DEFAULT_LOG_MANAGER_CONFIG, ...opts.config };
    this.fs = opts.fs ?? new NodeFs();
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? consoleLogger();
    this.fds = new FdCache(this.fs, this.config['millrace.log.max.open.files']);
    this.deleter = new DeferredDeleter(this.logger);
    this.defaultLogConfig = opts.defaultLogConfig ?? { ...DEFAULT_LOG_CONFIG };
    for (const [t, o] of opts.topicOverrides ?? []) this.topicOverrides.set(t, { ...o });
    this.cleaner = this.config['log.cleaner.enable']
      ? new LogCleaner({
          fs: this.fs,
          clock: this.clock,
          logger: this.logger,
          dedupeBufferSize: this.config['log.cleaner.dedupe.buffer.size'],
          // Kafka pauses the cleaning of a partition while it moves between log directories.
          logs: () => this.cleanableLogs(),
        })
      : null;
    this.futures = new FutureLogs({
      dirs: this.dirs,
      logs: this.logs,
      logDirOf: this.logDirOf,
      isShuttingDown: () => this.shuttingDown,
      open: (dir, tp, hadCleanShutdown) => this.openLog(dir, tp, hadCleanShutdown),
      logger: this.logger,
      cleaner: this.cleaner,
    });
  }

  private openLog(dir: string, tp: { topic: string; partition: number }, hadCleanShutdown: boolean, checkpoints?: { recoveryPoint: number; logStartOffset: number; highWatermark: number | undefined }): PartitionLog {
    return PartitionLog.open({
      dir,
      topicPartition: tp,
      config: this.logConfigFor(tp.topic),
      fs: this.fs,
      fds: this.fds,
      clock: this.clock,
      logger: this.logger,
      deleter: this.deleter,
      hadCleanShutdown,
      ...checkpoints,
    });
  }

  /** Opens every partition log in every log directory. */
  static open(opts: LogManagerOptions): LogManager {
    const m = new LogManager(opts);
    m.loadLogs();
    return m;
  }

  private loadLogs(): void {
    const started = Date.now();
    for (const dir of this.config['log.dirs']) {
      const fs = this.fs;
      if (fs.statSync(dir) === null) {
        fs.mkdirSync(dir);
        fs.fsyncDirSync(path.dirname(dir));
      }
      const hadCleanShutdown = consumeCleanShutdownFile(fs, dir);
      const state: DirState = {
        dir,
        hadCleanShutdown,
        recoveryPoints: new OffsetCheckpointFile(fs, dir, RECOVERY_POINT_CHECKPOINT),
        logStartOffsets: new OffsetCheckpointFile(fs, dir, LOG_START_OFFSET_CHECKPOINT),
        highWatermarks: new OffsetCheckpointFile(fs, dir, REPLICATION_OFFSET_CHECKPOINT),
      };
      this.dirs.push(state);
      const recoveryPoints = this.readCheckpoint(state.recoveryPoints, 'resetting the recovery checkpoint to 0');
      const logStarts = this.readCheckpoint(state.logStartOffsets, 'resetting to the base offset of the first segment');
      const hws = this.readCheckpoint(state.highWatermarks, 'resetting high watermarks to the log start offset');
      const names = fs.subdirectoriesSync(dir);
      // A new or empty directory has nothing to recover: a clean start, not a crash.
      if (names.length === 0) this.logger.info(`no logs in ${dir}: starting empty`);
      else this.logger.info(`${hadCleanShutdown ? 'skipping recovery of' : 'recovering'} ${names.length} entries in ${dir} (${hadCleanShutdown ? 'clean shutdown marker found' : 'no clean shutdown marker'})`);
      for (const name of names) {
        const full = path.join(dir, name);
        if (name.endsWith('-delete')) {
          this.logger.info(`removing ${full}, a partition deleted before shutdown`);
          fs.rmSync(full);
          continue;
        }
        const future = parseFutureDirName(name);
        const tp = future ?? parsePartitionDirName(name);
        // Not partition logs: KRaft's metadata log, and logs orphaned (-stray).
        if (tp === null || tp.topic === '__cluster_metadata' || name.endsWith('-stray') || (future === null && name.endsWith('-future'))) continue;
        const key = partitionKey(tp.topic, tp.partition);
        const into = future !== null ? this.futures.logs : this.logs;
        if (into.has(key)) {
          this.logger.error(`duplicate ${future !== null ? 'future ' : ''}log directories for ${key}: ${full} and ${into.get(key)!.dir}; ignoring ${full}`);
          continue;
        }
        try {
          const log = this.openLog(full, tp, hadCleanShutdown, {
            recoveryPoint: recoveryPoints.get(key) ?? 0,
            logStartOffset: logStarts.get(key) ?? 0,
            highWatermark: hws.get(key),
          });
          into.set(key, log);
          (future !== null ? this.futures.dirOf : this.logDirOf).set(key, state);
        } catch (e) {
          this.offlinePartitions.set(key, (e as Error).message);
          this.logger.error(`failed to load the log of ${key} in ${full}: ${(e as Error).stack ?? e}; the partition stays offline`);
        }
      }
    }
    this.futures.recoverAbandoned(this.offlinePartitions);
    this.logger.info(`loaded ${this.logs.size} logs (${this.futures.logs.size} being moved) in ${Date.now() - started} ms`);
  }

  private readCheckpoint(file: OffsetCheckpointFile, consequence: string): Map<string, number> {
    try {
      return file.read();
    } catch (e) {
      const why = e instanceof CheckpointFormatError ? e.message : `${(e as Error).message}`;
      this.logger.warn(`error reading ${file.file}: ${why}; ${consequence}`);
      return new Map();
    }
  }

  // ---- configs -------------------------------------------------------------------------

  logConfigFor(topic: string): LogConfig {
    const o = this.topicOverrides.get(topic);
    return o ? resolveLogConfig(o, this.defaultLogConfig) : { ...this.defaultLogConfig };
  }

  /** Replaces a topic's overrides (AlterConfigs) and applies them to its open logs. */
  setTopicConfig(topic: string, overrides: Record<string, string | number | boolean>): LogConfig {
    const config = resolveLogConfig(overrides, this.defaultLogConfig);
    this.topicOverrides.set(topic, { ...overrides });
    for (const log of this.logs.values()) if (log.topic === topic) log.updateConfig(config);
    for (const log of this.futures.logs.values()) if (log.topic === topic) log.updateConfig(config);
    return config;
  }

  /** Replaces the broker-level defaults (dynamic broker configs). */
  setDefaultLogConfig(config: LogConfig): void {
    this.defaultLogConfig = config;
    for (const log of this.logs.values()) log.updateConfig(this.logConfigFor(log.topic));
    for (const log of this.futures.logs.values()) log.updateConfig(this.logConfigFor(log.topic));
  }

  // ---- logs ----------------------------------------------------------------------------

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionKey(topic, partition));
  }

  allLogs(): IterableIterator<PartitionLog> {
    return this.logs.values();
  }

  private *cleanableLogs(): IterableIterator<PartitionLog> {
    for (const [key, log] of this.logs) if (!this.futures.logs.has(key)) yield log;
  }

  get logCount(): number {
    return this.logs.size;
  }

  /**
   * The log of a partition, created (in the log directory holding the fewest partitions)
   * when missing. `overrides` become the topic's config when given.
   */
  getOrCreateLog(topic: string, partition: number, overrides?: Record<string, string | number | boolean>): PartitionLog {
    if (this.shuttingDown) throw new StorageError('KAFKA_STORAGE_ERROR', 'the log manager is shutting down');
    if (!/^[a-zA-Z0-9._-]+$/.test(topic) || topic === '.' || topic === '..' || topic.length > 249) {
      throw new StorageError('INVALID_REQUEST', `invalid topic name ${JSON.stringify(topic)}`);
    }
    if (!Number.isInteger(partition) || partition < 0) throw new StorageError('INVALID_REQUEST', `invalid partition ${partition}`);
    const key = partitionKey(topic, partition);
    const existing = this.logs.get(key);
    if (existing) return existing;
    if (overrides) this.setTopicConfig(topic, overrides);
    const state = this.futures.takePreferredDir(key) ?? this.nextLogDir();
    const log = this.openLog(path.join(state.dir, key), { topic, partition }, true);
    this.logs.set(key, log);
    this.logDirOf.set(key, state);
    this.offlinePartitions.delete(key);
    return log;
  }

  /**
   * LogManager.nextLogDirs: the directory holding the fewest partitions, cordoned ones left
   * out; with a single directory, or every one cordoned, the first.
   */
  private nextLogDir(): DirState {
    if (this.dirs.length === 1) return this.dirs[0]!;
    const counts = new Map<DirState, number>();
    for (const d of this.dirs) if (!this.cordoned.has(path.resolve(d.dir))) counts.set(d, 0);
    if (counts.size === 0) return this.dirs[0]!;
    for (const d of this.logDirOf.values()) {
      const n = counts.get(d);
      if (n !== undefined) counts.set(d, n + 1);
    }
    let best: DirState | undefined;
    let fewest = Infinity;
    for (const [d, n] of counts) {
      if (n < fewest) {
        best = d;
        fewest = n;
      }
    }
    return best!;
  }

  /** Sets the cordoned log directories (`cordoned.log.dirs`, `*` expanded), as given or absolute. */
  setCordonedLogDirs(dirs: readonly string[]): void {
    this.cordoned = new Set(dirs.map((d) => path.resolve(d)));
  }

  /** Whether a log directory (an absolute path) is cordoned. */
  isCordoned(dir: string): boolean {
    return this.cordoned.has(dir);
  }

  /** The cordoned log directories, absolute. */
  cordonedLogDirs(): string[] {
    return [...this.cordoned];
  }

  /**
   * Truncates a partition (replication) and writes the recovery-point and log-start-offset
   * checkpoints at once: a truncation can move both backwards, and a stale checkpoint above
   * the new log end would make the next start-up discard the log.
   */
  async truncateTo(topic: string, partition: number, offset: number): Promise<boolean> {
    const log = this.logs.get(partitionKey(topic, partition));
    if (!log) throw new StorageError('INVALID_REQUEST', `no log for ${partitionKey(topic, partition)}`);
    const truncated = log.truncateTo(offset);
    if (truncated) {
      await this.checkpointRecoveryOffsets();
      await this.checkpointLogStartOffsets();
    }
    return truncated;
  }

  /** Deletes a partition: its directory is renamed `<topic>-<partition>.<id>-delete` and removed. */
  deleteLog(topic: string, partition: number): boolean {
    return this.dropLog(topic, partition, '-delete');
  }

  /**
   * Sets a stray log aside (Kafka's handleStrayReplica): a log found at start-up for a
   * partition the metadata does not place on this broker is closed and its directory renamed
   * `<topic>-<partition>.<id>-stray`, kept for an operator to look at, never loaded again.
   */
  markStray(topic: string, partition: number): boolean {
    return this.dropLog(topic, partition, '-stray');
  }

  private dropLog(topic: string, partition: number, suffix: '-delete' | '-stray'): boolean {
    const key = partitionKey(topic, partition);
    this.futures.forget(topic, partition);
    const log = this.logs.get(key);
    if (!log) return false;
    this.logs.delete(key);
    const state = this.logDirOf.get(key)!;
    this.logDirOf.delete(key);
    log.closeWithoutFlush();
    this.cleaner?.forget(log);
    const renamed = path.join(state.dir, `${key}.${uniqueDirId()}${suffix}`);
    try {
      this.fs.renameSync(log.dir, renamed);
      this.fs.fsyncDirSync(state.dir);
      if (suffix === '-delete') this.fs.rmSync(renamed);
    } catch (e) {
      this.logger.error(`failed to ${suffix === '-delete' ? 'delete' : 'set aside'} the log directory of ${key}: ${(e as Error).message}`);
    }
    return true;
  }

  // ---- periodic work -------------------------------------------------------------------

  /** Starts the periodic tasks on one coarse, unref'd timer. */
  startup(): void {
    if (this.timer) return;
    const now = this.clock.now();
    const delay = this.config['log.initial.task.delay.ms'];
    const task = (name: string, intervalMs: number, run: () => unknown, initialDelay = delay): Task => ({ name, intervalMs, nextAt: now + initialDelay, run, running: false });
    this.tasks = [
      task('log-retention', this.config['log.retention.check.interval.ms'], () => this.cleanupLogs()),
      task('log-flusher', this.config['log.flush.scheduler.interval.ms'], () => this.flushDirtyLogs()),
      task('recovery-point-checkpoint', this.config['log.flush.offset.checkpoint.interval.ms'], () => this.checkpointRecoveryOffsets()),
      task('log-start-offset-checkpoint', this.config['log.flush.start.offset.checkpoint.interval.ms'], () => this.checkpointLogStartOffsets()),
      task('high-watermark-checkpoint', this.config['replica.high.watermark.checkpoint.interval.ms'], () => this.checkpointHighWatermarks()),
      task('delete-files', 1000, () => this.deleter.runDue(this.clock.now()), 0),
      task('index-memory', 10_000, () => this.boundIndexMemory(), 0),
      task('log-cleaner', this.config['log.cleaner.backoff.ms'], () => this.cleaner?.tick(this.clock.now()), 0),
    ];
    const period = Math.max(10, Math.min(1000, ...this.tasks.map((t) => t.intervalMs)));
    this.timer = setInterval(() => this.tick(), period);
    this.timer.unref();
  }

  /** Runs the periodic tasks that are due (called by the timer; tests call it directly). */
  tick(now = this.clock.now()): void {
    for (const t of this.tasks) {
      if (t.running || now < t.nextAt) continue;
      t.nextAt = now + t.intervalMs;
      t.running = true;
      let r: unknown;
      try {
        r = t.run();
      } catch (e) {
        this.logger.error(`task ${t.name} failed: ${(e as Error).message}`);
      }
      if (r instanceof Promise) {
        r.catch((e: unknown) => this.logger.error(`task ${t.name} failed: ${(e as Error).message}`)).finally(() => (t.running = false));
      } else t.running = false;
    }
  }

  /** Retention for every log (`log.retention.check.interval.ms`); returns segments deleted. */
  cleanupLogs(now = this.clock.now()): number {
    let n = 0;
    for (const log of this.logs.values()) {
      try {
        n += log.deleteOldSegments(now);
      } catch (e) {
        this.logger.error(`retention failed for ${log.topic}-${log.partition}: ${(e as Error).message}`);
      }
    }
    this.deleter.runDue(now);
    return n;
  }

  /**
   * Keeps the in-memory indexes of inactive segments within `millrace.log.index.cache.bytes`
   * (Kafka memory-maps them and lets the page cache decide): the least recently used are
   * dropped and reread on demand. Active segments keep theirs. Returns the bytes freed.
   */
  boundIndexMemory(budget = this.config['millrace.log.index.cache.bytes']): number {
    const inactive: LogSegment[] = [];
    let total = 0;
    for (const log of this.logs.values()) {
      const segs = log.segments.values();
      for (let i = 0; i < segs.length - 1; i++) {
        const s = segs[i]!;
        const b = s.indexMemoryBytes;
        if (b > 0) {
          total += b;
          inactive.push(s);
        }
      }
    }
    if (total <= budget) return 0;
    inactive.sort((a, b) => a.indexUse - b.indexUse);
    let freed = 0;
    for (const s of inactive) {
      if (total - freed <= budget) break;
      freed += s.unloadIndexes();
    }
    return freed;
  }

  /** Flushes logs whose `flush.ms` has passed (`log.flush.scheduler.interval.ms`). */
  async flushDirtyLogs(now = this.clock.now()): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const log of this.logs.values()) {
      const p = log.maybeFlushByTime(now);
      if (p) waits.push(p.catch((e: unknown) => this.logger.error(`flush failed for ${log.topic}-${log.partition}: ${(e as Error).message}`)));
    }
    await Promise.all(waits);
  }

  private entriesFor(state: DirState, pick: (log: PartitionLog) => number | null): Map<string, number> {
    const m = new Map<string, number>();
    // A partition's current and future logs are never in the same directory, so keys do not collide.
    for (const [logs, dirOf] of [[this.logs, this.logDirOf], [this.futures.logs, this.futures.dirOf]] as const) {
      for (const [key, log] of logs) {
        if (dirOf.get(key) !== state || log.isOffline) continue;
        const v = pick(log);
        if (v !== null) m.set(key, v);
      }
    }
    return m;
  }

  /** Writes `recovery-point-offset-checkpoint` in every log directory. */
  async checkpointRecoveryOffsets(): Promise<void> {
    await Promise.all(this.dirs.map((d) => d.recoveryPoints.write(this.entriesFor(d, (l) => l.recoveryPoint))));
  }

  /** Writes `log-start-offset-checkpoint` (only logs whose start moved past their first segment, as Kafka). */
  async checkpointLogStartOffsets(): Promise<void> {
    await Promise.all(
      this.dirs.map((d) => d.logStartOffsets.write(this.entriesFor(d, (l) => (l.logStartOffset > l.segments.first!.baseOffset ? l.logStartOffset : null)))),
    );
  }

  /** Writes `replication-offset-checkpoint` (high watermarks). */
  async checkpointHighWatermarks(): Promise<void> {
    await Promise.all(this.dirs.map((d) => d.highWatermarks.write(this.entriesFor(d, (l) => l.highWatermark))));
  }

  // ---- shutdown ------------------------------------------------------------------------

  /**
   * Clean shutdown: flushes and closes every log, writes the checkpoints, then Kafka's
   * clean-shutdown marker in each log directory whose logs all closed cleanly, so the next
   * start-up skips recovery.
   */
  /** `brokerEpoch` goes into the clean-shutdown markers (the next registration's previous broker epoch). */
  async shutdown(brokerEpoch = -1): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.cleaner?.shutdown();
    const all = [...this.logs.values(), ...this.futures.logs.values()];
    const width = 16;
    let next = 0;
    const worker = async () => {
      while (next < all.length) {
        const log = all[next++]!;
        await log.close();
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, all.length) }, worker));
    const offline = new Set<DirState>();
    for (const [key, log] of this.logs) if (log.isOffline) offline.add(this.logDirOf.get(key)!);
    for (const [key, log] of this.futures.logs) if (log.isOffline) offline.add(this.futures.dirOf.get(key)!);
    try {
      await this.checkpointRecoveryOffsets();
      await this.checkpointLogStartOffsets();
      await this.checkpointHighWatermarks();
      for (const d of this.dirs) {
        if (!offline.has(d)) writeCleanShutdownFile(this.fs, d.dir, brokerEpoch);
      }
    } catch (e) {
      this.logger.error(`error writing checkpoints at shutdown: ${(e as Error).message}; the next start-up will recover`);
    }
    this.deleter.runAll();
    this.fds.closeAll();
  }

  /** Stops timers and drops descriptors without flushing (tests simulating a crash). */
  abandon(): void {
    this.shuttingDown = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const log of this.logs.values()) log.closeWithoutFlush();
    for (const log of this.futures.logs.values()) log.closeWithoutFlush();
    this.fds.closeAll();
  }
}
