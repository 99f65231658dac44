/**
 * Producer state of a partition and its `.snapshot` files in Kafka's format
 * (ProducerStateManager / ProducerSnapshot.json v1):
 *
 *     version int16 (1) | crc uint32 (CRC32C of everything after it) | count int32 |
 *     count x { producerId int64, epoch int16, lastSequence int32, lastOffset int64,
 *               offsetDelta int32, timestamp int64, coordinatorEpoch int32,
 *               currentTxnFirstOffset int64 }
 *
 * This keeps the last batch of each producer from batch headers alone and persists it, so
 * snapshots are written and read the way Kafka does (one per segment roll, one at clean
 * shutdown) and the state survives restarts. In memory each entry also keeps the metadata of
 * the producer's last 5 data batches of its current epoch (Kafka's
 * ProducerStateEntry.batchMetadata), which the idempotence checks (producer-check.ts) use
 * to recognise retried batches; like Kafka's, a snapshot keeps only the newest of them,
 * and batches replayed from the log after the snapshot add the rest.
 *
 * Transactions: an entry's currentTxnFirstOffset is its open transaction's first offset, and
 * `txns` (ongoing-txns.ts) orders the open ones by it for the last stable offset; an
 * end-transaction marker closes one. A snapshot keeps the open transactions, so they survive
 * a restart; loading one reopens them.
 */
import path from 'node:path';
import { crc32c } from '../protocol/crc32c.js';
import {
  BASE_SEQUENCE_OFFSET,
  CONTROL_MASK,
  LAST_OFFSET_DELTA_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  TRANSACTIONAL_MASK,
  ATTRIBUTES_OFFSET,
  readInt64,
  writeInt64,
} from './batch.js';
import { filenamePrefix, offsetFromFilename, SNAPSHOT_SUFFIX, DELETED_SUFFIX } from './log-file-names.js';
import { readFully, writeFully, type StorageFs } from './fs/storage-fs.js';
import type { StorageLogger } from './logger.js';
import { OngoingTxns } from './ongoing-txns.js';
import type { CompletedTxn } from './transaction-index.js';
import { readEndTxnMarker } from './txn-marker.js';
import { VerificationStates } from './verification-state.js';

export const PRODUCER_SNAPSHOT_VERSION = 1;
const ENTRY_SIZE = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
const HEADER_SIZE = 2 + 4 + 4;

export interface ProducerStateEntry {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
  coordinatorEpoch: number;
  /** First offset of the ongoing transaction, -1 when none. */
  currentTxnFirstOffset: number;
  /**
   * The last data batches of the current epoch, oldest first, at most
   * NUM_BATCHES_TO_RETAIN; in memory only. Absent on an entry read from a snapshot, which
   * stands for its last batch (`lastOffset >= 0`) alone.
   */
  batches?: BatchMetadata[];
}

/** One data batch of a producer (Kafka's BatchMetadata). */
export interface BatchMetadata {
  lastSequence: number;
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
}

/** Batches kept per producer for duplicate detection (Kafka's NUM_BATCHES_TO_RETAIN). */
export const NUM_BATCHES_TO_RETAIN = 5;

/** The entry's recent batches: `batches`, or the last batch a snapshot recorded. */
export function recentBatches(e: ProducerStateEntry): BatchMetadata[] {
  if (e.batches !== undefined) return e.batches;
  return e.lastOffset >= 0 ? [{ lastSequence: e.lastSequence, lastOffset: e.lastOffset, offsetDelta: e.offsetDelta, timestamp: e.timestamp }] : [];
}

export class CorruptSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptSnapshotError';
  }
}

export function encodeProducerSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  const buf = Buffer.alloc(HEADER_SIZE + list.length * ENTRY_SIZE);
  buf.writeInt16BE(PRODUCER_SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(list.length, 6);
  let at = HEADER_SIZE;
  for (const e of list) {
    writeInt64(buf, at, e.producerId);
    buf.writeInt16BE(e.producerEpoch, at + 8);
    buf.writeInt32BE(e.lastSequence, at + 10);
    writeInt64(buf, at + 14, e.lastOffset);
    buf.writeInt32BE(e.offsetDelta, at + 22);
    writeInt64(buf, at + 26, e.timestamp);
    buf.writeInt32BE(e.coordinatorEpoch, at + 34);
    writeInt64(buf, at + 38, e.currentTxnFirstOffset);
    at += ENTRY_SIZE;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
  return buf;
}

export function decodeProducerSnapshot(buf: Buffer): ProducerStateEntry[] {
  if (buf.length < HEADER_SIZE) throw new CorruptSnapshotError(`Snapshot failed schema validation: ${buf.length} bytes is too short`);
  const version = buf.readInt16BE(0);
  if (version !== PRODUCER_SNAPSHOT_VERSION) throw new CorruptSnapshotError(`Snapshot contained an unknown file version ${version}`);
  const count = buf.readInt32BE(6);
  if (count < 0 || HEADER_SIZE + count * ENTRY_SIZE !== buf.length) {
    throw new CorruptSnapshotError(`Snapshot failed schema validation: ${count} entries do not fill ${buf.length} bytes`);
  }
  const stored = buf.readUInt32BE(2);
  const computed = crc32c(buf.subarray(6));
  if (stored !== computed) throw new CorruptSnapshotError(`Snapshot is corrupt (CRC is no longer valid). Stored crc: ${stored}. Computed crc: ${computed}`);
  const out: ProducerStateEntry[] = [];
  let at = HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    out.push({
      producerId: readInt64(buf, at),
      producerEpoch: buf.readInt16BE(at + 8),
      lastSequence: buf.readInt32BE(at + 10),
      lastOffset: readInt64(buf, at + 14),
      offsetDelta: buf.readInt32BE(at + 22),
      timestamp: readInt64(buf, at + 26),
      coordinatorEpoch: buf.readInt32BE(at + 34),
      currentTxnFirstOffset: readInt64(buf, at + 38),
    });
    at += ENTRY_SIZE;
  }
  return out;
}

/** Producer state of one partition, updated from batch headers, with snapshot files in `dir`. */
export class ProducerStateManager {
  readonly producers = new Map<number, ProducerStateEntry>();
  /** Ongoing transactions and completed ones above the high watermark. */
  readonly txns = new OngoingTxns();
  /** The offset up to which the state reflects the log. */
  mapEndOffset = 0;
  /** KIP-890 verifications under way (verification-state.ts); in memory only. */
  readonly verifications = new VerificationStates();

  constructor(
    private readonly fs: StorageFs,
    public dir: string,
    private readonly logger: StorageLogger,
  ) {}

  /**
   * Applies the batch at `pos` of `buf` (offsets assigned; a control batch must be whole in
   * `buf`). A producer's first transactional batch starts its transaction; an end-transaction
   * marker ends it, sets the producer's epoch and coordinator epoch (Kafka's
   * ProducerAppendInfo.appendEndTxnMarker; a new epoch empties the batch window) and returns
   * the completed transaction, which the caller indexes (aborts) and then passes to
   * `completeTxn`. A marker of a producer with no open transaction completes none.
   */
  update(buf: Buffer, pos: number): CompletedTxn | null {
    const producerId = readInt64(buf, pos + PRODUCER_ID_OFFSET);
    const baseOffset = readInt64(buf, pos);
    const delta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
    const lastOffset = baseOffset + delta;
    let completed: CompletedTxn | null = null;
    if (producerId >= 0) {
      const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
      if ((attributes & CONTROL_MASK) !== 0) completed = this.updateWithMarker(buf, pos, producerId, baseOffset);
      else this.updateWithData(buf, pos, producerId, baseOffset, lastOffset, delta, (attributes & TRANSACTIONAL_MASK) !== 0);
      // Kafka's updateProducers: a transactional batch either opened the transaction here
      // (data) or ended it (marker); either way a verification's guard is spent.
      if ((attributes & (TRANSACTIONAL_MASK | CONTROL_MASK)) !== 0) this.verifications.clear(producerId);
    }
    this.mapEndOffset = lastOffset + 1;
    return completed;
  }

  private updateWithData(buf: Buffer, pos: number, producerId: number, baseOffset: number, lastOffset: number, delta: number, transactional: boolean): void {
    const prev = this.producers.get(producerId);
    const baseSeq = buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET);
    let txnFirst = prev?.currentTxnFirstOffset ?? -1;
    if (transactional && txnFirst < 0) {
      txnFirst = baseOffset;
      this.txns.begin(producerId, baseOffset);
    }
    const producerEpoch = buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET);
    const lastSequence = baseSeq < 0 ? -1 : (baseSeq + delta) % 0x80000000;
    const timestamp = readInt64(buf, pos + MAX_TIMESTAMP_OFFSET);
    // A new epoch starts an empty window (Kafka's maybeUpdateProducerEpoch).
    // The previous entry is replaced, so its window is reused.
    const batches = prev !== undefined && prev.producerEpoch === producerEpoch ? recentBatches(prev) : [];
    while (batches.length >= NUM_BATCHES_TO_RETAIN) batches.shift();
    batches.push({ lastSequence, lastOffset, offsetDelta: delta, timestamp });
    this.producers.set(producerId, {
      producerId,
      producerEpoch,
      lastSequence,
      lastOffset,
      offsetDelta: delta,
      timestamp,
      coordinatorEpoch: prev?.coordinatorEpoch ?? -1,
      currentTxnFirstOffset: txnFirst,
      batches,
    });
  }

  private updateWithMarker(buf: Buffer, pos: number, producerId: number, offset: number): CompletedTxn | null {
    const marker = readEndTxnMarker(buf, pos);
    // An emptied control batch: the cleaner removed the whole transaction.
    if (marker === null) return null;
    const prev = this.producers.get(producerId);
    const producerEpoch = buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET);
    const sameEpoch = prev !== undefined && prev.producerEpoch === producerEpoch;
    const txnFirst = prev?.currentTxnFirstOffset ?? -1;
    this.producers.set(producerId, {
      producerId,
      producerEpoch,
      lastSequence: sameEpoch ? prev.lastSequence : -1,
      lastOffset: sameEpoch ? prev.lastOffset : -1,
      offsetDelta: sameEpoch ? prev.offsetDelta : 0,
      timestamp: marker.timestamp,
      coordinatorEpoch: marker.coordinatorEpoch,
      currentTxnFirstOffset: -1,
      batches: sameEpoch ? recentBatches(prev) : [],
    });
    return txnFirst < 0 ? null : { producerId, firstOffset: txnFirst, lastOffset: offset, isAborted: !marker.commit };
  }

  /**
   * Marks a transaction `update` returned complete (Kafka's completeTxn); it holds the last
   * stable offset back until the high watermark passes its marker.
   */
  completeTxn(txn: CompletedTxn): void {
    if (!this.txns.complete(txn)) this.logger.warn(`attempted to complete transaction ${JSON.stringify(txn)} in ${this.dir}, which was not started`);
  }

  /** The last stable offset to record with `txn` in the transaction index (before completeTxn). */
  lastStableOffsetOf(txn: CompletedTxn): number {
    return this.txns.lastStableOffsetOf(txn);
  }

  /** The first offset of an ongoing transaction or one whose marker is above the high watermark; -1 when none. */
  firstUnstableOffset(): number {
    return this.txns.firstUnstableOffset();
  }

  onHighWatermarkUpdated(highWatermark: number): void {
    this.txns.onHighWatermarkUpdated(highWatermark);
  }

  private snapshotPath(offset: number): string {
    return path.join(this.dir, filenamePrefix(offset) + SNAPSHOT_SUFFIX);
  }

  /** Offsets of snapshot files in the directory (or in `names`, its listing), ascending. */
  snapshotOffsets(names?: readonly string[]): number[] {
    return (names ?? this.fs.readdirSync(this.dir))
      .filter((n) => n.endsWith(SNAPSHOT_SUFFIX) && /^\d{20}\.snapshot$/.test(n))
      .map(offsetFromFilename)
      .sort((a, b) => a - b);
  }

  /** Writes a snapshot at `mapEndOffset` (not fsynced; see flushSnapshot). Returns its path. */
  takeSnapshot(): string {
    const file = this.snapshotPath(this.mapEndOffset);
    const data = encodeProducerSnapshot(this.producers.values());
    const fd = this.fs.openSync(file, 'create');
    try {
      this.fs.ftruncateSync(fd, 0);
      writeFully(this.fs, fd, data, 0, data.length, 0);
    } finally {
      this.fs.closeSync(fd);
    }
    return file;
  }

  async flushSnapshot(file: string): Promise<void> {
    let fd: number;
    try {
      fd = this.fs.openSync(file, 'readWrite');
    } catch {
      return; // deleted meanwhile
    }
    try {
      await this.fs.fdatasync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /**
   * Loads the newest valid snapshot at or below `maxOffset` (newer ones are deleted, corrupt
   * ones logged and deleted). Returns its offset, or -1 with empty state.
   */
  loadLatestSnapshot(maxOffset: number, names?: readonly string[]): number {
    const offsets = this.snapshotOffsets(names);
    for (const o of offsets) if (o > maxOffset) this.fs.unlinkSync(this.snapshotPath(o));
    return this.loadSnapshotAtOrBelow(maxOffset, offsets, true);
  }

  /**
   * Loads the newest valid snapshot at or below `maxOffset` from `offsets` (the directory's
   * when absent), deleting corrupt ones only with `deleteCorrupt`; -1 with empty state when
   * there is none. Ongoing transactions come back with their producers (Kafka's
   * loadProducerEntry); completed ones are stable by then.
   */
  loadSnapshotAtOrBelow(maxOffset: number, offsets: readonly number[] = this.snapshotOffsets(), deleteCorrupt = false): number {
    this.producers.clear();
    this.txns.clear();
    for (let i = offsets.length - 1; i >= 0; i--) {
      const o = offsets[i]!;
      if (o > maxOffset) continue;
      const file = this.snapshotPath(o);
      try {
        const data = this.fs.readFileSync(file);
        if (data === null) continue;
        const entries = decodeProducerSnapshot(data);
        for (const e of entries) this.producers.set(e.producerId, e);
        const open = entries.filter((e) => e.currentTxnFirstOffset >= 0).sort((a, b) => a.currentTxnFirstOffset - b.currentTxnFirstOffset);
        for (const e of open) this.txns.begin(e.producerId, e.currentTxnFirstOffset);
        this.mapEndOffset = o;
        return o;
      } catch (e) {
        this.producers.clear();
        this.txns.clear();
        this.logger.warn(`failed to load producer snapshot ${file}: ${(e as Error).message}${deleteCorrupt ? '; deleting it' : ''}`);
        if (deleteCorrupt) this.fs.unlinkSync(file);
      }
    }
    this.mapEndOffset = 0;
    return -1;
  }

  /** Removes snapshots below `offset` except the newest one at or below it. */
  deleteSnapshotsBelow(offset: number): void {
    for (const o of this.snapshotOffsets()) if (o < offset) this.fs.unlinkSync(this.snapshotPath(o));
  }

  deleteSnapshotsAbove(offset: number): void {
    for (const o of this.snapshotOffsets()) if (o > offset) this.fs.unlinkSync(this.snapshotPath(o));
  }

  deleteSnapshot(offset: number): void {
    this.fs.unlinkSync(this.snapshotPath(offset));
  }

  /** Drops snapshots that match no segment, keeping the newest (Kafka's removeStraySnapshots). */
  removeStraySnapshots(segmentBaseOffsets: readonly number[], names?: readonly string[]): readonly string[] | undefined {
    const keep = new Set(segmentBaseOffsets);
    const offsets = this.snapshotOffsets(names);
    const newest = offsets[offsets.length - 1];
    let removed = false;
    for (const o of offsets) {
      if (!keep.has(o) && o !== newest) {
        this.fs.unlinkSync(this.snapshotPath(o));
        removed = true;
      }
    }
    // Leftovers of deferred deletion.
    for (const n of names ?? this.fs.readdirSync(this.dir)) {
      if (n.endsWith(SNAPSHOT_SUFFIX + DELETED_SUFFIX)) {
        this.fs.unlinkSync(path.join(this.dir, n));
        removed = true;
      }
    }
    return removed ? undefined : names;
  }

  truncateFullyAndStartAt(offset: number): void {
    this.producers.clear();
    this.txns.clear();
    for (const o of this.snapshotOffsets()) this.fs.unlinkSync(this.snapshotPath(o));
    this.mapEndOffset = offset;
  }

  /** Removes producers idle for `expirationMs` (Kafka's removeExpiredProducers); returns how many. */
  removeExpiredProducers(now: number, expirationMs: number): number {
    // Verifications that never completed linger no longer than producers do.
    this.verifications.removeExpired(now, expirationMs);
    return removeExpiredProducers(this.producers, now, expirationMs);
  }

  /** Drops producers whose last batch lies below `offset` (log start moved past them). */
  onLogStartOffsetIncremented(offset: number): void {
    this.txns.onLogStartOffsetIncremented(offset);
    for (const [id, e] of this.producers) if (e.lastOffset >= 0 && e.lastOffset < offset && e.currentTxnFirstOffset < 0) this.producers.delete(id);
  }
}

/**
 * Kafka's ProducerStateManager.isProducerExpired: idle for `producer.id.expiration.ms` (by the
 * timestamp of its last batch) and not in a transaction.
 */
export function isProducerExpired(entry: ProducerStateEntry, now: number, expirationMs: number): boolean {
  return entry.currentTxnFirstOffset < 0 && now - entry.timestamp >= expirationMs;
}

/** Removes expired producers from a partition's state (ProducerStateManager.removeExpiredProducers). */
export function removeExpiredProducers(producers: Map<number, ProducerStateEntry>, now: number, expirationMs: number): number {
  let removed = 0;
  for (const [id, e] of producers) {
    if (isProducerExpired(e, now, expirationMs)) {
      producers.delete(id);
      removed++;
    }
  }
  return removed;
}

/** Reads a snapshot file from disk; for tools and tests. */
export function readProducerSnapshotFile(fs: StorageFs, file: string): ProducerStateEntry[] {
  const fd = fs.openSync(file, 'read');
  try {
    const size = fs.fsizeSync(fd);
    const buf = Buffer.alloc(size);
    readFully(fs, fd, buf, 0, size, 0);
    return decodeProducerSnapshot(buf);
  } finally {
    fs.closeSync(fd);
  }
}
