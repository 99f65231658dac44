/**
 * Kafka's checkpoint files in each log directory, read and written in Kafka's text format
 * (CheckpointFile / OffsetCheckpointFile):
 *
 *     0            <- version
 *     2            <- entry count
 *     topic 0 42   <- topic, partition, offset
 *     topic 1 17
 *
 * `recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`,
 * `replication-offset-checkpoint` and `cleaner-offset-checkpoint` all use it. Writes go to a
 * temporary file, are fsynced, then renamed over the old one. The clean-shutdown marker
 * `.kafka_cleanshutdown` holds Kafka's JSON (`{"version":0,"brokerEpoch":N}`).
 */
import path from 'node:path';
import { writeFileDurably, writeFileDurablySync, type StorageFs } from './fs/storage-fs.js';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

/** `topic-partition`, the key used for partitions in maps (and the directory name). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Kafka's `<topic>-<partition>` directory name parsed (topic may contain '-'); null when not one. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0 || dash === name.length - 1) return null;
  const part = name.slice(dash + 1);
  if (!/^\d+$/.test(part)) return null;
  return { topic: name.slice(0, dash), partition: Number(part) };
}

export function encodeOffsetCheckpoint(entries: ReadonlyMap<string, number> | Iterable<[string, number]>): Buffer {
  const list = [...entries];
  const lines = ['0', String(list.length)];
  for (const [key, offset] of list) {
    const p = parsePartitionDirName(key);
    if (!p) throw new Error(`not a topic-partition key: ${key}`);
    lines.push(`${p.topic} ${p.partition} ${offset}`);
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

/** Parses a checkpoint file into `topic-partition` -> offset. Throws CheckpointFormatError. */
export function decodeOffsetCheckpoint(data: Buffer, location = 'checkpoint'): Map<string, number> {
  const text = data.toString('utf8');
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out = new Map<string, number>();
  if (lines.length === 0) return out;
  const toInt = (s: string): number => {
    if (!/^-?\d+$/.test(s.trim())) throw new CheckpointFormatError(`Malformed line in checkpoint file [${location}]: ${s}`);
    return Number(s.trim());
  };
  const version = toInt(lines[0]!);
  if (version !== 0) throw new CheckpointFormatError(`Unrecognised version:${version}, expected version: 0 in checkpoint file at: ${location}`);
  if (lines.length === 1) return out;
  const expected = toInt(lines[1]!);
  for (let i = 2; i < lines.length; i++) {
    const parts = lines[i]!.trim().split(/\s+/);
    if (parts.length !== 3 || !/^\d+$/.test(parts[1]!) || !/^-?\d+$/.test(parts[2]!)) {
      throw new CheckpointFormatError(`Malformed line in checkpoint file [${location}]: ${lines[i]}`);
    }
    out.set(partitionKey(parts[0]!, Number(parts[1])), Number(parts[2]));
  }
  if (lines.length - 2 !== expected) {
    throw new CheckpointFormatError(`Expected [${expected}] entries in checkpoint file [${location}], but found only [${lines.length - 2}]`);
  }
  return out;
}

/** One checkpoint file of a log directory. */
export class OffsetCheckpointFile {
  readonly file: string;
  /** Settles when the last write begun has ended. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly fs: StorageFs,
    dir: string,
    name: string,
  ) {
    this.file = path.join(dir, name);
  }

  /** Entries of the file; empty when missing. Throws CheckpointFormatError when malformed. */
  read(): Map<string, number> {
    const data = this.fs.readFileSync(this.file);
    return data === null ? new Map() : decodeOffsetCheckpoint(data, this.file);
  }

  /**
   * Writes go one after another, in call order (Kafka's CheckpointFile holds a lock): two at
   * once would share the temporary file, and the second rename would fail or install a file
   * the first was still writing. The periodic task and a follower's truncation both write.
   */
  write(entries: ReadonlyMap<string, number>): Promise<void> {
    const data = encodeOffsetCheckpoint(entries);
    const done = this.writing.then(() => writeFileDurably(this.fs, this.file, data));
    this.writing = done.catch(() => {});
    return done;
  }

  writeSync(entries: ReadonlyMap<string, number>): void {
    writeFileDurablySync(this.fs, this.file, encodeOffsetCheckpoint(entries));
  }
}

export function writeCleanShutdownFile(fs: StorageFs, dir: string, brokerEpoch = -1): void {
  writeFileDurablySync(fs, path.join(dir, CLEAN_SHUTDOWN_FILE), Buffer.from(JSON.stringify({ version: 0, brokerEpoch }), 'utf8'));
}

/**
 * The broker epoch a directory's clean-shutdown marker records (Kafka's
 * CleanShutdownFileHandler.read), or -1 when the marker is absent or unreadable, without
 * removing it: the broker registers (with this as its previous epoch) before the logs load.
 */
export function readCleanShutdownEpoch(fs: StorageFs, dir: string): number {
  const data = fs.readFileSync(path.join(dir, CLEAN_SHUTDOWN_FILE));
  if (data === null) return -1;
  try {
    const parsed = JSON.parse(data.toString('utf8')) as { brokerEpoch?: unknown };
    return typeof parsed.brokerEpoch === 'number' && Number.isSafeInteger(parsed.brokerEpoch) ? parsed.brokerEpoch : -1;
  } catch {
    return -1;
  }
}

/**
 * LogManager.readBrokerEpochFromCleanShutdownFiles: the epoch every directory's marker agrees
 * on, else -1 (a directory without a readable marker, or two that differ).
 */
export function previousBrokerEpoch(fs: StorageFs, dirs: readonly string[]): number {
  let epoch = -1;
  for (const dir of dirs) {
    const e = readCleanShutdownEpoch(fs, dir);
    if (e === -1 || (epoch !== -1 && e !== epoch)) return -1;
    epoch = e;
  }
  return epoch;
}

/** True when the marker existed; it is removed, so a crash during start-up counts as unclean (KAFKA-10471). */
export function consumeCleanShutdownFile(fs: StorageFs, dir: string): boolean {
  const file = path.join(dir, CLEAN_SHUTDOWN_FILE);
  if (fs.statSync(file) === null) return false;
  fs.unlinkSync(file);
  fs.fsyncDirSync(dir);
  return true;
}
