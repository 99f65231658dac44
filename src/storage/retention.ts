/**
 * Which old segments retention deletes (Kafka's deleteOldSegments / deletableSegments):
 * segments wholly below the log start offset always; with `cleanup.policy` delete or
 * compact,delete, the oldest beyond `retention.bytes` and those whose newest record is older
 * than `retention.ms` (the file's modification time when it has no timestamps). Only a
 * leading run of segments goes, never data at or past the high watermark, never an empty
 * last segment.
 */
import { isDeletePolicy, type LogConfig } from './config.js';
import type { LogSegment } from './log-segment.js';
import type { LogSegments } from './log-segments.js';

export type SegmentPredicate = (segment: LogSegment, next: LogSegment | undefined) => boolean;

export interface RetentionRule {
  reason: string;
  /** Built when the rule runs, after earlier rules moved the log start offset. */
  predicate(): SegmentPredicate;
}

export interface RetentionHost {
  readonly config: LogConfig;
  readonly logStartOffset: number;
  readonly size: number;
}

export function retentionRules(log: RetentionHost, now: number): RetentionRule[] {
  const rules: RetentionRule[] = [
    { reason: 'log start offset breach', predicate: () => (_s, next) => next !== undefined && next.baseOffset <= log.logStartOffset },
  ];
  if (!isDeletePolicy(log.config)) return rules;
  const retentionBytes = log.config['retention.bytes'];
  if (retentionBytes >= 0) {
    rules.push({
      reason: 'retention size breach',
      predicate: () => {
        let diff = log.size - retentionBytes;
        return (s) => {
          if (diff > 0 && diff - s.size >= 0) {
            diff -= s.size;
            return true;
          }
          return false;
        };
      },
    });
  }
  const retentionMs = log.config['retention.ms'];
  if (retentionMs >= 0) rules.push({ reason: 'retention time breach', predicate: () => (s) => now - s.largestTimestamp() > retentionMs });
  return rules;
}

/** The leading segments matching `predicate` whose offsets all lie below the high watermark. */
export function deletableSegments(list: readonly LogSegment[], highWatermark: number, logEndOffset: number, predicate: SegmentPredicate): LogSegment[] {
  const out: LogSegment[] = [];
  for (let i = 0; i < list.length; i++) {
    const seg = list[i]!;
    const next = list[i + 1];
    const upperBound = next !== undefined ? next.baseOffset : logEndOffset;
    const lastAndEmpty = next === undefined && seg.size === 0;
    if (highWatermark >= upperBound && !lastAndEmpty && predicate(seg, next)) out.push(seg);
    else break;
  }
  return out;
}

/** What choosing the segments to delete reads of the log (PartitionLog). */
export interface RetentionLog {
  readonly segments: LogSegments;
  readonly highWatermark: number;
  readonly logEndOffset: number;
  roll(): LogSegment;
}

/**
 * The segments `predicate` lets go now (deletableSegments), never every segment: when all
 * match, the log rolls first (a no-op when the active one is empty) and keeps the new one.
 */
export function segmentsToDelete(log: RetentionLog, predicate: SegmentPredicate): LogSegment[] {
  const deletable = deletableSegments(log.segments.values(), log.highWatermark, log.logEndOffset, predicate);
  if (deletable.length === 0 || deletable.length < log.segments.count) return deletable;
  const fresh = log.roll();
  return deletable[deletable.length - 1] === fresh ? deletable.slice(0, -1) : deletable;
}
