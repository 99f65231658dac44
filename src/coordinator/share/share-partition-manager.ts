/**
 * The share-partitions this broker leads (Kafka's SharePartitionManager, less the fetching):
 * each loaded once from the persister when a share consumer first needs it — its start offset
 * from share.auto.offset.reset when it has no state yet — and reloaded when the
 * topic-partition's leader epoch changes; acquisitions under locks that one coordinator timer
 * entry per share-partition expires; acknowledgements and releases written through to the
 * persister before they are answered.
 *
 * Records that go ARCHIVING (KIP-1191's dead-letter queue) are handed to the host's DLQ writer
 * once their state is written; when that write ends, well or not, they are archived and the
 * state written again (SharePartition.initiateDLQAndArchive).
 *
 * A failed write leaves the change applied in memory and answers the write's error (Kafka
 * rolls the change back); every write carries the whole in-flight state, so the next write
 * that succeeds makes the durable state whole again.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Clock } from '../../storage/clock.js';
import { StorageError } from '../../storage/errors.js';
import type { DeadlineTimer } from '../group/timer.js';
import type { AutoOffsetReset } from '../group/group-configs.js';
import type { ShareAcquireMode } from './record-state.js';
import { SharePartition, type AcknowledgementBatch, type DeadLetterRun, type AcquiredRecords, type LogBatchRange, type SharePartitionConfig } from './share-partition.js';
import type { ShareStatePersister } from './share-state-persister.js';
import { stateKey, type SharePartitionKey } from './share-state-records.js';

/** What the broker knows of a topic-partition it may lead. */
export interface LedPartitionInfo {
  leaderEpoch: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface SharePartitionHost {
  /** The partition as its leader sees it, or undefined when this broker does not lead it. */
  ledPartition(topicId: string, partition: number): LedPartitionInfo | undefined;
  /** The group's share-partition settings (broker defaults overridden by the group's configs). */
  groupSettings(groupId: string): { partition: SharePartitionConfig; autoOffsetReset: AutoOffsetReset };
  /**
   * The first offset below the high watermark whose record's timestamp is >= `timestamp`
   * (ListOffsets by timestamp, as a read_uncommitted consumer sees it); null when there is none.
   * Throws the log's StorageErrors.
   */
  offsetForTimestamp(topicId: string, partition: number, timestamp: number): Promise<number | null>;
  /**
   * Writes a run of records to the group's dead-letter queue (Kafka's ShareGroupDLQManager.enqueue).
   * Rejects when the write fails; the records are archived either way.
   */
  writeDeadLetters(key: SharePartitionKey, run: DeadLetterRun): Promise<void>;
  /** Whether the group dead-letters now (share.version 2 and a DLQ topic): read at each change, as Kafka does. */
  deadLetterQueueEnabled(groupId: string): boolean;
}

interface Entry {
  key: SharePartitionKey;
  leaderEpoch: number;
  sp: SharePartition;
}

export type LoadedSharePartition = { errorCode: number; sp: SharePartition | null };

export class SharePartitionManager {
  private readonly persister: ShareStatePersister;
  private readonly timer: DeadlineTimer;
  private readonly clock: Clock;
  private readonly host: SharePartitionHost;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<LoadedSharePartition>>();
  /** Told when expired locks made records available again. */
  onRecordsReleased: () => void = () => {};

  constructor(persister: ShareStatePersister, timer: DeadlineTimer, clock: Clock, host: SharePartitionHost, logger: Logger) {
    this.persister = persister;
    this.timer = timer;
    this.clock = clock;
    this.host = host;
    this.logger = logger;
  }

  /** The loaded share-partition, or null (NOT_LEADER_OR_FOLLOWER, a persister error) — synchronous, for the fetch path. */
  loaded(key: SharePartitionKey): SharePartition | null {
    const e = this.entries.get(stateKey(key));
    if (e === undefined) return null;
    const info = this.host.ledPartition(key.topicId, key.partition);
    if (info === undefined || info.leaderEpoch !== e.leaderEpoch) return null;
    return e.sp;
  }

  /** The share-partition, loading it first when needed. */
  async partition(key: SharePartitionKey): Promise<LoadedSharePartition> {
    const sp = this.loaded(key);
    if (sp !== null) return { errorCode: ErrorCode.NONE, sp };
    const k = stateKey(key);
    let p = this.loading.get(k);
    if (p === undefined) {
      p = this.load(key).finally(() => this.loading.delete(k));
      this.loading.set(k, p);
    }
    return p;
  }

  /** Acquires for a member from the log batches read at `fetchOffset` (see SharePartition.acquire). */
  acquire(sp: SharePartition, memberId: string, fetchOffset: number, batches: readonly LogBatchRange[], maxRecords: number, batchSize: number, mode: ShareAcquireMode): AcquiredRecords[] {
    const out = sp.acquire(memberId, fetchOffset, batches, maxRecords, batchSize, mode, this.clock.now());
    if (out.length > 0) this.scheduleLockExpiry(sp);
    return out;
  }

  /** Applies a member's acknowledgements and writes the state; the error of either. */
  async acknowledge(key: SharePartitionKey, memberId: string, batches: readonly AcknowledgementBatch[]): Promise<number> {
    const { errorCode, sp } = await this.partition(key);
    if (sp === null) return errorCode;
    sp.config.deadLetterQueue = this.host.deadLetterQueueEnabled(key.groupId);
    const code = sp.acknowledge(memberId, batches, this.clock.now());
    if (code !== ErrorCode.NONE) return code;
    this.scheduleLockExpiry(sp);
    const written = await this.persist(key);
    this.sendDeadLetters(key, sp);
    return written;
  }

  /** Releases what a member holds on the share-partition (its share session closed); writes when anything changed. */
  async releaseMember(key: SharePartitionKey, memberId: string): Promise<number> {
    const sp = this.loaded(key);
    if (sp === null) return ErrorCode.NONE;
    sp.config.deadLetterQueue = this.host.deadLetterQueueEnabled(key.groupId);
    if (sp.releaseMember(memberId) === 0) return ErrorCode.NONE;
    const written = await this.persist(key);
    this.sendDeadLetters(key, sp);
    return written;
  }

  /** Forgets a share-partition (its leadership moved, or its state was deleted). */
  unload(key: SharePartitionKey): void {
    const k = stateKey(key);
    this.entries.delete(k);
    this.timer.cancel(lockKey(k));
  }

  /** Forgets the share-partitions of a topic (it was deleted). */
  unloadTopic(topicId: string): void {
    for (const e of [...this.entries.values()]) if (e.key.topicId === topicId) this.unload(e.key);
  }

  private async load(key: SharePartitionKey): Promise<LoadedSharePartition> {
    const info = this.host.ledPartition(key.topicId, key.partition);
    if (info === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, sp: null };
    const read = await this.persister.read(key, info.leaderEpoch);
    if (read.errorCode !== ErrorCode.NONE) return { errorCode: read.errorCode, sp: null };
    const settings = this.host.groupSettings(key.groupId);
    const state = read.state;
    // No state yet: share.auto.offset.reset places the start offset (SharePartition.startOffsetDuringInitialization).
    const reset = state === null || state.startOffset < 0 ? settings.autoOffsetReset : null;
    let byTimestamp: number | null = null;
    if (reset?.kind === 'by_duration') {
      try {
        byTimestamp = await this.host.offsetForTimestamp(key.topicId, key.partition, this.clock.now() - reset.durationMs);
      } catch (err) {
        if (err instanceof StorageError) return { errorCode: err.errorCode, sp: null };
        throw err;
      }
      // Kafka's initialization fails (OffsetNotAvailableException) and the next fetch tries again.
      if (byTimestamp === null) return { errorCode: ErrorCode.OFFSET_NOT_AVAILABLE, sp: null };
    }
    // Leadership may have moved while the state was read.
    const now = this.host.ledPartition(key.topicId, key.partition);
    if (now === undefined || now.leaderEpoch !== info.leaderEpoch) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, sp: null };
    const sp = new SharePartition(key.groupId, key.topicId, key.partition, settings.partition);
    if (reset !== null) {
      const startOffset = reset.kind === 'earliest' ? now.logStartOffset : reset.kind === 'latest' ? now.logEndOffset : byTimestamp!;
      sp.load({ stateEpoch: state?.stateEpoch ?? 0, startOffset, deliveryCompleteCount: 0, batches: [] });
    } else {
      sp.load(state!);
    }
    sp.updateLogStartOffset(now.logStartOffset);
    this.entries.set(stateKey(key), { key, leaderEpoch: now.leaderEpoch, sp });
    // Records the last leader left ARCHIVING go to the DLQ again (maybeResumeDlqArchiving).
    this.sendDeadLetters(key, sp);
    return { errorCode: ErrorCode.NONE, sp };
  }

  private async persist(key: SharePartitionKey): Promise<number> {
    const e = this.entries.get(stateKey(key));
    if (e === undefined) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const code = await this.persister.write(key, e.leaderEpoch, e.sp.persistedState());
    if (code === ErrorCode.FENCED_LEADER_EPOCH || code === ErrorCode.FENCED_STATE_EPOCH) {
      // Someone newer owns the state: read it again before serving the share-partition.
      this.unload(key);
    }
    if (code !== ErrorCode.NONE) this.logger.warn({ groupId: key.groupId, topicId: key.topicId, partition: key.partition, errorCode: code }, 'share-partition state write failed');
    return code;
  }

  /** Hands the share-partition's new ARCHIVING runs to the DLQ writer; each archived when its write ends. */
  private sendDeadLetters(key: SharePartitionKey, sp: SharePartition): void {
    for (const run of sp.takeDeadLetters()) {
      this.host.writeDeadLetters(key, run).then(
        () => this.deadLettered(key, sp, run),
        (err: unknown) => {
          // Kafka: "Failed to write to DLQ, proceeding to ARCHIVED regardless."
          this.logger.error({ err, groupId: key.groupId, topicId: key.topicId, partition: key.partition, firstOffset: run.firstOffset, lastOffset: run.lastOffset }, 'Failed to write to DLQ, proceeding to ARCHIVED regardless.');
          this.deadLettered(key, sp, run);
        },
      );
    }
  }

  private deadLettered(key: SharePartitionKey, sp: SharePartition, run: DeadLetterRun): void {
    // A share-partition reloaded since (a new leader epoch) resumes its ARCHIVING records itself.
    if (this.entries.get(stateKey(key))?.sp !== sp) return;
    if (sp.deadLettered(run.firstOffset, run.lastOffset)) void this.persist(key);
  }

  /** One timer entry per share-partition, at its earliest lock deadline. */
  private scheduleLockExpiry(sp: SharePartition): void {
    const deadline = sp.nextLockDeadline();
    const k = stateKey(sp);
    if (deadline === Number.POSITIVE_INFINITY) {
      this.timer.cancel(lockKey(k));
      return;
    }
    this.timer.schedule(lockKey(k), deadline - this.clock.now(), () => this.expire(sp));
  }

  private expire(sp: SharePartition): void {
    const key: SharePartitionKey = { groupId: sp.groupId, topicId: sp.topicId, partition: sp.partition };
    if (this.entries.get(stateKey(key))?.sp !== sp) return;
    sp.config.deadLetterQueue = this.host.deadLetterQueueEnabled(key.groupId);
    if (sp.expireLocks(this.clock.now()) > 0) {
      void this.persist(key).then(() => this.sendDeadLetters(key, sp));
      this.onRecordsReleased();
    }
    this.scheduleLockExpiry(sp);
  }
}

function lockKey(k: string): string {
  return `share-lock-${k}`;
}
