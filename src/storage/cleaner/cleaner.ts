/**
 * One round of compaction of one log (Kafka's Cleaner.doClean):
 *
 * 1. Build the key -> latest offset map over the dirty section [firstDirty, firstUncleanable).
 * 2. Group the segments up to the map's end by size (`segment.bytes`, `segment.index.bytes`),
 *    so small segments merge.
 * 3. Copy each group into one `.cleaned` segment keeping, per batch, the records that are the
 *    latest for their key; tombstones (null values) stay until their batch's delete horizon
 *    (set to now + `delete.retention.ms` the first time the batch is cleaned) has passed.
 *    Offsets never change: a batch keeps its base and last offset; a batch left empty is
 *    dropped unless it ends the round or holds a producer's last sequence.
 *    Transactions (cleaned-txns.ts): batches of aborted transactions go whatever their keys;
 *    a COMMIT or ABORT marker stays while its transaction has batches, then gets a delete
 *    horizon and goes after it; aborts that keep batches keep their `.txnindex` entry in the
 *    cleaned segment. Only decided data is cleaned (the round ends at the last stable offset).
 *
 * It runs asynchronously, yielding between batches, and touches only inactive segments, so
 * appends and fetches proceed meanwhile. The caller swaps the cleaned segments in.
 */
import { decodeBatch, decodeBatchSync, encodeBatch, type DecodedBatch, type RecordInput } from '../../protocol/records/index.js';
import { hasSyncCodec } from '../../protocol/compression/index.js';
import { CompressionType, TimestampType } from '../../protocol/records/index.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BatchScanner,
  CONTROL_MASK,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_COUNT_OFFSET,
  TRANSACTIONAL_MASK,
  readInt64,
  updateBatchCrc,
  writeInt64,
} from '../batch.js';
import { DELETE_HORIZON_MASK } from '../../protocol/records/batch-header.js';
import { readBatchHeader as headerOf, type BatchHeader } from '../../protocol/records/header.js';
import type { DecodedRecord } from '../../protocol/records/record.js';
import type { AbortedTxn } from '../transaction-index.js';
import { readEndTxnMarker } from '../txn-marker.js';
import { CleanedTxns, ControlBatchKind } from './cleaned-txns.js';
import type { LogConfig } from '../config.js';
import type { StorageFs } from '../fs/storage-fs.js';
import { LogSegment, type SegmentContext } from '../log-segment.js';
import { CLEANED_SUFFIX } from '../log-file-names.js';
import { OffsetMap } from './offset-map.js';

/** A source segment as the cleaner sees it. */
export interface CleanerSegment {
  baseOffset: number;
  /** Bytes of the segment to read (its size when the round was planned). */
  size: number;
  offsetIndexBytes: number;
  timeIndexBytes: number;
  lastModified: number;
  /** A descriptor to read from, held until release(). */
  acquire(): number;
  release(): void;
}

export interface CleanTask {
  dir: string;
  config: LogConfig;
  /** Segments from the start of the log up to (excluding) the first uncleanable offset. */
  segments: CleanerSegment[];
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  now: number;
  /** The last record of each producer still active: kept (maybe emptied) so its state survives. */
  activeProducers: ReadonlyMap<number, LastRecord>;
  /** The aborted transactions overlapping [startOffset, upperBoundOffset), from the log's transaction indexes. */
  abortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[];
}

/**
 * An active producer's last record (Kafka's LastRecord): its last data batch, or, when its
 * last entry is a marker that started a new epoch (no data batch in it), that marker.
 */
export interface LastRecord {
  /** Last offset of its last data batch, -1 when none. */
  lastDataOffset: number;
  producerEpoch: number;
}

export interface CleanerStats {
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsRetained: number;
  mapEntries: number;
}

export interface CleanedGroup {
  /** Base offsets of the segments replaced. */
  replaced: number[];
  segment: LogSegment;
}

export interface CleanResult {
  /** The next first dirty offset (the map's end). */
  endOffset: number;
  groups: CleanedGroup[];
  stats: CleanerStats;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const WRITE_CHUNK = 1 << 20;
/** Work between two yields to the event loop: at most this many batches or bytes. */
const YIELD_BATCHES = 16;
const YIELD_BYTES = 256 * 1024;

export class Cleaner {
  private sinceYieldBatches = 0;
  private sinceYieldBytes = 0;

  constructor(
    private readonly ctx: SegmentContext,
    private readonly fs: StorageFs,
    private readonly map: OffsetMap,
    /** Called between batches; throws to abort the round (log truncated, deleted, closing). */
    private readonly checkDone: () => void = () => {},
  ) {}

  private async decode(buf: Buffer, at: number, size: number): Promise<DecodedBatch> {
    const compression = (buf.readInt16BE(at + 21) & 0x07) as CompressionType;
    if (compression === CompressionType.None || hasSyncCodec(compression)) return decodeBatchSync(buf, at, at + size, { verifyCrc: false });
    // Async codecs (zstd): decode a private copy, the scanner's buffer is reused.
    const copy = Buffer.from(buf.subarray(at, at + size));
    return decodeBatch(copy, 0, size, { verifyCrc: false });
  }

  /** Walks the batches of `seg` from `start`, handing each (whole, CRC-checked) to `visit`. */
  private async forEachBatch(seg: CleanerSegment, startPos: number, visit: (s: BatchScanner) => Promise<boolean | void>): Promise<void> {
    const fd = seg.acquire();
    try {
      const scanner = new BatchScanner(this.fs, fd, startPos, seg.size, true);
      while (scanner.next()) {
        if ((await visit(scanner)) === false) return;
        this.sinceYieldBytes += scanner.size;
        if (++this.sinceYieldBatches >= YIELD_BATCHES || this.sinceYieldBytes >= YIELD_BYTES) {
          this.sinceYieldBatches = 0;
          this.sinceYieldBytes = 0;
          await yieldToLoop();
          this.checkDone();
        }
      }
      if (scanner.error !== null) throw new Error(`corrupt batch in segment ${seg.baseOffset} at ${scanner.validEnd}: ${scanner.error}`);
    } finally {
      seg.release();
    }
  }

  async clean(task: CleanTask): Promise<CleanResult> {
    const stats: CleanerStats = { bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsRetained: 0, mapEntries: 0 };
    const map = this.map;
    map.clear();
    const dirty = task.segments.filter((s, i) => {
      const next = task.segments[i + 1];
      return (next === undefined || next.baseOffset > task.firstDirtyOffset) && s.baseOffset < task.firstUncleanableOffset;
    });
    // 1. offset map (the keys of aborted transactions do not count)
    const mapTxns = new CleanedTxns();
    mapTxns.addAbortedTransactions(task.abortedTransactions(task.firstDirtyOffset, task.firstUncleanableOffset));
    let full = false;
    for (let i = 0; i < dirty.length && !full; i++) {
      const seg = dirty[i]!;
      const nextStart = i + 1 < dirty.length ? dirty[i + 1]!.baseOffset : task.firstUncleanableOffset;
      await this.forEachBatch(seg, 0, async (s) => {
        if (s.lastOffset < task.firstDirtyOffset) return;
        if (s.baseOffset >= task.firstUncleanableOffset) return false;
        const attributes = s.buffer.readInt16BE(s.at + ATTRIBUTES_OFFSET);
        const producerId = readInt64(s.buffer, s.at + PRODUCER_ID_OFFSET);
        // Markers carry no keys; aborted batches are dropped whatever their keys.
        let skip: boolean;
        if ((attributes & CONTROL_MASK) !== 0) {
          mapTxns.onControlBatchRead(producerId, s.lastOffset, controlBatchKind(s.buffer, s.at));
          skip = true;
        } else {
          skip = mapTxns.onBatchRead(producerId, s.lastOffset, (attributes & TRANSACTIONAL_MASK) !== 0);
        }
        if (!skip) {
          const batch = await this.decode(s.buffer, s.at, s.size);
          for (const r of batch.records) {
            if (r.key !== null && r.offset >= task.firstDirtyOffset) {
              if (map.full) {
                full = true;
                return false;
              }
              map.put(r.key, r.offset);
            }
          }
        }
        map.updateLatestOffset(s.lastOffset);
      });
      if (!full) map.updateLatestOffset(nextStart - 1);
    }
    stats.mapEntries = map.size;
    const endOffset = map.latestOffset + 1;
    if (endOffset <= 0) return { endOffset: task.firstDirtyOffset, groups: [], stats };

    // 2. groups
    const toClean = task.segments.filter((s) => s.baseOffset < endOffset);
    const groups = groupSegmentsBySize(toClean, task.config['segment.bytes'], task.config['segment.index.bytes'], task.firstUncleanableOffset);

    // 3. copy (transactions carry over from group to group)
    const txns = new CleanedTxns();
    const out: CleanedGroup[] = [];
    try {
      for (const group of groups) {
        out.push({ replaced: group.map((s) => s.baseOffset), segment: await this.cleanGroup(task, group, txns, stats) });
      }
    } catch (e) {
      for (const g of out) this.discard(g.segment);
      throw e;
    }
    return { endOffset, groups: out, stats };
  }

  /** A copy of the (control) batch at `at` with its delete horizon set to `horizon`. */
  private async withDeleteHorizon(buf: Buffer, at: number, size: number, horizon: number): Promise<Buffer> {
    const batch = await this.decode(buf, at, size);
    return rebuildBatch(batch, batch.records, horizon);
  }

  /** Deletes the files of a cleaned segment that will not be swapped in. */
  discard(seg: LogSegment): void {
    try {
      seg.deleteFiles();
    } catch {
      // leftovers with the .cleaned suffix are removed at the next start-up
    }
  }

  private async cleanGroup(task: CleanTask, group: CleanerSegment[], txns: CleanedTxns, stats: CleanerStats): Promise<LogSegment> {
    const owner = { config: task.config };
    const dest = LogSegment.create(this.ctx, task.dir, group[0]!.baseOffset, owner, CLEANED_SUFFIX);
    txns.cleanedIndex = dest.txnIndex;
    const deleteRetention = task.config['delete.retention.ms'];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let pendingLast = -1;
    const flushPending = () => {
      if (pendingBytes === 0) return;
      dest.append(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes), pendingLast);
      stats.bytesWritten += pendingBytes;
      pending = [];
      pendingBytes = 0;
    };
    const emit = (b: Buffer, lastOffset: number) => {
      pending.push(b);
      pendingBytes += b.length;
      pendingLast = lastOffset;
      if (pendingBytes >= WRITE_CHUNK) flushPending();
    };
    try {
      for (const seg of group) {
        // The aborted transactions overlapping the whole segment: the cleaned index is rebuilt from them.
        const i = task.segments.indexOf(seg);
        const upperBound = task.segments[i + 1]?.baseOffset ?? task.firstUncleanableOffset;
        txns.addAbortedTransactions(task.abortedTransactions(seg.baseOffset, upperBound));
        await this.forEachBatch(seg, 0, async (s) => {
          stats.bytesRead += s.size;
          const buf = s.buffer;
          const at = s.at;
          const attributes = buf.readInt16BE(at + ATTRIBUTES_OFFSET);
          const control = (attributes & CONTROL_MASK) !== 0;
          const producerId = readInt64(buf, at + PRODUCER_ID_OFFSET);
          const hasDeleteHorizon = (attributes & DELETE_HORIZON_MASK) !== 0;
          // Kafka's checkBatchRetention: markers live on until their transaction's batches are
          // gone and their delete horizon has passed; aborted data goes at once.
          const canDiscard = control
            ? txns.onControlBatchRead(producerId, s.lastOffset, controlBatchKind(buf, at))
            : txns.onBatchRead(producerId, s.lastOffset, (attributes & TRANSACTIONAL_MASK) !== 0);
          const discardRecords = control ? canDiscard && hasDeleteHorizon && readInt64(buf, at + BASE_TIMESTAMP_OFFSET) <= task.now : canDiscard;
          const keepEmpty = (producerId >= 0 && isLastRecordOfProducer(task.activeProducers.get(producerId), control, buf, at, s.lastOffset)) || s.lastOffset + 1 === task.firstUncleanableOffset;
          // An emptied batch (or one whose records all go) stays only as a header when needed.
          if (discardRecords || (control && buf.readInt32BE(at + RECORD_COUNT_OFFSET) === 0)) {
            if (keepEmpty) emit(emptyBatch(headerOf(buf, at)), s.lastOffset);
            return;
          }
          if (control) {
            // A marker of a transaction with nothing left starts its delete horizon now.
            if (canDiscard && !hasDeleteHorizon) emit(await this.withDeleteHorizon(buf, at, s.size, task.now + deleteRetention), s.lastOffset);
            else emit(Buffer.from(buf.subarray(at, at + s.size)), s.lastOffset);
            return;
          }
          const batch = await this.decode(buf, at, s.size);
          stats.recordsRead += batch.records.length;
          const horizon = batch.hasDeleteHorizon ? batch.baseTimestamp : -1;
          const retained = batch.records.filter((r) => {
            if (r.offset > this.map.latestOffset) return true;
            if (r.key === null) return false;
            const latest = r.offset >= this.map.get(r.key);
            const retainDelete = horizon < 0 || task.now < horizon;
            return latest && (r.value !== null || retainDelete);
          });
          stats.recordsRetained += retained.length;
          const tombstones = retained.some((r) => r.value === null);
          const setHorizon = tombstones && !batch.hasDeleteHorizon;
          if (retained.length === batch.records.length && !setHorizon) {
            emit(Buffer.from(buf.subarray(at, at + s.size)), s.lastOffset);
            return;
          }
          if (retained.length === 0) {
            if (keepEmpty) emit(emptyBatch(batch), s.lastOffset);
            return;
          }
          emit(await rebuildBatch(batch, retained, setHorizon ? task.now + deleteRetention : horizon >= 0 ? horizon : undefined), s.lastOffset);
        });
      }
      flushPending();
      dest.onBecomeInactive();
      dest.flushSync();
      dest.setLastModified(group[group.length - 1]!.lastModified);
      dest.close();
      return dest;
    } catch (e) {
      this.discard(dest);
      throw e;
    }
  }
}

/** `batch` with only the `retained` records (offsets, producer fields, codec and timestamp type kept). */
function rebuildBatch(batch: DecodedBatch, retained: readonly DecodedRecord[], deleteHorizonMs: number | undefined): Promise<Buffer> {
  const records: RecordInput[] = retained.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: r.timestamp,
    offsetDelta: r.offset - batch.baseOffset,
  }));
  return encodeBatch(records, {
    baseOffset: batch.baseOffset,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    compression: batch.compression,
    timestampType: batch.timestampType,
    maxTimestamp: batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : undefined,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    transactional: batch.isTransactional,
    control: batch.isControl,
    deleteHorizonMs,
    lastOffsetDelta: batch.lastOffsetDelta,
  });
}

/** What the control batch at `at` holds (the scanner verified it whole). */
function controlBatchKind(buf: Buffer, at: number): ControlBatchKind {
  if (buf.readInt32BE(at + RECORD_COUNT_OFFSET) === 0) return ControlBatchKind.Empty;
  const marker = readEndTxnMarker(buf, at);
  return marker === null ? ControlBatchKind.Other : marker.commit ? ControlBatchKind.Commit : ControlBatchKind.Abort;
}

/**
 * Kafka's isBatchLastRecordOfProducer: the batch holding an active producer's last data
 * offset, or, when its last entry is a marker, a marker of its current epoch; kept (maybe
 * emptied) so the producer's state is rebuilt the same after a restart.
 */
function isLastRecordOfProducer(last: LastRecord | undefined, control: boolean, buf: Buffer, at: number, lastOffset: number): boolean {
  if (last === undefined) return false;
  if (last.lastDataOffset >= 0) return lastOffset === last.lastDataOffset;
  return control && buf.readInt16BE(at + PRODUCER_EPOCH_OFFSET) === last.producerEpoch;
}

/**
 * A header-only batch keeping the offsets, producer fields, max timestamp and the
 * transactional and control flags (Kafka's writeEmptyHeader).
 */
function emptyBatch(b: BatchHeader): Buffer {
  const buf = Buffer.alloc(61);
  writeInt64(buf, 0, b.baseOffset);
  buf.writeInt32BE(61 - 12, 8);
  buf.writeInt32BE(b.partitionLeaderEpoch, 12);
  buf.writeInt8(2, 16);
  let attributes = 0;
  if (b.timestampType === TimestampType.LogAppendTime) attributes |= 0x08;
  if (b.isTransactional) attributes |= TRANSACTIONAL_MASK;
  if (b.isControl) attributes |= CONTROL_MASK;
  buf.writeInt16BE(attributes, 21);
  buf.writeInt32BE(b.lastOffsetDelta, 23);
  writeInt64(buf, BASE_TIMESTAMP_OFFSET, b.maxTimestamp);
  writeInt64(buf, 35, b.maxTimestamp);
  writeInt64(buf, 43, b.producerId);
  buf.writeInt16BE(b.producerEpoch, 51);
  buf.writeInt32BE(b.baseSequence, 53);
  buf.writeInt32BE(0, 57);
  updateBatchCrc(buf, 0);
  return buf;
}

/**
 * Kafka's groupSegmentsBySize: consecutive segments whose log and index sizes together stay
 * within the limits, and whose offsets fit one segment's 32-bit relative offsets.
 */
export function groupSegmentsBySize<T extends { baseOffset: number; size: number; offsetIndexBytes: number; timeIndexBytes: number }>(
  segments: readonly T[],
  maxSize: number,
  maxIndexSize: number,
  firstUncleanableOffset: number,
): T[][] {
  const groups: T[][] = [];
  let i = 0;
  while (i < segments.length) {
    const group = [segments[i]!];
    let logSize = segments[i]!.size;
    let indexSize = segments[i]!.offsetIndexBytes;
    let timeIndexSize = segments[i]!.timeIndexBytes;
    i++;
    while (i < segments.length) {
      const s = segments[i]!;
      const lastOffsetOfS = i + 1 < segments.length ? segments[i + 1]!.baseOffset - 1 : firstUncleanableOffset - 1;
      if (
        logSize + s.size <= maxSize &&
        indexSize + s.offsetIndexBytes <= maxIndexSize &&
        timeIndexSize + s.timeIndexBytes <= maxIndexSize &&
        (s.size === 0 || lastOffsetOfS - group[0]!.baseOffset <= 0x7fffffff)
      ) {
        group.push(s);
        logSize += s.size;
        indexSize += s.offsetIndexBytes;
        timeIndexSize += s.timeIndexBytes;
        i++;
      } else break;
    }
    groups.push(group);
  }
  return groups;
}
