/**
 * Opening a partition directory (Kafka's LogLoader): removes leftovers of interrupted
 * operations, finishes interrupted compaction swaps, opens every segment lazily and, after an
 * unclean shutdown, recovers the segments from the recovery point on: each batch's structure
 * and CRC are checked, indexes rebuilt, and the log cut after the last valid batch.
 *
 * A corrupt file never stops the broker: it is logged, the bad part removed, and the log
 * opened with what is valid.
 */
import path from 'node:path';
import type { LogConfig } from './config.js';
import { LogSegment, type BatchVisitor, type SegmentContext } from './log-segment.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, SWAP_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, offsetFromFilename } from './log-file-names.js';
import { LogSegments } from './log-segments.js';
import { ATTRIBUTES_OFFSET, BatchScanner, CONTROL_MASK } from './batch.js';
import type { LocalLog } from './local-log.js';
import type { ProducerStateManager } from './producer-state.js';
import { CorruptIndexError } from './abstract-index.js';
import { TxnIndexRecovery } from './txn-index-recovery.js';
import type { PartitionLogOptions } from './partition-log-types.js';

const SEGMENT_NAME = /^(\d{20})\.(log|index|timeindex|txnindex)((?:\.swap|\.cleaned|\.deleted)?)$/;

export interface LoadedSegments {
  segments: LogSegments;
  /** The directory's file names after clean-up (for the producer snapshots). */
  names: string[];
  /** Next offset after the last valid batch. */
  logEndOffset: number;
  /** True when recovery removed bytes or segments. */
  truncated: boolean;
}

export interface LoadParams {
  ctx: SegmentContext;
  dir: string;
  owner: { readonly config: LogConfig };
  hadCleanShutdown: boolean;
  recoveryPoint: number;
  logStartOffset: number;
  /** Called for every valid batch recovery scans (producer state, leader epochs). */
  visit?: BatchVisitor;
  /** Segments removed by recovery, for deferred deletion. */
  discard: (segment: LogSegment) => void;
}

/** First pass: delete `.deleted`/`.cleaned`/`.tmp` leftovers, then finish `.swap` files. */
function cleanDirectory(p: LoadParams, names: string[]): void {
  const { fs } = p.ctx;
  const swaps: string[] = [];
  let minCleaned = Infinity;
  for (const n of names) {
    if (n.endsWith(DELETED_SUFFIX) || n.endsWith('.tmp')) {
      fs.unlinkSync(path.join(p.dir, n));
    } else if (n.endsWith(CLEANED_SUFFIX)) {
      const m = SEGMENT_NAME.exec(n);
      if (m) minCleaned = Math.min(minCleaned, Number(m[1]));
      fs.unlinkSync(path.join(p.dir, n));
    } else if (n.endsWith(SWAP_SUFFIX)) {
      swaps.push(n);
    }
  }
  // A swap at or above a .cleaned file belongs to an incomplete operation: drop it.
  const valid = swaps.filter((n) => {
    if (offsetFromFilename(n) >= minCleaned) {
      fs.unlinkSync(path.join(p.dir, n));
      return false;
    }
    return true;
  });
  const swapLogs = valid.filter((n) => n.endsWith(LOG_SUFFIX + SWAP_SUFFIX));
  if (swapLogs.length === 0) {
    for (const n of valid) fs.unlinkSync(path.join(p.dir, n));
    return;
  }
  // The swap segments replace every segment in [min base, max next offset).
  let minSwap = Infinity;
  let maxSwap = -Infinity;
  for (const n of swapLogs) {
    const base = offsetFromFilename(n);
    const st = fs.statSync(path.join(p.dir, n));
    const seg = LogSegment.open(p.ctx, p.dir, base, p.owner, st?.size ?? 0, SWAP_SUFFIX);
    let next: number;
    try {
      seg.rebuildIndexes();
      next = seg.readNextOffset();
    } catch (e) {
      p.ctx.logger.warn(`unreadable swap file ${n} (${(e as Error).message}); recovering it`);
      seg.recover();
      next = seg.readNextOffset();
    }
    seg.close();
    minSwap = Math.min(minSwap, base);
    maxSwap = Math.max(maxSwap, next);
  }
  for (const n of fs.readdirSync(p.dir)) {
    const m = SEGMENT_NAME.exec(n);
    if (!m || m[3] !== '') continue;
    const base = Number(m[1]);
    if (base >= minSwap && base < maxSwap) {
      p.ctx.logger.info(`deleting segment file ${n} replaced by an interrupted swap`);
      fs.unlinkSync(path.join(p.dir, n));
    }
  }
  for (const n of fs.readdirSync(p.dir)) {
    if (n.endsWith(SWAP_SUFFIX)) {
      p.ctx.logger.info(`recovering ${n} by renaming it from ${SWAP_SUFFIX}`);
      fs.renameSync(path.join(p.dir, n), path.join(p.dir, n.slice(0, -SWAP_SUFFIX.length)));
    }
  }
}

/** The loader's visitor after the one that rebuilds a segment's transaction index. */
function withTxnIndex(txn: BatchVisitor, visit: BatchVisitor | undefined): BatchVisitor {
  return visit === undefined ? txn : (scanner) => {
    txn(scanner);
    visit(scanner);
  };
}

/**
 * Opens the segments of a partition directory, recovering as needed. A recovered segment's
 * transaction index is rebuilt with it, as is one whose offset index was missing or whose
 * transaction index is corrupt (txn-index-recovery.ts).
 */
export function loadSegments(p: LoadParams): LoadedSegments {
  const { fs, logger } = p.ctx;
  let names = fs.readdirSync(p.dir);
  if (names.some((n) => n.endsWith(DELETED_SUFFIX) || n.endsWith(CLEANED_SUFFIX) || n.endsWith(SWAP_SUFFIX) || n.endsWith('.tmp'))) {
    cleanDirectory(p, names);
    names = fs.readdirSync(p.dir);
  }
  names.sort();
  const present = new Set(names);
  const logs = new Set(names.filter((n) => SEGMENT_NAME.test(n) && n.endsWith(LOG_SUFFIX)).map(offsetFromFilename));
  const segments = new LogSegments();
  const txns = new TxnIndexRecovery(p.ctx, p.dir, p.logStartOffset);
  for (const n of names) {
    const m = SEGMENT_NAME.exec(n);
    if (!m || m[3] !== '') continue;
    const base = Number(m[1]);
    const suffix = '.' + m[2];
    if (suffix === LOG_SUFFIX) {
      const st = fs.statSync(path.join(p.dir, n));
      const seg = LogSegment.open(p.ctx, p.dir, base, p.owner, st?.size ?? 0);
      // Kafka creates a missing time index as empty; a missing offset index means rebuild.
      const prefix = n.slice(0, -LOG_SUFFIX.length);
      if (!present.has(prefix + INDEX_SUFFIX) || !present.has(prefix + TIME_INDEX_SUFFIX)) {
        if (p.hadCleanShutdown || base < p.recoveryPoint) logger.error(`could not find the index files of ${seg.logFile.path}; rebuilding them`);
        seg.rebuildIndexes();
        // Kafka recovers such a segment whole, its transaction index with it.
        txns.rebuild(seg, segments);
      } else if (present.has(prefix + TXN_INDEX_SUFFIX)) {
        try {
          seg.txnIndex.sanityCheck();
        } catch (e) {
          if (!(e instanceof CorruptIndexError)) throw e;
          logger.warn(`found a corrupted index file corresponding to log file ${seg.logFile.path} due to ${e.message}; rebuilding its transaction index`);
          txns.rebuild(seg, segments);
        }
      } else {
        seg.txnIndex.markAbsent();
      }
      segments.add(seg);
    } else if ((suffix === INDEX_SUFFIX || suffix === TIME_INDEX_SUFFIX || suffix === TXN_INDEX_SUFFIX) && !logs.has(base)) {
      logger.warn(`found an orphaned index file ${path.join(p.dir, n)}, with no corresponding log file; deleting it`);
      fs.unlinkSync(path.join(p.dir, n));
    }
  }

  let truncated = false;
  if (!p.hadCleanShutdown) {
    const unflushed = segments.range(p.recoveryPoint, Infinity);
    for (let i = 0; i < unflushed.length; i++) {
      const seg = unflushed[i]!;
      logger.info(`recovering unflushed segment ${seg.baseOffset} of ${p.dir}`);
      let cut: number;
      try {
        cut = seg.recover(withTxnIndex(txns.visitorFor(seg, segments), p.visit));
      } catch (e) {
        logger.error(`failed to recover segment ${seg.logFile.path} (${(e as Error).message}); emptying it`);
        seg.truncateTo(seg.baseOffset);
        seg.rebuildIndexes();
        cut = 1;
      }
      if (cut > 0) {
        truncated = true;
        const rest = unflushed.slice(i + 1);
        if (rest.length > 0) {
          logger.warn(`corruption found in segment ${seg.baseOffset} of ${p.dir}; deleting ${rest.length} later segment(s)`);
          for (const r of rest) {
            segments.remove(r);
            r.changeFileSuffixes('', DELETED_SUFFIX);
            p.discard(r);
          }
        }
        break;
      }
    }
  }

  // Log end offset: walk the active segment from its last index entry (no full scan).
  let logEndOffset = p.logStartOffset;
  const last = segments.last;
  if (last) {
    try {
      logEndOffset = last.readNextOffset();
    } catch (e) {
      logger.error(`the last segment ${last.logFile.path} is damaged (${(e as Error).message}); recovering it`);
      if (last.recover(withTxnIndex(txns.visitorFor(last, segments), p.visit)) > 0) truncated = true;
      logEndOffset = last.readNextOffset();
    }
  }
  if (segments.count > 0 && logEndOffset < p.logStartOffset) {
    logger.warn(`deleting all segments of ${p.dir}: the log end offset ${logEndOffset} is below the log start offset ${p.logStartOffset}`);
    for (const s of [...segments.values()]) {
      segments.remove(s);
      s.changeFileSuffixes('', DELETED_SUFFIX);
      p.discard(s);
    }
    logEndOffset = p.logStartOffset;
  }
  return { segments, logEndOffset, truncated, names };
}

/**
 * Loads the newest producer snapshot at or below the log end offset and replays the batches
 * after it (Kafka's LogLoader.rebuildProducerState); on open and after a truncation. Open
 * transactions come back from the snapshot and the replay; markers in the replay complete
 * theirs (their index entries are on disk already, or were rebuilt by recovery).
 */
export function rebuildProducerState(ps: ProducerStateManager, local: LocalLog, logStartOffset: number, clean: boolean, names?: readonly string[]): void {
  const end = local.logEndOffset;
  const listing = ps.removeStraySnapshots(local.segments.baseOffsets(), names);
  const loadedAt = ps.loadLatestSnapshot(end, listing);
  if (loadedAt < 0 && clean) {
    // Kafka's upgrade shortcut: a clean log without snapshots starts with empty state.
    ps.mapEndOffset = end;
  } else if (ps.mapEndOffset < end) {
    const from = Math.max(ps.mapEndOffset, logStartOffset);
    for (const seg of local.segments.range(from, end)) {
      const scanner = new BatchScanner(local.fs, local.fds.fd(seg.logFile), seg.baseOffset >= from ? 0 : local.indexPositionOf(seg, from), seg.size, false);
      while (scanner.next()) {
        if (scanner.lastOffset < from) continue;
        // A marker's record says commit or abort: read the whole (small) batch.
        if ((scanner.buffer.readInt16BE(scanner.at + ATTRIBUTES_OFFSET) & CONTROL_MASK) !== 0 && !scanner.whole()) break;
        const txn = ps.update(scanner.buffer, scanner.at);
        if (txn !== null) ps.completeTxn(txn);
      }
    }
  }
  ps.mapEndOffset = end;
  if (loadedAt !== end && end > 0) ps.takeSnapshot();
}

/** Where a loaded log starts and how far it is replicated. */
export interface LoadedLog {
  logStartOffset: number;
  highWatermark: number;
}

/**
 * Opens the partition directory of `local` (created when missing) with its segments,
 * recovered after an unclean shutdown, and its producer state (Kafka's LogLoader.load): sets
 * the log end offset and recovery point, and answers the log start offset (the checkpoint's,
 * never below the first segment) and the high watermark (the checkpoint's, within the log).
 */
export function loadLog(local: LocalLog, producerState: ProducerStateManager, opts: Pick<PartitionLogOptions, 'hadCleanShutdown' | 'logStartOffset' | 'recoveryPoint' | 'highWatermark'>): LoadedLog {
  const fs = local.fs;
  if (fs.statSync(local.dir) === null) {
    fs.mkdirSync(local.dir);
    // The new directory's entry becomes durable with the log's first flush (no fsync per
    // partition when a topic with thousands of partitions is created).
    local.dirSync.parentChanged();
  }
  const clean = opts.hadCleanShutdown ?? false;
  const lsoCheckpoint = opts.logStartOffset ?? 0;
  const loaded = loadSegments({
    ctx: local,
    dir: local.dir,
    owner: local,
    hadCleanShutdown: clean,
    recoveryPoint: opts.recoveryPoint ?? 0,
    logStartOffset: lsoCheckpoint,
    discard: (s) => local.deleter.schedule(s, local.clock.now() + local.config['file.delete.delay.ms']),
  });
  const segments = local.segments;
  for (const s of loaded.segments.values()) segments.add(s);
  if (segments.isEmpty()) local.addEmptySegment(lsoCheckpoint);
  local.logEndOffset = loaded.logEndOffset;
  const logStartOffset = Math.min(Math.max(lsoCheckpoint, segments.first!.baseOffset), local.logEndOffset);
  local.recoveryPoint = clean && !loaded.truncated ? local.logEndOffset : Math.min(opts.recoveryPoint ?? 0, local.logEndOffset);
  rebuildProducerState(producerState, local, logStartOffset, clean, loaded.names);
  const highWatermark = Math.min(Math.max(opts.highWatermark ?? logStartOffset, logStartOffset), local.logEndOffset);
  producerState.onHighWatermarkUpdated(highWatermark);
  local.logger.info(
    `loaded ${local.dir}: ${segments.count} segment(s), log start offset ${logStartOffset}, log end offset ${local.logEndOffset}, recovery point ${local.recoveryPoint}`,
  );
  return { logStartOffset, highWatermark };
}
