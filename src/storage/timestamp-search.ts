/**
 * ListOffsets by timestamp over a partition's segments (Kafka's fetchOffsetByTimestamp):
 * the first segment whose largest timestamp reaches the target, then its time index, offset
 * index and batches, then the records of the first batch that can hold the answer. Record
 * decoding is asynchronous, so the log may change meanwhile; a search that loses its segment
 * says RESTART.
 */
import { PARTITION_LEADER_EPOCH_OFFSET } from './batch.js';
import { StorageError } from './errors.js';
import type { LogSegment, RecordTimestampFinder, TimestampAndOffset } from './log-segment.js';
import type { LogSegments } from './log-segments.js';
import type { LocalLog } from './local-log.js';
import { EARLIEST_LOCAL_TIMESTAMP, EARLIEST_PENDING_UPLOAD_TIMESTAMP, EARLIEST_TIMESTAMP, LATEST_TIERED_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from './partition-log-types.js';

export const RESTART = Symbol('restart');

export interface TimestampSearchHost {
  readonly segments: LogSegments;
  readonly logStartOffset: number;
  readonly isClosed: boolean;
}

/** What `fetchOffsetByTimestamp` reads of the log. */
export interface OffsetByTimestampHost extends TimestampSearchHost {
  readonly logEndOffset: number;
  readonly local: Pick<LocalLog, 'checkOnline' | 'fail'>;
}

/**
 * ListOffsets: the first offset whose timestamp is >= `timestamp`, or the special
 * timestamps (-1 latest, -2 earliest, -3 max timestamp, -4 earliest local, -5 latest tiered,
 * -6 earliest pending upload; without tiered storage the last two are offset -1, as Kafka's
 * UnifiedLog answers when remote storage is off).
 * null when no record has a timestamp that large. Asynchronous: records of compressed
 * batches are decoded to find the exact record.
 */
export async function fetchOffsetByTimestamp(log: OffsetByTimestampHost, timestamp: number, finder: RecordTimestampFinder): Promise<TimestampAndOffset | null> {
  log.local.checkOnline();
  switch (timestamp) {
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP:
      return { timestamp: -1, offset: log.logStartOffset, leaderEpoch: -1 };
    case LATEST_TIMESTAMP:
      return { timestamp: -1, offset: log.logEndOffset, leaderEpoch: -1 };
    case LATEST_TIERED_TIMESTAMP:
    case EARLIEST_PENDING_UPLOAD_TIMESTAMP:
      return { timestamp: -1, offset: -1, leaderEpoch: -1 };
  }
  if (timestamp < 0 && timestamp !== MAX_TIMESTAMP) throw new StorageError('INVALID_REQUEST', `invalid timestamp ${timestamp}`);
  // The log may change while a batch is decoded; a search that loses its segment starts over.
  for (let attempt = 0; attempt < 3; attempt++) {
    let r;
    try {
      r = await searchByTimestamp(log, timestamp, finder);
    } catch (e) {
      log.local.fail('searching by timestamp in', e);
    }
    if (r !== RESTART) return r;
  }
  return null;
}

/** One search for `timestamp` (or MAX_TIMESTAMP); I/O errors are thrown to the caller. */
export async function searchByTimestamp(
  log: TimestampSearchHost,
  timestamp: number,
  finder: RecordTimestampFinder,
): Promise<TimestampAndOffset | null | typeof RESTART> {
  let target = timestamp;
  let candidates: LogSegment[];
  if (timestamp === MAX_TIMESTAMP) {
    let best: LogSegment | null = null;
    for (const s of log.segments.values()) if (best === null || s.maxTimestampSoFar > best.maxTimestampSoFar) best = s;
    if (best === null || best.maxTimestampSoFar < 0) return null;
    target = best.maxTimestampSoFar;
    candidates = [best];
  } else {
    candidates = log.segments.values().filter((s) => s.size > 0 && s.largestTimestamp() >= target);
  }
  for (const seg of candidates) {
    const minOffset = Math.max(log.logStartOffset, seg.baseOffset);
    let pos = seg.timestampSearchStart(target, minOffset);
    for (;;) {
      const cand = seg.nextTimestampCandidate(target, minOffset, pos);
      if (cand === null) break;
      let found;
      try {
        found = await finder(cand.batch, target, minOffset);
      } catch (e) {
        throw new StorageError('CORRUPT_MESSAGE', `cannot decode the batch at ${pos} of ${seg.logFile.path}: ${(e as Error).message}`, { cause: e });
      }
      if (log.isClosed || log.segments.get(seg.baseOffset) !== seg) return RESTART;
      if (found !== null) {
        return { timestamp: found.timestamp, offset: found.offset, leaderEpoch: cand.batch.readInt32BE(PARTITION_LEADER_EPOCH_OFFSET) };
      }
      pos = cand.next;
    }
  }
  return null;
}
