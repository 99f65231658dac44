/**
 * The leader epochs of one partition and the offset each began at (Kafka's
 * LeaderEpochFileCache), kept in the partition directory's `leader-epoch-checkpoint` in Kafka's
 * checkpoint format:
 *
 *     0        <- version
 *     2        <- entry count
 *     0 0      <- epoch, start offset
 *     3 150
 *
 * A leader adds its epoch at its log end when it takes over; a follower adds each new epoch
 * it appends from the leader's batches. Truncating the log truncates the history with it.
 * The history answers OffsetForLeaderEpoch and the fetch path's diverging-epoch check, which
 * is how a follower finds where its log parted from the leader's (KIP-101, KIP-279).
 *
 * Every change is written at once (temporary file, fsync, rename): changes come with leader
 * changes and truncations, not with appends, so they are rare.
 */
import path from 'node:path';
import { CheckpointFormatError } from './checkpoint.js';
import { NodeFs, writeFileDurablySync, type StorageFs } from './fs/storage-fs.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
/** RecordBatch.NO_PARTITION_LEADER_EPOCH / LeaderEpochFileCache's UNDEFINED_EPOCH. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export function encodeLeaderEpochCheckpoint(entries: readonly EpochEntry[]): Buffer {
  const lines = ['0', String(entries.length)];
  for (const e of entries) lines.push(`${e.epoch} ${e.startOffset}`);
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

/** Parses the file; throws CheckpointFormatError when it is malformed. */
export function decodeLeaderEpochCheckpoint(data: Buffer, location: string): EpochEntry[] {
  const lines = data.toString('utf8').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return [];
  const bad = (line: string) => new CheckpointFormatError(`Malformed line in checkpoint file [${location}]: ${line}`);
  if (lines[0]!.trim() !== '0') throw new CheckpointFormatError(`Unrecognised version:${lines[0]}, expected version: 0 in checkpoint file at: ${location}`);
  const count = lines.length > 1 ? Number(lines[1]!.trim()) : 0;
  if (!Number.isSafeInteger(count)) throw bad(lines[1]!);
  const out: EpochEntry[] = [];
  for (let i = 2; i < lines.length; i++) {
    const parts = lines[i]!.trim().split(/\s+/);
    if (parts.length !== 2 || !/^\d+$/.test(parts[0]!) || !/^\d+$/.test(parts[1]!)) throw bad(lines[i]!);
    out.push({ epoch: Number(parts[0]), startOffset: Number(parts[1]) });
  }
  if (out.length !== count) throw new CheckpointFormatError(`Expected [${count}] entries in checkpoint file [${location}], but found only [${out.length}]`);
  return out;
}

export class LeaderEpochCache {
  readonly file: string;
  private readonly fs: StorageFs;
  /** Ascending in both epoch and start offset. */
  private entries: EpochEntry[];

  private constructor(fs: StorageFs, file: string, entries: EpochEntry[]) {
    this.fs = fs;
    this.file = file;
    this.entries = entries;
  }

  /** Reads `leader-epoch-checkpoint` in `dir` (an empty history when there is none). */
  static open(dir: string, fs: StorageFs = new NodeFs()): LeaderEpochCache {
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT);
    const data = fs.readFileSync(file);
    return new LeaderEpochCache(fs, file, data === null ? [] : decodeLeaderEpochCheckpoint(data, file));
  }

  /** True when the checkpoint file exists (the history was ever written). */
  get exists(): boolean {
    return this.fs.statSync(this.file) !== null;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The latest epoch, UNDEFINED_EPOCH when none. */
  get latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1]!.epoch;
  }

  /** The history, oldest first (a copy). */
  epochEntries(): EpochEntry[] {
    return [...this.entries];
  }

  /**
   * Records that `epoch` begins at `startOffset` (LeaderEpochFileCache.assign): nothing when it
   * is already the latest epoch from no later an offset; otherwise entries that conflict with
   * it (an epoch as high, or an offset as late) are dropped, so the history stays monotonic.
   */
  assign(epoch: number, startOffset: number): void {
    if (epoch < 0 || startOffset < 0) return;
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flush();
  }

  /**
   * Where `requested` ends (LeaderEpochFileCache.endOffsetFor): the latest epoch ends at
   * `logEndOffset`; an older one where the next known epoch starts, answered with the largest
   * known epoch not above it (or the requested one when it predates the history); an epoch
   * later than any known, or UNDEFINED_EPOCH, is undefined.
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEndOffset {
    const n = this.entries.length;
    if (requested === UNDEFINED_EPOCH || n === 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested === this.entries[n - 1]!.epoch) return { epoch: requested, endOffset: logEndOffset };
    let higher = -1;
    for (let i = 0; i < n; i++) {
      if (this.entries[i]!.epoch > requested) {
        higher = i;
        break;
      }
    }
    if (higher < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const next = this.entries[higher]!;
    if (higher === 0) return { epoch: requested, endOffset: next.startOffset };
    return { epoch: this.entries[higher - 1]!.epoch, endOffset: next.startOffset };
  }

  /** Drops the epochs that start at or after `endOffset` (the log was truncated to it). */
  truncateFromEnd(endOffset: number): void {
    if (endOffset < 0) return;
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.flush();
  }

  /**
   * The log now starts at `startOffset`: epochs wholly before it go, and the one it falls in
   * starts there (LeaderEpochFileCache.truncateFromStart).
   */
  truncateFromStart(startOffset: number): void {
    let lastBefore = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.startOffset <= startOffset) lastBefore = i;
    if (lastBefore < 0 || (lastBefore === 0 && this.entries[0]!.startOffset === startOffset)) return;
    const moved = { epoch: this.entries[lastBefore]!.epoch, startOffset };
    this.entries = [moved, ...this.entries.slice(lastBefore + 1)];
    this.flush();
  }

  /** Forgets everything (the log was emptied to start again at another offset). */
  clear(): void {
    if (this.entries.length === 0 && !this.exists) return;
    this.entries = [];
    this.flush();
  }

  private flush(): void {
    writeFileDurablySync(this.fs, this.file, encodeLeaderEpochCheckpoint(this.entries));
  }
}
