// Test support for the transaction coordinator: a __transaction_state kept in memory (as bytes,
// so the record format is exercised), a marker writer that fails on request, producer ids from a
// counter, and a coordinator on a fake clock whose timer the tests drive. No tests here.
import { pino } from 'pino';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { partitionFor } from '../../../src/coordinator/group/offsets-topic.js';
import { CoordinatorWriteError } from '../../../src/coordinator/group/sink.js';
import { defaultTransactionConfig, type TransactionConfig } from '../../../src/coordinator/txn/transaction-config.js';
import { TransactionCoordinator, type EndTxnResult } from '../../../src/coordinator/txn/transaction-coordinator.js';
import { keyToBytes, readTxnRecordKey, readTxnRecordValue, valueToBytes, type TxnLogRecord } from '../../../src/coordinator/txn/transaction-log.js';
import type { TxnMarkerEntry, TxnMarkerPartitionResult, TxnMarkerWriter } from '../../../src/coordinator/txn/transaction-marker-writer.js';
import { TransactionMetadata, type TxnTransitMetadata } from '../../../src/coordinator/txn/transaction-metadata.js';
import type { OwnedTxnPartition, TransactionStateLog } from '../../../src/coordinator/txn/transaction-state-log.js';
import { TopicPartitionSet } from '../../../src/coordinator/txn/topic-partitions.js';
import { TransactionResult, TransactionVersion, type TransactionState } from '../../../src/coordinator/txn/transaction-state.js';
import { ProducerIdsUnavailableError } from '../../../src/coordinator/txn/producer-id-manager.js';

export const silentLogger = pino({ level: 'silent' });

/** Lets every pending promise callback and immediate run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** __transaction_state in memory: records per partition, as bytes. */
export class MemoryTxnLog implements TransactionStateLog {
  readonly partitions = new Map<number, TxnLogRecord[]>();
  partitionCount: number;
  coordinatorEpoch = 0;
  /** Partitions this broker does not lead. */
  readonly notOwned = new Set<number>();
  /** Decides, for each append, the error to fail it with (null: succeed). */
  failIf: ((partition: number, records: readonly TxnLogRecord[]) => number | null) | null = null;
  /** While set, loads wait for it. */
  loadGate: Promise<void> | null = null;
  /** While set, appends wait for it before their records land. */
  appendGate: Promise<void> | null = null;
  appends = 0;

  constructor(partitionCount = 50) {
    this.partitionCount = partitionCount;
  }

  numPartitions(): number {
    return this.partitionCount;
  }

  ensure(): Promise<void> | null {
    return null;
  }

  ownedPartitions(): OwnedTxnPartition[] {
    const out: OwnedTxnPartition[] = [];
    for (let p = 0; p < this.partitionCount; p++) if (!this.notOwned.has(p)) out.push({ partition: p, coordinatorEpoch: this.coordinatorEpoch });
    return out;
  }

  async append(partition: number, records: readonly TxnLogRecord[]): Promise<void> {
    this.appends++;
    const error = this.failIf?.(partition, records) ?? null;
    if (error !== null) throw new CoordinatorWriteError(error, 'append failed');
    if (this.appendGate !== null) await this.appendGate;
    let list = this.partitions.get(partition);
    if (list === undefined) {
      list = [];
      this.partitions.set(partition, list);
    }
    for (const r of records) list.push({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value) });
  }

  async load(partition: number, replay: (r: TxnLogRecord) => void): Promise<void> {
    if (this.loadGate !== null) await this.loadGate;
    for (const r of this.partitions.get(partition) ?? []) replay(r);
  }

  /** Every record of a transactional id, decoded, in order (null: tombstone). */
  history(transactionalId: string): Array<TransactionMetadata | null> {
    const out: Array<TransactionMetadata | null> = [];
    for (const r of this.partitions.get(partitionFor(transactionalId, this.partitionCount)) ?? []) {
      if (readTxnRecordKey(r.key) === transactionalId) out.push(readTxnRecordValue(transactionalId, r.value));
    }
    return out;
  }

  /** The states written for an id, in order ('tombstone' for a deletion). */
  states(transactionalId: string): Array<TransactionState | 'tombstone'> {
    return this.history(transactionalId).map((m) => (m === null ? 'tombstone' : m.state));
  }

  /** Writes a record as if an earlier coordinator had (`transit` built from `metadata` fields). */
  seed(transit: TxnTransitMetadata, transactionalId: string, level = TransactionVersion.TV2): void {
    const p = partitionFor(transactionalId, this.partitionCount);
    const list = this.partitions.get(p) ?? [];
    list.push({ key: keyToBytes(transactionalId), value: valueToBytes(transit, level) });
    this.partitions.set(p, list);
  }
}

/** A transit for seeding a log: the state of `fields` as a TxnTransitMetadata. */
export function seedTransit(fields: Partial<TxnTransitMetadata> & { producerId: number; producerEpoch: number; txnState: TransactionState }): TxnTransitMetadata {
  return {
    prevProducerId: -1, nextProducerId: -1, lastProducerEpoch: -1, txnTimeoutMs: 60_000, topicPartitions: new TopicPartitionSet(),
    txnStartTimestamp: -1, txnLastUpdateTimestamp: 0, clientTransactionVersion: TransactionVersion.TV0, ...fields,
  };
}

/** Writes markers; answers the errors queued for a partition first. */
export class FakeMarkerWriter implements TxnMarkerWriter {
  readonly attempts: TxnMarkerEntry[] = [];
  /** Markers written: `${topic}-${partition}` → the entries that wrote there. */
  readonly written: Array<{ topic: string; partition: number; producerId: number; producerEpoch: number; result: TransactionResult }> = [];
  readonly failures = new Map<string, number[]>();
  readonly deleted = new Set<string>();
  /** Attempts to reject outright (a lost connection). */
  rejectNext = 0;
  /** While set, every attempt waits for it. */
  gate: Promise<void> | null = null;

  failPartition(topic: string, partition: number, ...errors: number[]): void {
    this.failures.set(`${topic}-${partition}`, errors);
  }

  hasPartition(topic: string, partition: number): boolean {
    return !this.deleted.has(`${topic}-${partition}`);
  }

  async writeMarkers(entry: TxnMarkerEntry): Promise<readonly TxnMarkerPartitionResult[]> {
    this.attempts.push(entry);
    if (this.gate !== null) await this.gate;
    if (this.rejectNext > 0) {
      this.rejectNext--;
      throw new Error('connection to the partition leader lost');
    }
    return entry.partitions.map((tp) => {
      const queue = this.failures.get(`${tp.topic}-${tp.partition}`);
      const error = queue?.shift();
      if (error !== undefined) return { ...tp, errorCode: error };
      this.written.push({ ...tp, producerId: entry.producerId, producerEpoch: entry.producerEpoch, result: entry.result });
      return { ...tp, errorCode: ErrorCode.NONE };
    });
  }
}

/** Producer ids 1000, 1001, ...; `failNext` makes the next calls fail as an unavailable block. */
export class CountingProducerIds {
  next = 1000;
  failNext = 0;
  async generateProducerId(): Promise<number> {
    await Promise.resolve();
    if (this.failNext > 0) {
      this.failNext--;
      throw new ProducerIdsUnavailableError('no block');
    }
    return this.next++;
  }
}

export interface Harness {
  coord: TransactionCoordinator;
  log: MemoryTxnLog;
  writer: FakeMarkerWriter;
  ids: CountingProducerIds;
  clock: ManualClock;
  /** Moves the fake clock, runs the deadlines that came due and lets what they started finish. */
  advance(ms: number): Promise<void>;
}

export interface HarnessOptions {
  config?: Partial<TransactionConfig>;
  log?: MemoryTxnLog;
  writer?: FakeMarkerWriter;
  ids?: CountingProducerIds;
  clock?: ManualClock;
  start?: boolean;
}

export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const log = options.log ?? new MemoryTxnLog();
  const writer = options.writer ?? new FakeMarkerWriter();
  const ids = options.ids ?? new CountingProducerIds();
  const clock = options.clock ?? new ManualClock(1_000_000);
  const coord = new TransactionCoordinator({
    config: defaultTransactionConfig(options.config),
    log,
    markerWriter: writer,
    producerIds: ids,
    groupPartitionFor: (groupId) => partitionFor(groupId, 50),
    logger: silentLogger,
    clock,
    driveTimer: false,
  });
  if (options.start !== false) {
    await coord.startup();
    await settle();
  }
  return {
    coord, log, writer, ids, clock,
    async advance(ms: number) {
      clock.advance(ms);
      coord.timer.poll();
      await settle();
    },
  };
}

export const TXN_TIMEOUT_MS = 60_000;

/** InitProducerId for a transactional id. */
export function init(coord: TransactionCoordinator, transactionalId: string, producerId = -1, producerEpoch = -1, timeoutMs = TXN_TIMEOUT_MS) {
  return coord.initProducerId({ transactionalId, transactionTimeoutMs: timeoutMs, producerId, producerEpoch });
}

export function partitions(...tps: Array<[string, number]>): TopicPartitionSet {
  return new TopicPartitionSet(tps.map(([topic, partition]) => ({ topic, partition })));
}

export function add(coord: TransactionCoordinator, transactionalId: string, producerId: number, producerEpoch: number, tps: Array<[string, number]>, tv = TransactionVersion.TV0) {
  return coord.addPartitionsToTransaction(transactionalId, producerId, producerEpoch, partitions(...tps), tv);
}

export function end(coord: TransactionCoordinator, transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, tv = TransactionVersion.TV0): Promise<EndTxnResult> {
  return coord.endTransaction(transactionalId, {
    producerId, producerEpoch, result: commit ? TransactionResult.Commit : TransactionResult.Abort, isFromClient: true, clientTransactionVersion: tv,
  });
}

/** The coordinator's metadata of an id (throws when it has none). */
export function meta(coord: TransactionCoordinator, transactionalId: string): TransactionMetadata {
  const m = coord.txnManager.getTransactionState(transactionalId).metadata;
  if (m === undefined) throw new Error(`no metadata for ${transactionalId}`);
  return m;
}
