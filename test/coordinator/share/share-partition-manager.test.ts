// SharePartitionManager: share-partitions loaded once from the persister (start offset by
// share.auto.offset.reset when there is no state), acknowledgements written through, lock
// expiry driven by the coordinator timer and persisted, releases on session close, leadership
// checks, and state that survives a new manager (a restarted broker) on the same persister.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { DeadlineTimer } from '../../../src/coordinator/group/timer.js';
import { AcknowledgeType, RecordState, ShareAcquireMode, type PersistedShareState } from '../../../src/coordinator/share/record-state.js';
import { SharePartitionManager, type LedPartitionInfo } from '../../../src/coordinator/share/share-partition-manager.js';
import type { ShareStatePersister, ShareStateRead } from '../../../src/coordinator/share/share-state-persister.js';
import type { SharePartitionKey } from '../../../src/coordinator/share/share-state-records.js';
import { ShareStateStore } from '../../../src/coordinator/share/share-state-store.js';
import type { AutoOffsetReset } from '../../../src/coordinator/group/group-configs.js';

const KEY: SharePartitionKey = { groupId: 'q', topicId: 'c'.repeat(32), partition: 0 };
const LOCK = 30_000;

/** The persister over one in-memory store, counting reads and writes; `failWrites` answers writes with an error. */
class MemoryPersister implements ShareStatePersister {
  readonly store = new ShareStateStore(500);
  reads = 0;
  writes = 0;
  failWrites: number | null = null;
  private apply(w: { errorCode: number; records: Parameters<ShareStateStore['replay']>[0][] }): number {
    if (w.errorCode === ErrorCode.NONE) for (const r of w.records) this.store.replay(r);
    return w.errorCode;
  }
  async initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number): Promise<number> {
    return this.apply(this.store.initialize(key, stateEpoch, startOffset, 0));
  }
  async read(key: SharePartitionKey, leaderEpoch: number): Promise<ShareStateRead> {
    this.reads++;
    return this.store.read(key, leaderEpoch);
  }
  async write(key: SharePartitionKey, leaderEpoch: number, state: PersistedShareState): Promise<number> {
    this.writes++;
    if (this.failWrites !== null) return this.failWrites;
    return this.apply(this.store.write(key, leaderEpoch, state, 0));
  }
  async delete(key: SharePartitionKey): Promise<number> {
    return this.apply(this.store.delete(key));
  }
}

/** Record i of the partition's log (offsets 0-99) has timestamp 500,000 + 1,000 i. */
const timestampOf = (offset: number) => 500_000 + 1_000 * offset;

/** What the DLQ writer was asked, and how its writes end (`failDlq`: rejected). */
interface DlqProbe {
  enabled: boolean;
  failDlq: boolean;
  runs: Array<{ firstOffset: number; lastOffset: number; deliveryCount: number; reason: number }>;
  /** The persisted state of the run's first offset when the DLQ write began. */
  persistedAtWrite?: RecordState;
}

function setup(persister = new MemoryPersister(), reset: AutoOffsetReset = { kind: 'earliest' }, dlq: DlqProbe = { enabled: false, failDlq: false, runs: [] }) {
  const clock = new ManualClock(1_000_000);
  const timer = new DeadlineTimer(clock);
  const led: { info: LedPartitionInfo | undefined } = { info: { leaderEpoch: 1, logStartOffset: 0, logEndOffset: 100 } };
  const searched: number[] = [];
  const mgr = new SharePartitionManager(persister, timer, clock, {
    ledPartition: () => led.info,
    groupSettings: () => ({ partition: { recordLockDurationMs: LOCK, deliveryCountLimit: 3, maxInFlightRecords: 2000, renewAcknowledgeEnabled: true, deadLetterQueue: false }, autoOffsetReset: reset }),
    writeDeadLetters: async (_key, run) => {
      dlq.runs.push({ ...run });
      dlq.persistedAtWrite = persister.store.read(KEY, -1).state?.batches.find((b) => b.firstOffset <= run.firstOffset && b.lastOffset >= run.firstOffset)?.deliveryState;
      if (dlq.failDlq) throw new Error('DLQ topic does not exist and auto create is disabled');
    },
    deadLetterQueueEnabled: () => dlq.enabled,
    offsetForTimestamp: async (_topicId, _partition, timestamp) => {
      searched.push(timestamp);
      for (let o = 0; o < 100; o++) if (timestampOf(o) >= timestamp) return o;
      return null;
    },
  }, pino({ level: 'silent' }));
  return { clock, timer, led, mgr, persister, searched };
}

const batches = (first: number, last: number) => [{ baseOffset: first, lastOffset: last, skip: false }];
const settle = () => new Promise((r) => setImmediate(r));

test('loaded once, at the log start (earliest) or end (latest) when there is no state', async () => {
  const { mgr, persister } = setup();
  const [a, b] = await Promise.all([mgr.partition(KEY), mgr.partition(KEY)]);
  assert.equal(a.sp, b.sp);
  assert.equal(persister.reads, 1);
  assert.equal(a.sp!.startOffset, 0);
  const latest = setup(new MemoryPersister(), { kind: 'latest' });
  assert.equal((await latest.mgr.partition(KEY)).sp!.startOffset, 100);
});

test('by_duration starts at the first record no older than the duration; with none that recent, the load fails (OFFSET_NOT_AVAILABLE) and the next one searches again', async () => {
  // Now is 1,000,000. 450 s back is 550,000 (offset 50); 200 s back is 800,000, past the log's last record (599,000).
  const recent = setup(new MemoryPersister(), { kind: 'by_duration', durationMs: 450_000 });
  const loaded = await recent.mgr.partition(KEY);
  assert.deepEqual(recent.searched, [550_000]);
  assert.equal(loaded.sp!.startOffset, 50, 'offset 50 is the first at or after 550,000');
  const none = setup(new MemoryPersister(), { kind: 'by_duration', durationMs: 200_000 });
  assert.deepEqual(await none.mgr.partition(KEY), { errorCode: ErrorCode.OFFSET_NOT_AVAILABLE, sp: null });
  assert.equal(none.mgr.loaded(KEY), null);
  none.clock.advance(1);
  assert.equal((await none.mgr.partition(KEY)).errorCode, ErrorCode.OFFSET_NOT_AVAILABLE);
  assert.deepEqual(none.searched, [800_000, 800_001], 'searched again, from the new now');
  // A share-partition with state (written by an acknowledgement) keeps its start offset whatever the strategy.
  const kept = setup(recent.persister, { kind: 'by_duration', durationMs: 200_000 });
  assert.equal(await recent.mgr.acknowledge(KEY, 'm', []), ErrorCode.NONE);
  assert.equal((await kept.mgr.partition(KEY)).sp!.startOffset, 50);
  assert.deepEqual(kept.searched, []);
});

test('acknowledgements are written through and survive a new manager on the same persister', async () => {
  const first = setup();
  const sp = (await first.mgr.partition(KEY)).sp!;
  first.mgr.acquire(sp, 'm1', 0, batches(0, 9), 100, 100, ShareAcquireMode.BatchOptimized);
  assert.equal(await first.mgr.acknowledge(KEY, 'm1', [{ firstOffset: 0, lastOffset: 4, acknowledgeTypes: [AcknowledgeType.Accept] }, { firstOffset: 5, lastOffset: 5, acknowledgeTypes: [AcknowledgeType.Reject] }]), ErrorCode.NONE);
  assert.equal(first.persister.writes, 1);
  const second = setup(first.persister);
  const back = (await second.mgr.partition(KEY)).sp!;
  assert.equal(back.startOffset, 6);
  // What m1 still held comes back available, delivered once.
  assert.deepEqual(second.mgr.acquire(back, 'm2', back.nextFetchOffset(), batches(0, 9), 100, 100, ShareAcquireMode.BatchOptimized), [{ firstOffset: 6, lastOffset: 9, deliveryCount: 2 }]);
});

test('expired locks are released by the timer and the release is persisted', async () => {
  const { mgr, timer, clock, persister } = setup();
  const sp = (await mgr.partition(KEY)).sp!;
  mgr.acquire(sp, 'm1', 0, batches(0, 4), 100, 100, ShareAcquireMode.BatchOptimized);
  clock.advance(LOCK - 1);
  timer.poll();
  assert.equal(sp.stateOf(0), RecordState.Acquired);
  clock.advance(1);
  timer.poll();
  await settle();
  assert.equal(sp.stateOf(0), RecordState.Available);
  assert.equal(persister.writes, 1);
  assert.deepEqual(persister.store.read(KEY, 1).state!.batches, [{ firstOffset: 0, lastOffset: 4, deliveryState: RecordState.Available, deliveryCount: 1 }]);
});

test('a closed session releases its member\'s records; a failed write answers its error', async () => {
  const { mgr, persister } = setup();
  const sp = (await mgr.partition(KEY)).sp!;
  mgr.acquire(sp, 'm1', 0, batches(0, 4), 100, 100, ShareAcquireMode.BatchOptimized);
  assert.equal(await mgr.releaseMember(KEY, 'm1'), ErrorCode.NONE);
  assert.equal(sp.stateOf(0), RecordState.Available);
  assert.equal(await mgr.releaseMember(KEY, 'm1'), ErrorCode.NONE);
  assert.equal(persister.writes, 1, 'nothing to write the second time');
  mgr.acquire(sp, 'm1', 0, batches(0, 4), 100, 100, ShareAcquireMode.BatchOptimized);
  persister.failWrites = ErrorCode.COORDINATOR_NOT_AVAILABLE;
  assert.equal(await mgr.acknowledge(KEY, 'm1', [{ firstOffset: 0, lastOffset: 4, acknowledgeTypes: [AcknowledgeType.Accept] }]), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(await mgr.acknowledge(KEY, 'm2', [{ firstOffset: 0, lastOffset: 4, acknowledgeTypes: [AcknowledgeType.Accept] }]), ErrorCode.INVALID_RECORD_STATE);
});

test('not the leader: NOT_LEADER_OR_FOLLOWER; a new leader epoch reloads from the persister', async () => {
  const { mgr, led, persister } = setup();
  led.info = undefined;
  assert.equal((await mgr.partition(KEY)).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  led.info = { leaderEpoch: 1, logStartOffset: 0, logEndOffset: 10 };
  const sp = (await mgr.partition(KEY)).sp!;
  mgr.acquire(sp, 'm1', 0, batches(0, 4), 100, 100, ShareAcquireMode.BatchOptimized);
  await mgr.acknowledge(KEY, 'm1', [{ firstOffset: 0, lastOffset: 1, acknowledgeTypes: [AcknowledgeType.Accept] }]);
  led.info = { leaderEpoch: 2, logStartOffset: 0, logEndOffset: 10 };
  assert.equal(mgr.loaded(KEY), null);
  const again = (await mgr.partition(KEY)).sp!;
  assert.notEqual(again, sp);
  assert.equal(again.startOffset, 2);
  assert.equal(persister.reads, 2);
});

test('with a DLQ, rejected records are written to it, then archived and persisted; a failed DLQ write archives them too', async () => {
  for (const failDlq of [false, true]) {
    const dlq: DlqProbe = { enabled: true, failDlq, runs: [] };
    const { mgr, persister } = setup(new MemoryPersister(), { kind: 'earliest' }, dlq);
    const { sp } = await mgr.partition(KEY);
    mgr.acquire(sp!, 'm1', 0, batches(0, 9), 10, 10, ShareAcquireMode.BatchOptimized);
    assert.equal(await mgr.acknowledge(KEY, 'm1', [{ firstOffset: 0, lastOffset: 2, acknowledgeTypes: [AcknowledgeType.Reject] }, { firstOffset: 3, lastOffset: 9, acknowledgeTypes: [AcknowledgeType.Accept] }]), ErrorCode.NONE);
    await settle();
    await settle();
    assert.deepEqual(dlq.runs, [{ firstOffset: 0, lastOffset: 2, deliveryCount: 1, reason: 1 }]);
    assert.equal(dlq.persistedAtWrite, RecordState.Archiving, 'the ARCHIVING state is written before the DLQ is');
    assert.equal(sp!.startOffset, 10, `archived after the DLQ write (failed: ${failDlq})`);
    assert.equal(persister.store.read(KEY, -1).state!.startOffset, 10);
  }
});

test('without share.version 2 or a DLQ topic nothing goes to the DLQ', async () => {
  const dlq: DlqProbe = { enabled: false, failDlq: false, runs: [] };
  const { mgr } = setup(new MemoryPersister(), { kind: 'earliest' }, dlq);
  const { sp } = await mgr.partition(KEY);
  mgr.acquire(sp!, 'm1', 0, batches(0, 4), 10, 10, ShareAcquireMode.BatchOptimized);
  assert.equal(await mgr.acknowledge(KEY, 'm1', [{ firstOffset: 0, lastOffset: 4, acknowledgeTypes: [AcknowledgeType.Reject] }]), ErrorCode.NONE);
  await settle();
  assert.deepEqual(dlq.runs, []);
  assert.equal(sp!.startOffset, 5);
});
