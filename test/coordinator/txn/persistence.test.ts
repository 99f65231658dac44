import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import * as TransactionLogValue from '../../../src/protocol/generated/internal/transaction-log-value.js';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { silentLogger as storageLogger } from '../../../src/storage/logger.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { partitionFor } from '../../../src/coordinator/group/offsets-topic.js';
import { CoordinatorWriteError } from '../../../src/coordinator/group/sink.js';
import { defaultTransactionConfig } from '../../../src/coordinator/txn/transaction-config.js';
import { TransactionCoordinator } from '../../../src/coordinator/txn/transaction-coordinator.js';
import { keyToBytes, TRANSACTION_STATE_TOPIC } from '../../../src/coordinator/txn/transaction-log.js';
import { TransactionStateTopic, type TransactionStateTopicHost } from '../../../src/coordinator/txn/transaction-state-topic.js';
import { TransactionState, TransactionVersion } from '../../../src/coordinator/txn/transaction-state.js';
import { add, CountingProducerIds, end, FakeMarkerWriter, harness, init, meta, MemoryTxnLog, settle, silentLogger } from './helpers.js';

test('a restarted coordinator rebuilds every transactional id from the log', async () => {
  const log = new MemoryTxnLog();
  const ids = new CountingProducerIds();
  const first = await harness({ log, ids });
  await init(first.coord, 'committed');
  await add(first.coord, 'committed', 1000, 0, [['t', 0]]);
  await end(first.coord, 'committed', 1000, 0, true, TransactionVersion.TV2);
  await init(first.coord, 'ongoing');
  await add(first.coord, 'ongoing', 1001, 0, [['t', 1], ['u', 2]]);
  await init(first.coord, 'empty');
  await settle();
  first.coord.shutdown();

  const second = await harness({ log, ids, clock: first.clock });
  const c = meta(second.coord, 'committed');
  assert.equal(c.state, TransactionState.CompleteCommit);
  assert.equal(c.producerEpoch, 1);
  assert.equal(c.clientTransactionVersion, TransactionVersion.TV2);
  const o = meta(second.coord, 'ongoing');
  assert.equal(o.state, TransactionState.Ongoing);
  assert.deepEqual([...o.topicPartitions].map((tp) => `${tp.topic}-${tp.partition}`), ['t-1', 'u-2']);
  assert.equal(o.txnTimeoutMs, 60_000);
  assert.equal(meta(second.coord, 'empty').state, TransactionState.Empty);
  // The restored state serves: the ongoing transaction commits with its producer.
  assert.equal((await end(second.coord, 'ongoing', 1001, 0, true)).errorCode, ErrorCode.NONE);
  await settle();
  assert.equal(meta(second.coord, 'ongoing').state, TransactionState.CompleteCommit);
  assert.equal((await init(second.coord, 'empty')).producerEpoch, 1);
});

test('a transaction left prepared by a crash gets its markers and completion after the restart', async () => {
  const log = new MemoryTxnLog();
  const ids = new CountingProducerIds();
  const first = await harness({ log, ids });
  first.writer.gate = new Promise(() => {}); // the markers never get out
  await init(first.coord, 'tx');
  await add(first.coord, 'tx', 1000, 0, [['t', 0], ['t', 1]]);
  await end(first.coord, 'tx', 1000, 0, false);
  assert.deepEqual(log.states('tx').at(-1), TransactionState.PrepareAbort);
  first.coord.shutdown();

  const writer = new FakeMarkerWriter();
  const second = await harness({ log, ids, writer, clock: first.clock });
  assert.deepEqual(writer.written.map((w) => `${w.topic}-${w.partition}:${w.result}`), ['t-0:0', 't-1:0']);
  assert.equal(meta(second.coord, 'tx').state, TransactionState.CompleteAbort);
  assert.equal(log.states('tx').at(-1), TransactionState.CompleteAbort);
});

test('tombstones and unreadable records are handled while loading', async () => {
  const log = new MemoryTxnLog();
  const first = await harness({ log, config: { transactionalIdExpirationMs: 1, removeExpiredTransactionalIdsIntervalMs: 10, abortTimedOutTransactionsIntervalMs: 1_000_000 } });
  await init(first.coord, 'gone');
  await init(first.coord, 'kept', -1, -1, 900_000);
  await add(first.coord, 'kept', 1001, 0, [['t', 0]]);
  await first.advance(10);
  assert.deepEqual(log.states('gone'), [TransactionState.Empty, 'tombstone']);
  const p = partitionFor('kept', 50);
  log.partitions.get(p)!.push({ key: Buffer.from([0, 9, 1, 2]), value: Buffer.from([1]) });
  log.partitions.get(p)!.push({ key: keyToBytes('kept'), value: Buffer.from([0, 7, 1]) });
  first.coord.shutdown();
  const second = await harness({ log, clock: first.clock });
  assert.equal(second.coord.describeTransaction('gone').errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  assert.equal(meta(second.coord, 'kept').state, TransactionState.Ongoing, 'the bad records are skipped');
});

test('while a partition loads its ids answer COORDINATOR_LOAD_IN_PROGRESS, and so does ListTransactions', async () => {
  const log = new MemoryTxnLog(1);
  let release!: () => void;
  log.loadGate = new Promise((r) => (release = r));
  const h = await harness({ log, start: false });
  const started = h.coord.startup();
  await settle();
  assert.equal((await init(h.coord, 'tx')).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(h.coord.listTransactions(new Set(), []).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(h.coord.describeTransaction('tx').errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  release();
  await started;
  assert.equal((await init(h.coord, 'tx')).errorCode, ErrorCode.NONE);
});

/** A broker with one node, whose __transaction_state partitions are real logs in `dir`. */
class DiskHost implements TransactionStateTopicHost {
  readonly nodeId = 1;
  readonly logger = silentLogger;
  readonly logs = new Map<number, PartitionLog>();
  partitions = 0;
  constructor(readonly dir: string) {}
  topic(name: string) {
    if (name !== TRANSACTION_STATE_TOPIC || this.partitions === 0) return undefined;
    return { partitions: Array.from({ length: this.partitions }, (_, partition) => ({ partition, leader: 1, leaderEpoch: 3 })) };
  }
  ledPartitions(name: string) {
    return (this.topic(name)?.partitions ?? []).filter((p) => p.leader === this.nodeId);
  }
  brokerCount(): number {
    return 1;
  }
  /** The broker's leader checks, then a single replica: committed once in the log (after the flush policy's fsync). */
  appendAsCoordinator(topic: string, partition: number, batch: Buffer): Promise<void> | null {
    const meta = this.topic(topic)?.partitions[partition];
    if (meta === undefined) throw new CoordinatorWriteError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no ${topic}-${partition}`);
    if (meta.leader !== this.nodeId) throw new CoordinatorWriteError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${topic}-${partition} is led elsewhere`);
    const log = this.getLog(topic, partition);
    if (log === undefined) throw new CoordinatorWriteError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `no log of ${topic}-${partition}`);
    const info = log.append(batch, { leaderEpoch: 3 });
    log.maybeIncrementHighWatermark(log.logEndOffset);
    return info.durable;
  }
  getLog(topic: string, partition: number): PartitionLog | undefined {
    if (topic !== TRANSACTION_STATE_TOPIC || partition >= this.partitions) return undefined;
    let log = this.logs.get(partition);
    if (log === undefined) {
      log = PartitionLog.open({ dir: join(this.dir, `${topic}-${partition}`), logger: storageLogger });
      this.logs.set(partition, log);
    }
    return log;
  }
  configs: Record<string, string> = {};
  async createInternalTopic(name: string, partitions: number, _rf: number, configs: Record<string, string>): ReturnType<TransactionStateTopicHost['createInternalTopic']> {
    this.partitions = partitions;
    this.configs = configs;
    void name;
    return { ok: true, partitions };
  }
  async close(): Promise<void> {
    for (const log of this.logs.values()) await log.close();
    this.logs.clear();
  }
}

function diskCoordinator(host: DiskHost, clock: ManualClock, writer = new FakeMarkerWriter()): TransactionCoordinator {
  const config = defaultTransactionConfig({ transactionLogNumPartitions: 4 });
  return new TransactionCoordinator({
    config, log: new TransactionStateTopic(host, config), markerWriter: writer, producerIds: new CountingProducerIds(),
    groupPartitionFor: (g) => partitionFor(g, 50), logger: silentLogger, clock, driveTimer: false,
  });
}

test('__transaction_state on partition logs: created on first use, written in Kafka\'s format, loaded after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-txn-'));
  try {
    const clock = new ManualClock(5_000_000);
    const host = new DiskHost(dir);
    const first = diskCoordinator(host, clock);
    await first.startup();
    assert.equal((await init(first, 'tx')).errorCode, ErrorCode.NOT_COORDINATOR, 'no topic yet');
    await first.ready();
    assert.equal(host.partitions, 4);
    assert.equal(host.configs['cleanup.policy'], 'compact');
    assert.equal(host.configs['compression.type'], 'uncompressed');
    assert.equal(first.ready(), null, 'created once');
    assert.deepEqual(await init(first, 'tx'), { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 });
    assert.equal(await add(first, 'tx', 1000, 0, [['t', 0]]), ErrorCode.NONE);

    // The record on disk is Kafka's: key version 0 + TransactionLogKey, value version 1 + TransactionLogValue.
    const partition = partitionFor('tx', 4);
    const log = host.getLog(TRANSACTION_STATE_TOPIC, partition)!;
    const records = log.read(0, 1 << 20).records;
    const batch = decodeBatchSync(records, 0, records.readInt32BE(8) + 12);
    assert.deepEqual(batch.records[0]!.key, keyToBytes('tx'));
    const value = batch.records[0]!.value!;
    assert.equal(value.readInt16BE(0), 1);
    const decoded = TransactionLogValue.decode(value, 2, 1);
    assert.equal(decoded.producerId, 1000n);
    assert.equal(decoded.transactionStatus, TransactionState.Empty);
    assert.equal(decoded.transactionPartitions, null);

    first.shutdown();
    await host.close();
    const second = diskCoordinator(host, clock);
    await second.startup();
    const m = second.txnManager.getTransactionState('tx').metadata!;
    assert.equal(m.state, TransactionState.Ongoing);
    assert.ok(m.topicPartitions.has('t', 0));
    assert.equal(second.txnManager.getTransactionState('tx').coordinatorEpoch, 3, 'the leader epoch is the coordinator epoch');
    assert.equal((await end(second, 'tx', 1000, 0, true)).errorCode, ErrorCode.NONE);
    await settle();
    assert.equal(m.state, TransactionState.CompleteCommit);
    second.shutdown();
    await host.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TransactionStateTopic refuses partitions it does not lead, and says why it could not create the topic', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-txn-'));
  try {
    const host = new DiskHost(dir);
    const config = defaultTransactionConfig({ transactionLogNumPartitions: 2 });
    const topicLog = new TransactionStateTopic(host, config);
    await assert.rejects(topicLog.append(0, [{ key: keyToBytes('tx'), value: null }], 1), (err: unknown) => (err as { errorCode?: number }).errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    host.createInternalTopic = async () => ({ ok: false, message: 'not enough brokers' });
    await assert.rejects(topicLog.ensure()!, (err: unknown) => (err as { errorCode?: number }).errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE);
    host.partitions = 2;
    const led = host.topic.bind(host);
    host.topic = (name: string) => {
      const t = led(name);
      return t === undefined ? undefined : { partitions: t.partitions.map((p) => ({ ...p, leader: 2 })) };
    };
    assert.deepEqual(topicLog.ownedPartitions(), []);
    await assert.rejects(topicLog.append(1, [{ key: keyToBytes('tx'), value: null }], 1), (err: unknown) => (err as { errorCode?: number }).errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER);
    await host.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
