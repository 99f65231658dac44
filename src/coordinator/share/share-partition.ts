/**
 * One share-partition (KIP-932, Kafka's SharePartition): a topic-partition as one share group
 * consumes it. It keeps the share-partition start offset (SPSO: every record before it is done
 * with) and the in-flight records from the SPSO up to the end offset (SPEO, exclusive here):
 * each with its delivery state, delivery count and, while acquired, the member holding it and
 * when its acquisition lock expires.
 *
 *   AVAILABLE ──acquire (count+1)──▶ ACQUIRED ──accept──▶ ACKNOWLEDGED
 *       ▲                               │ release / lock expiry: AVAILABLE, or ARCHIVED once
 *       └───────────────────────────────┘ the count reached group.share.delivery.count.limit
 *                                       │ reject, gap ──▶ ARCHIVED
 *
 * With a dead-letter queue (KIP-1191: share.version 2 and the group's
 * errors.deadletterqueue.topic.name), a reject and a release past the delivery count limit
 * go to ARCHIVING instead: the record waits there, neither deliverable nor done, until the
 * caller took it with `takeDeadLetters()`, wrote it to the queue (or failed to) and called
 * `deadLettered()`, which archives it.
 *
 * The SPSO moves past every leading ACKNOWLEDGED or ARCHIVED record. The in-flight window is
 * a set of parallel arrays indexed by offset: at most group.share.partition.max.record.locks
 * records (plus the rest of the last log batch acquired whole), so a scan of it is cheap and
 * nothing is allocated per record. The class is pure: time comes as `now`, log batches as
 * their offset ranges; the caller reads the log, persists `persisterBatches()` and drives
 * `expireLocks` from a timer at `nextLockDeadline()`.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  AcknowledgeType, RecordState, ShareAcquireMode, isTerminal,
  type PersistedShareState, type PersisterStateBatch,
} from './record-state.js';

export interface SharePartitionConfig {
  /** group.share.record.lock.duration.ms (share.record.lock.duration.ms for the group). */
  recordLockDurationMs: number;
  /** group.share.delivery.count.limit (share.delivery.count.limit). */
  deliveryCountLimit: number;
  /** group.share.partition.max.record.locks (share.partition.max.record.locks). */
  maxInFlightRecords: number;
  /** share.renew.acknowledge.enable. */
  renewAcknowledgeEnabled: boolean;
  /** share.version >= 2 and the group names a DLQ topic: rejected and exhausted records go to the DLQ (KIP-1191). */
  deadLetterQueue: boolean;
}

/** Why a record goes to the dead-letter queue (Kafka's ShareGroupDLQManager causes). */
export const enum DeadLetterReason {
  DeliveryCountExceeded = 0,
  Rejected = 1,
}

/** A run of ARCHIVING offsets to write to the dead-letter queue (Kafka's DlqBatch). */
export interface DeadLetterRun {
  firstOffset: number;
  lastOffset: number;
  deliveryCount: number;
  reason: DeadLetterReason;
}

/** A log batch as the caller read it: its offsets, and whether it is never delivered. */
export interface LogBatchRange {
  baseOffset: number;
  lastOffset: number;
  /** A control batch, or (read_committed) a batch of an aborted transaction: archived, not acquired. */
  skip: boolean;
}

/** A run of acquired offsets returned to a member (ShareFetch's AcquiredRecords). */
export interface AcquiredRecords {
  firstOffset: number;
  lastOffset: number;
  deliveryCount: number;
}

export interface AcknowledgementBatch {
  firstOffset: number;
  lastOffset: number;
  /** One type for the whole range, or one per offset. */
  acknowledgeTypes: readonly number[];
}

const NO_DEADLINE = Number.POSITIVE_INFINITY;

export class SharePartition {
  readonly groupId: string;
  readonly topicId: string;
  readonly partition: number;
  config: SharePartitionConfig;
  stateEpoch = 0;
  /** SPSO. */
  private start = 0;
  /** Records in flight: offsets start .. start + count - 1, at indexes head .. head + count - 1. */
  private count = 0;
  private head = 0;
  private states = new Uint8Array(64);
  private deliveryCounts = new Uint16Array(64);
  private lockDeadlines = new Float64Array(64);
  private owners: Array<string | null> = new Array<string | null>(64).fill(null);
  /** No lock expires before this (it may be earlier than the earliest one: then a scan finds none). */
  private earliestDeadline = NO_DEADLINE;
  /** ARCHIVING runs not yet handed to the caller, in the order they entered the state. */
  private deadLetters: DeadLetterRun[] = [];

  constructor(groupId: string, topicId: string, partition: number, config: SharePartitionConfig) {
    this.groupId = groupId;
    this.topicId = topicId;
    this.partition = partition;
    this.config = config;
  }

  /** Starts from persisted state: the SPSO and the in-flight batches past it (ACQUIRED never persists). */
  load(state: PersistedShareState): void {
    this.stateEpoch = state.stateEpoch;
    this.start = Math.max(0, state.startOffset);
    this.head = 0;
    this.count = 0;
    this.earliestDeadline = NO_DEADLINE;
    this.deadLetters = [];
    let end = this.start;
    for (const b of state.batches) end = Math.max(end, b.lastOffset + 1);
    this.ensureCapacity(end - this.start);
    // Offsets no batch names were never delivered: available, never counted.
    for (let o = this.start; o < end; o++) this.setSlot(this.count++, RecordState.Available, 0);
    for (const b of state.batches) {
      const persisted = b.deliveryState === RecordState.Acquired ? RecordState.Available : b.deliveryState;
      for (let o = Math.max(b.firstOffset, this.start); o <= b.lastOffset; o++) this.setSlot(o - this.start, persisted, b.deliveryCount);
      // Kafka's maybeResumeDlqArchiving: records left ARCHIVING go to the DLQ again, the
      // reason told by the count (at the limit: exhausted, else rejected).
      if (persisted === RecordState.Archiving && b.lastOffset >= this.start) {
        const reason = b.deliveryCount >= this.config.deliveryCountLimit ? DeadLetterReason.DeliveryCountExceeded : DeadLetterReason.Rejected;
        this.deadLetters.push({ firstOffset: Math.max(b.firstOffset, this.start), lastOffset: b.lastOffset, deliveryCount: b.deliveryCount, reason });
      }
    }
    this.advanceStartOffset();
  }

  get startOffset(): number {
    return this.start;
  }

  /** One past the last in-flight record (the next offset never fetched for this share group). */
  get endOffset(): number {
    return this.start + this.count;
  }

  get inFlightCount(): number {
    return this.count;
  }

  /** Where the next read of the log should start: the first AVAILABLE in-flight record, else the end offset. */
  nextFetchOffset(): number {
    for (let i = 0; i < this.count; i++) if (this.states[this.head + i] === RecordState.Available) return this.start + i;
    return this.start + this.count;
  }

  /** Whether an acquisition could return anything: a record in flight is available, or there is room for new ones. */
  canAcquire(): boolean {
    return this.count < this.config.maxInFlightRecords || this.nextFetchOffset() < this.endOffset;
  }

  stateOf(offset: number): RecordState | undefined {
    if (offset < this.start) return RecordState.Archived;
    if (offset >= this.start + this.count) return undefined;
    return this.states[this.head + offset - this.start] as RecordState;
  }

  deliveryCountOf(offset: number): number {
    if (offset < this.start || offset >= this.start + this.count) return 0;
    return this.deliveryCounts[this.head + offset - this.start]!;
  }

  ownerOf(offset: number): string | null {
    if (offset < this.start || offset >= this.start + this.count) return null;
    return this.owners[this.head + offset - this.start] ?? null;
  }

  /**
   * Acquires for `memberId` the available records of `batches` (log batches in offset order,
   * read from `fetchOffset`), at most `maxRecords` of them — in batch-optimized mode finishing
   * the log batch that reaches the limit — and no new records past the in-flight limit.
   * Offsets the log no longer has (between the batches read) and skipped batches are archived.
   * Returns the acquired runs, cut at log batch boundaries every `batchSize` records.
   */
  acquire(memberId: string, fetchOffset: number, batches: readonly LogBatchRange[], maxRecords: number, batchSize: number, mode: ShareAcquireMode, now: number): AcquiredRecords[] {
    const out: AcquiredRecords[] = [];
    if (maxRecords <= 0) return out;
    const deadline = now + this.config.recordLockDurationMs;
    const strict = mode === ShareAcquireMode.RecordLimit;
    let acquired = 0;
    let run: AcquiredRecords | null = null;
    let runSize = 0;
    let cursor = Math.max(fetchOffset, this.start);
    // Offsets between the end and where the caller read from were never found in the log.
    if (cursor > this.start + this.count) this.extendTo(cursor, RecordState.Archived);
    let stopped = false;
    for (const b of batches) {
      if (stopped || acquired >= maxRecords) break;
      if (b.lastOffset < cursor) continue;
      // Offsets between what was read and this batch are gone from the log.
      if (b.baseOffset > cursor) this.archiveMissing(cursor, b.baseOffset);
      let o = Math.max(b.baseOffset, cursor);
      for (; o <= b.lastOffset; o++) {
        if (o >= this.start + this.count) {
          // New records: a skipped batch joins archived; otherwise only while under the
          // in-flight limit, the whole batch at once unless the mode is strict.
          if (b.skip) {
            this.extendTo(b.lastOffset + 1, RecordState.Archived);
            o = b.lastOffset + 1;
            break;
          }
          if (this.count >= this.config.maxInFlightRecords || (strict && acquired >= maxRecords)) break;
          this.extendTo(strict ? o + 1 : b.lastOffset + 1);
        }
        const i = this.head + o - this.start;
        if (this.states[i] !== RecordState.Available) continue;
        if (b.skip) {
          this.states[i] = RecordState.Archived;
          continue;
        }
        if (strict && acquired >= maxRecords) break;
        const delivery = this.deliveryCounts[i]! + 1;
        this.states[i] = RecordState.Acquired;
        this.deliveryCounts[i] = delivery;
        this.owners[i] = memberId;
        this.lockDeadlines[i] = deadline;
        acquired++;
        if (run !== null && run.lastOffset === o - 1 && run.deliveryCount === delivery && (strict || o !== b.baseOffset || runSize < batchSize)) {
          run.lastOffset = o;
          runSize++;
        } else {
          run = { firstOffset: o, lastOffset: o, deliveryCount: delivery };
          runSize = 1;
          out.push(run);
        }
      }
      cursor = o;
      if (o <= b.lastOffset) stopped = true;
    }
    if (acquired > 0 && deadline < this.earliestDeadline) this.earliestDeadline = deadline;
    this.advanceStartOffset();
    return out;
  }

  /**
   * Applies a member's acknowledgements, all or none: INVALID_REQUEST for malformed batches
   * (ranges out of order or overlapping, a type list of the wrong length, an unknown type, or
   * renew while it is disabled), INVALID_RECORD_STATE when an offset is not acquired by the
   * member (its lock expired, another member holds it, or it is done with).
   */
  acknowledge(memberId: string, batches: readonly AcknowledgementBatch[], now: number): number {
    let previousLast = -1;
    for (const b of batches) {
      const n = b.lastOffset - b.firstOffset + 1;
      if (n <= 0 || b.firstOffset <= previousLast) return ErrorCode.INVALID_REQUEST;
      if (b.acknowledgeTypes.length !== 1 && b.acknowledgeTypes.length !== n) return ErrorCode.INVALID_REQUEST;
      for (const t of b.acknowledgeTypes) {
        if (t < AcknowledgeType.Gap || t > AcknowledgeType.Renew) return ErrorCode.INVALID_REQUEST;
        if (t === AcknowledgeType.Renew && !this.config.renewAcknowledgeEnabled) return ErrorCode.INVALID_REQUEST;
      }
      previousLast = b.lastOffset;
    }
    for (const b of batches) {
      if (b.firstOffset < this.start || b.lastOffset >= this.start + this.count) return ErrorCode.INVALID_RECORD_STATE;
      for (let o = b.firstOffset; o <= b.lastOffset; o++) {
        const i = this.head + o - this.start;
        if (this.states[i] !== RecordState.Acquired || this.owners[i] !== memberId) return ErrorCode.INVALID_RECORD_STATE;
      }
    }
    for (const b of batches) {
      const single = b.acknowledgeTypes.length === 1;
      for (let o = b.firstOffset; o <= b.lastOffset; o++) {
        const type = single ? b.acknowledgeTypes[0]! : b.acknowledgeTypes[o - b.firstOffset]!;
        this.applyAcknowledgement(this.head + o - this.start, type, now);
      }
    }
    this.advanceStartOffset();
    return ErrorCode.NONE;
  }

  /** Releases every record `memberId` holds (its share session closed or it left the group). Returns how many. */
  releaseMember(memberId: string): number {
    let released = 0;
    for (let i = this.head; i < this.head + this.count; i++) {
      if (this.states[i] === RecordState.Acquired && this.owners[i] === memberId) {
        this.release(i);
        released++;
      }
    }
    if (released > 0) this.advanceStartOffset();
    return released;
  }

  /** The earliest lock deadline (a lower bound), or Infinity when nothing is acquired. */
  nextLockDeadline(): number {
    return this.earliestDeadline;
  }

  /** Releases the records whose acquisition lock expired by `now`. Returns how many. */
  expireLocks(now: number): number {
    if (now < this.earliestDeadline) return 0;
    let expired = 0;
    let earliest = NO_DEADLINE;
    for (let i = this.head; i < this.head + this.count; i++) {
      if (this.states[i] !== RecordState.Acquired) continue;
      const d = this.lockDeadlines[i]!;
      if (d <= now) {
        this.release(i);
        expired++;
      } else if (d < earliest) {
        earliest = d;
      }
    }
    this.earliestDeadline = earliest;
    if (expired > 0) this.advanceStartOffset();
    return expired;
  }

  /**
   * The log start offset moved (retention, DeleteRecords): records before it are gone, so the
   * SPSO moves up to it, archiving what was in flight there.
   */
  updateLogStartOffset(logStartOffset: number): void {
    if (logStartOffset <= this.start) return;
    const inWindow = Math.min(logStartOffset, this.start + this.count);
    for (let o = this.start; o < inWindow; o++) this.states[this.head + o - this.start] = RecordState.Archived;
    this.advanceStartOffset();
    if (this.count === 0 && this.start < logStartOffset) {
      this.start = logStartOffset;
      this.head = 0;
    }
  }

  /** The ARCHIVING runs not handed out yet (each once): the caller writes them to the DLQ, then calls `deadLettered`. */
  takeDeadLetters(): DeadLetterRun[] {
    const out = this.deadLetters;
    if (out.length > 0) this.deadLetters = [];
    return out;
  }

  /**
   * A DLQ write of [first, last] ended, well or not (Kafka archives regardless): its records
   * still ARCHIVING become ARCHIVED. Returns whether any did.
   */
  deadLettered(firstOffset: number, lastOffset: number): boolean {
    let changed = false;
    const from = Math.max(firstOffset, this.start);
    const to = Math.min(lastOffset, this.start + this.count - 1);
    for (let o = from; o <= to; o++) {
      const i = this.head + o - this.start;
      if (this.states[i] === RecordState.Archiving) {
        this.states[i] = RecordState.Archived;
        changed = true;
      }
    }
    if (changed) this.advanceStartOffset();
    return changed;
  }

  /** Offsets at or past the SPSO whose delivery is complete (KIP-1226's DeliveryCompleteCount). */
  deliveryCompleteCount(): number {
    let n = 0;
    for (let i = this.head; i < this.head + this.count; i++) if (isTerminal(this.states[i] as RecordState)) n++;
    return n;
  }

  /** The in-flight state as runs to persist; an acquired record is written as available with its count. */
  persisterBatches(): PersisterStateBatch[] {
    const out: PersisterStateBatch[] = [];
    let cur: PersisterStateBatch | null = null;
    for (let k = 0; k < this.count; k++) {
      const i = this.head + k;
      const raw = this.states[i] as RecordState;
      const state = raw === RecordState.Acquired ? RecordState.Available : raw;
      const delivered = this.deliveryCounts[i]!;
      const offset = this.start + k;
      if (cur !== null && cur.deliveryState === state && cur.deliveryCount === delivered) {
        cur.lastOffset = offset;
      } else {
        cur = { firstOffset: offset, lastOffset: offset, deliveryState: state, deliveryCount: delivered };
        out.push(cur);
      }
    }
    return out;
  }

  /** What the persister should hold now. */
  persistedState(): PersistedShareState {
    return { stateEpoch: this.stateEpoch, startOffset: this.start, deliveryCompleteCount: this.deliveryCompleteCount(), batches: this.persisterBatches() };
  }

  private applyAcknowledgement(i: number, type: number, now: number): void {
    switch (type) {
      case AcknowledgeType.Accept:
        this.states[i] = RecordState.Acknowledged;
        this.owners[i] = null;
        break;
      case AcknowledgeType.Release:
        this.release(i);
        break;
      case AcknowledgeType.Renew: {
        const deadline = now + this.config.recordLockDurationMs;
        this.lockDeadlines[i] = deadline;
        if (deadline < this.earliestDeadline) this.earliestDeadline = deadline;
        break;
      }
      case AcknowledgeType.Reject:
        // SharePartition.recordStateWithDlq: a reject goes to the DLQ when the group has one.
        if (this.config.deadLetterQueue) this.toDeadLetter(i, DeadLetterReason.Rejected);
        else this.states[i] = RecordState.Archived;
        this.owners[i] = null;
        break;
      default:
        // A gap.
        this.states[i] = RecordState.Archived;
        this.owners[i] = null;
    }
  }

  /** An acquired record goes back: available again, or archived once its deliveries are used up. */
  private release(i: number): void {
    this.owners[i] = null;
    if (this.deliveryCounts[i]! < this.config.deliveryCountLimit) this.states[i] = RecordState.Available;
    else if (this.config.deadLetterQueue) this.toDeadLetter(i, DeadLetterReason.DeliveryCountExceeded);
    else this.states[i] = RecordState.Archived;
  }

  /** Slot `i` goes ARCHIVING, joining the last pending run when it continues it. */
  private toDeadLetter(i: number, reason: DeadLetterReason): void {
    this.states[i] = RecordState.Archiving;
    const offset = this.start + i - this.head;
    const count = this.deliveryCounts[i]!;
    const last = this.deadLetters.length > 0 ? this.deadLetters[this.deadLetters.length - 1]! : null;
    if (last !== null && last.lastOffset === offset - 1 && last.deliveryCount === count && last.reason === reason) last.lastOffset = offset;
    else this.deadLetters.push({ firstOffset: offset, lastOffset: offset, deliveryCount: count, reason });
  }

  /** Archives the available offsets in [from, to) that are in flight, and adds the ones past the end as archived. */
  private archiveMissing(from: number, to: number): void {
    const end = this.start + this.count;
    for (let o = from; o < Math.min(to, end); o++) {
      const i = this.head + o - this.start;
      if (this.states[i] === RecordState.Available) this.states[i] = RecordState.Archived;
    }
    if (to > end) this.extendTo(to, RecordState.Archived);
  }

  /** Adds offsets up to `end` (exclusive) to the window, in `state` with no delivery yet. */
  private extendTo(end: number, state: RecordState = RecordState.Available): void {
    const add = end - (this.start + this.count);
    if (add <= 0) return;
    this.ensureCapacity(this.count + add);
    for (let k = 0; k < add; k++) this.setSlot(this.count + k, state, 0);
    this.count += add;
  }

  private setSlot(k: number, state: RecordState, delivered: number): void {
    const i = this.head + k;
    this.states[i] = state;
    this.deliveryCounts[i] = delivered;
    this.lockDeadlines[i] = 0;
    this.owners[i] = null;
  }

  private advanceStartOffset(): void {
    while (this.count > 0 && isTerminal(this.states[this.head] as RecordState)) {
      this.owners[this.head] = null;
      this.head++;
      this.count--;
      this.start++;
    }
    if (this.count === 0) this.head = 0;
  }

  /** Room for `needed` records from the head: compacts to index 0 first, grows by doubling when that is not enough. */
  private ensureCapacity(needed: number): void {
    if (this.head + needed <= this.states.length) return;
    if (needed <= this.states.length) {
      this.states.copyWithin(0, this.head, this.head + this.count);
      this.deliveryCounts.copyWithin(0, this.head, this.head + this.count);
      this.lockDeadlines.copyWithin(0, this.head, this.head + this.count);
      this.owners.copyWithin(0, this.head, this.head + this.count);
      this.head = 0;
      return;
    }
    let cap = this.states.length * 2;
    while (cap < needed) cap *= 2;
    const states = new Uint8Array(cap);
    states.set(this.states.subarray(this.head, this.head + this.count));
    const counts = new Uint16Array(cap);
    counts.set(this.deliveryCounts.subarray(this.head, this.head + this.count));
    const deadlines = new Float64Array(cap);
    deadlines.set(this.lockDeadlines.subarray(this.head, this.head + this.count));
    const owners = new Array<string | null>(cap).fill(null);
    for (let k = 0; k < this.count; k++) owners[k] = this.owners[this.head + k] ?? null;
    this.states = states;
    this.deliveryCounts = counts;
    this.lockDeadlines = deadlines;
    this.owners = owners;
    this.head = 0;
  }
}
