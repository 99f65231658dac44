/**
 * Chooses and compacts logs with `cleanup.policy` compact or compact,delete (Kafka's
 * LogCleaner + LogCleanerManager): on each tick it picks the log with the highest dirty
 * ratio above `min.cleanable.dirty.ratio` (or any log whose dirty data is older than
 * `max.compaction.lag.ms`), never cleaning the active segment, data at or past the last
 * stable offset, or segments younger than `min.compaction.lag.ms`. One log at a time; progress is
 * kept in `cleaner-offset-checkpoint` of each log directory.
 *
 * A round works on inactive segments only and yields to the event loop between batches; if
 * the log is truncated, closed or loses a segment meanwhile, the round is dropped and its
 * files removed.
 */
import path from 'node:path';
import { CLEANER_OFFSET_CHECKPOINT, OffsetCheckpointFile, partitionKey } from '../checkpoint.js';
import type { Clock } from '../clock.js';
import { isCompactPolicy } from '../config.js';
import type { StorageFs } from '../fs/storage-fs.js';
import { LogSegment } from '../log-segment.js';
import { CLEANED_SUFFIX } from '../log-file-names.js';
import type { StorageLogger } from '../logger.js';
import type { PartitionLog } from '../partition-log.js';
import { Cleaner, type CleanerSegment, type CleanerStats, type LastRecord } from './cleaner.js';
import { OffsetMap } from './offset-map.js';

export interface LogToClean {
  log: PartitionLog;
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  cleanBytes: number;
  cleanableBytes: number;
  cleanableRatio: number;
  needCompactionNow: boolean;
}

export interface CleanSummary {
  topic: string;
  partition: number;
  firstDirtyOffset: number;
  endOffset: number;
  segmentsBefore: number;
  segmentsAfter: number;
  stats: CleanerStats;
}

class CleaningAborted extends Error {}

export interface LogCleanerOptions {
  fs: StorageFs;
  clock: Clock;
  logger: StorageLogger;
  /** `log.cleaner.dedupe.buffer.size`. */
  dedupeBufferSize: number;
  logs: () => Iterable<PartitionLog>;
}

export class LogCleaner {
  private readonly checkpoints = new Map<string, OffsetCheckpointFile>();
  /** topic-partition -> first dirty offset, per log directory. */
  private readonly lastClean = new Map<string, Map<string, number>>();
  private map: OffsetMap | null = null;
  private running: Promise<CleanSummary | null> | null = null;
  /** Rounds completed, for metrics and tests. */
  rounds = 0;
  private stopped = false;

  constructor(private readonly opts: LogCleanerOptions) {}

  private dirState(log: PartitionLog): { file: OffsetCheckpointFile; offsets: Map<string, number> } {
    const dir = path.dirname(log.dir);
    let file = this.checkpoints.get(dir);
    if (!file) {
      file = new OffsetCheckpointFile(this.opts.fs, dir, CLEANER_OFFSET_CHECKPOINT);
      this.checkpoints.set(dir, file);
      let offsets: Map<string, number>;
      try {
        offsets = file.read();
      } catch (e) {
        this.opts.logger.warn(`error reading ${file.file}: ${(e as Error).message}; cleaning restarts from the log start offsets`);
        offsets = new Map();
      }
      this.lastClean.set(dir, offsets);
    }
    return { file, offsets: this.lastClean.get(dir)! };
  }

  /** Kafka's cleanableOffsets + calculateCleanableBytes for one log. */
  assess(log: PartitionLog, now: number): LogToClean | null {
    if (log.isOffline || log.isClosed || !isCompactPolicy(log.config)) return null;
    const key = partitionKey(log.topic, log.partition);
    const { offsets } = this.dirState(log);
    if (log.lowestTruncation !== Number.POSITIVE_INFINITY) {
      // Kafka's maybeTruncateCheckpoint: data past a truncation point is new, hence dirty.
      const cp = offsets.get(key);
      if (cp !== undefined && cp > log.lowestTruncation) offsets.set(key, log.lowestTruncation);
      log.lowestTruncation = Number.POSITIVE_INFINITY;
    }
    let firstDirty = offsets.get(key) ?? log.logStartOffset;
    if (firstDirty < log.logStartOffset || firstDirty > log.logEndOffset) firstDirty = log.logStartOffset;
    const segs = log.segments.values();
    const active = log.activeSegment;
    // Kafka cleans decided data only: nothing at or past the last stable offset.
    let uncleanable = Math.min(log.lastStableOffset, active.baseOffset);
    const lag = Math.max(log.config['min.compaction.lag.ms'], 0);
    if (lag > 0) {
      for (const s of log.segments.range(firstDirty, active.baseOffset)) {
        if (s !== active && s.largestTimestamp() > now - lag) {
          uncleanable = Math.min(uncleanable, s.baseOffset);
          break;
        }
      }
    }
    uncleanable = Math.max(firstDirty, uncleanable);
    // Align to a segment boundary: the first non-active segment at or containing it, else the active one.
    const floor = log.segments.floor(uncleanable);
    const firstUncleanableOffset = floor !== undefined && floor !== active ? floor.baseOffset : active.baseOffset;
    let cleanBytes = 0;
    let cleanableBytes = 0;
    const from = Math.min(firstDirty, firstUncleanableOffset);
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      const next = segs[i + 1];
      const end = next ? next.baseOffset : log.logEndOffset + 1;
      if (s.baseOffset < firstDirty && end > log.logStartOffset) cleanBytes += s.size;
      if (end > from && s.baseOffset < firstUncleanableOffset) cleanableBytes += s.size;
    }
    // max.compaction.lag.ms: dirty non-active segments whose first batch is too old.
    let earliest = Number.MAX_SAFE_INTEGER;
    for (const s of log.segments.range(firstDirty, active.baseOffset)) {
      if (s === active) continue;
      const t = s.firstBatchTimestamp();
      if (t > 0 && t < earliest) earliest = t;
    }
    const cleanUntil = now - Math.max(log.config['max.compaction.lag.ms'], 0);
    const total = cleanBytes + cleanableBytes;
    if (total === 0) return null;
    return {
      log,
      firstDirtyOffset: firstDirty,
      firstUncleanableOffset,
      cleanBytes,
      cleanableBytes,
      cleanableRatio: cleanableBytes / total,
      needCompactionNow: earliest < cleanUntil,
    };
  }

  /** The log to clean next, if any (Kafka's grabFilthiestCompactedLog). */
  grabFilthiestLog(now: number): LogToClean | null {
    let best: LogToClean | null = null;
    for (const log of this.opts.logs()) {
      const c = this.assess(log, now);
      if (c === null) continue;
      const eligible = (c.needCompactionNow && c.cleanableBytes > 0) || c.cleanableRatio > log.config['min.cleanable.dirty.ratio'];
      if (eligible && (best === null || c.cleanableRatio > best.cleanableRatio)) best = c;
    }
    return best;
  }

  /** Starts a round if none is running (called from the LogManager's timer). */
  tick(now = this.opts.clock.now()): Promise<CleanSummary | null> | null {
    if (this.running || this.stopped) return null;
    const p = this.cleanOnce(now).finally(() => (this.running = null));
    this.running = p;
    p.catch(() => {});
    return p;
  }

  /** Waits for the round in progress, if any. */
  async idle(): Promise<void> {
    if (this.running) await this.running.catch(() => {});
  }

  /** Aborts the round in progress (its files are removed) and starts no more. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** Cleans the filthiest log once; null when no log qualifies. */
  async cleanOnce(now = this.opts.clock.now()): Promise<CleanSummary | null> {
    const target = this.grabFilthiestLog(now);
    if (target === null) return null;
    return this.cleanLog(target, now);
  }

  /** One round on one log (also usable directly, e.g. by tests or an admin command). */
  async cleanLog(target: LogToClean, now = this.opts.clock.now()): Promise<CleanSummary | null> {
    const log = target.log;
    const key = partitionKey(log.topic, log.partition);
    const truncations = log.truncations;
    const checkDone = () => {
      if (this.stopped) throw new CleaningAborted('the cleaner is shutting down');
      if (log.isClosed || log.isOffline || log.truncations !== truncations) throw new CleaningAborted(`log ${key} changed during cleaning`);
    };
    const sources = log.segments.values().filter((s) => s.baseOffset < target.firstUncleanableOffset);
    if (sources.length === 0) return null;
    const fds = log.local.fds;
    const segments: CleanerSegment[] = sources.map((s) => ({
      baseOffset: s.baseOffset,
      size: s.size,
      offsetIndexBytes: (s.ensureIndexesLoaded(), s.offsetIndex.sizeInBytes),
      timeIndexBytes: s.timeIndex.sizeInBytes,
      lastModified: s.lastModified(),
      acquire: () => fds.pin(s.logFile),
      release: () => fds.unpin(s.logFile),
    }));
    const activeProducers = new Map<number, LastRecord>();
    for (const e of log.activeProducers()) activeProducers.set(e.producerId, { lastDataOffset: e.lastOffset, producerEpoch: e.producerEpoch });
    this.map ??= new OffsetMap(this.opts.dedupeBufferSize);
    const cleaner = new Cleaner(log.local, this.opts.fs, this.map, checkDone);
    const before = log.numberOfSegments;
    let result;
    try {
      result = await cleaner.clean({
        dir: log.dir,
        config: log.config,
        segments,
        firstDirtyOffset: target.firstDirtyOffset,
        firstUncleanableOffset: target.firstUncleanableOffset,
        now,
        activeProducers,
        abortedTransactions: (start, end) => log.collectAbortedTransactions(start, end),
      });
    } catch (e) {
      if (e instanceof CleaningAborted) {
        this.opts.logger.info(`cleaning of ${key} aborted: ${e.message}`);
        return null;
      }
      this.opts.logger.error(`cleaning of ${key} failed: ${(e as Error).message}`);
      return null;
    }
    // Swap in, unless the log changed under the round.
    try {
      checkDone();
      for (const g of result.groups) {
        for (const base of g.replaced) {
          const seg = log.segments.get(base);
          const src = sources.find((s) => s.baseOffset === base)!;
          if (seg !== src || seg.size !== segments.find((x) => x.baseOffset === base)!.size) throw new CleaningAborted(`segment ${base} of ${key} changed during cleaning`);
        }
      }
    } catch (e) {
      for (const g of result.groups) cleaner.discard(g.segment);
      this.opts.logger.info(`cleaning of ${key} dropped: ${(e as Error).message}`);
      return null;
    }
    try {
      for (const g of result.groups) {
        const size = this.opts.fs.statSync(g.segment.logFile.path)?.size ?? 0;
        const fresh = LogSegment.open(log.local, log.dir, g.segment.baseOffset, log.local, size, CLEANED_SUFFIX);
        log.replaceSegments(
          [fresh],
          g.replaced.map((b) => log.segments.get(b)!),
        );
      }
    } catch (e) {
      // replaceSegments took the log offline; the loader finishes the swap at the next open.
      this.opts.logger.error(`swapping cleaned segments of ${key} failed: ${(e as Error).message}`);
      return null;
    }
    const { file, offsets } = this.dirState(log);
    offsets.set(key, result.endOffset);
    for (const k of [...offsets.keys()]) if (![...this.opts.logs()].some((l) => partitionKey(l.topic, l.partition) === k)) offsets.delete(k);
    try {
      await file.write(offsets);
    } catch (e) {
      this.opts.logger.warn(`failed to write ${file.file}: ${(e as Error).message}`);
    }
    this.rounds++;
    const summary: CleanSummary = {
      topic: log.topic,
      partition: log.partition,
      firstDirtyOffset: target.firstDirtyOffset,
      endOffset: result.endOffset,
      segmentsBefore: before,
      segmentsAfter: log.numberOfSegments,
      stats: result.stats,
    };
    this.opts.logger.info(
      `cleaned ${key} [${target.firstDirtyOffset}, ${result.endOffset}): ${result.stats.recordsRead} records read, ${result.stats.recordsRetained} kept, ${result.stats.bytesRead} -> ${result.stats.bytesWritten} bytes, ${before} -> ${log.numberOfSegments} segments`,
    );
    return summary;
  }

  /** Forgets a deleted partition's progress. */
  forget(log: PartitionLog): void {
    this.dirState(log).offsets.delete(partitionKey(log.topic, log.partition));
  }
}
