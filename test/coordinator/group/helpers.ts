import { pino } from 'pino';
import { GroupCoordinator } from '../../../src/coordinator/group/coordinator.js';
import type { CoordinatorLog } from '../../../src/coordinator/group/coordinator-runtime.js';
import { defaultGroupConfig, type GroupConfig } from '../../../src/coordinator/group/config.js';
import type { JoinRequest } from '../../../src/coordinator/group/classic/join.js';
import type { LeaveResult, LeavingMember } from '../../../src/coordinator/group/classic/membership.js';
import type { SyncRequest } from '../../../src/coordinator/group/classic/sync.js';
import type { CoordinatorRecord } from '../../../src/coordinator/group/records.js';
import { CoordinatorWriteError } from '../../../src/coordinator/group/sink.js';
import { encode as encodeSubscription } from '../../../src/protocol/generated/consumer-protocol-subscription.js';
import type { JoinGroupResponse } from '../../../src/protocol/generated/join-group-response.js';
import type { SyncGroupResponse } from '../../../src/protocol/generated/sync-group-response.js';
import { ManualClock } from '../../../src/storage/clock.js';

/** Records kept in memory, in order; appends can be made to fail or to wait for an "fsync". */
export class MemoryLog implements CoordinatorLog {
  readonly batches: CoordinatorRecord[][] = [];
  /** Per batch: the producer id of a transactional batch, -1 for others. */
  readonly producers: number[] = [];
  /** Transaction markers, by the number of batches written before each. */
  readonly markers: Array<{ after: number; partition: number; producerId: number; commit: boolean }> = [];
  failWith: number | null = null;
  /** When set, appends resolve only when `flush()` is called. */
  holdFlush = false;
  private waiting: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private last: Promise<void> | null = null;

  ensure(): Promise<void> | null {
    return null;
  }

  append(_groupId: string, records: readonly CoordinatorRecord[]): Promise<void> | null {
    return this.appendTransactional(_groupId, records, -1);
  }

  appendTransactional(_groupId: string, records: readonly CoordinatorRecord[], producerId: number): Promise<void> | null {
    if (this.failWith !== null) throw new CoordinatorWriteError(this.failWith, 'append failed');
    this.batches.push([...records]);
    this.producers.push(producerId);
    if (!this.holdFlush) return null;
    const p = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.last = p;
    return p;
  }

  flush(): void {
    const w = this.waiting;
    this.waiting = [];
    this.last = null;
    for (const { resolve } of w) resolve();
  }

  /** The held appends fail with `errorCode` (as one the ISR never took). */
  failHeld(errorCode: number): void {
    const w = this.waiting;
    this.waiting = [];
    this.last = null;
    for (const { reject } of w) reject(new CoordinatorWriteError(errorCode, 'append failed'));
  }

  pending(): Promise<void> | null {
    return this.last;
  }

  /** A transaction marker written to the partition (as WriteTxnMarkers would). */
  marker(partition: number, producerId: number, commit: boolean): void {
    this.markers.push({ after: this.batches.length, partition, producerId, commit });
  }

  /** One partition, led here at epoch 0. */
  ownedPartitions(): Array<{ partition: number; coordinatorEpoch: number }> {
    return [{ partition: 0, coordinatorEpoch: 0 }];
  }

  loadPartition(_partition: number, replay: (r: CoordinatorRecord, producerId: number) => void, onMarker: (partition: number, producerId: number, commit: boolean) => void): Promise<number> {
    return this.load(replay, onMarker);
  }

  async load(replay: (r: CoordinatorRecord, producerId: number) => void, onMarker: (partition: number, producerId: number, commit: boolean) => void = () => {}): Promise<number> {
    let n = 0;
    const markersAt = (i: number) => {
      for (const m of this.markers) if (m.after === i) onMarker(m.partition, m.producerId, m.commit);
    };
    for (let i = 0; i < this.batches.length; i++) {
      markersAt(i);
      for (const r of this.batches[i]!) {
        replay(r, this.producers[i]!);
        n++;
      }
    }
    markersAt(this.batches.length);
    return n;
  }

  partitionFor(_groupId: string): number {
    return 0;
  }

  get records(): CoordinatorRecord[] {
    return this.batches.flat();
  }
}

export interface Harness {
  coord: GroupCoordinator;
  clock: ManualClock;
  log: MemoryLog;
  /** Moves the fake clock and runs the deadlines that came due. */
  advance(ms: number): void;
}

export const silentLogger = pino({ level: 'silent' });

export async function harness(config: Partial<GroupConfig> = {}, log = new MemoryLog(), clock = new ManualClock()): Promise<Harness> {
  const coord = new GroupCoordinator({
    config: defaultGroupConfig({ initialRebalanceDelayMs: 0, minSessionTimeoutMs: 10, ...config }),
    log,
    logger: silentLogger,
    clock,
    driveTimer: false,
  });
  await coord.startup();
  return {
    coord,
    clock,
    log,
    advance(ms: number) {
      advanceCoordinator(coord, clock, ms);
    },
  };
}

/** A consumer-protocol subscription (v0) to `topics`. */
export function subscription(...topics: string[]): Buffer {
  const body = encodeSubscription({ topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0);
  const out = Buffer.alloc(2 + body.length);
  body.copy(out, 2);
  return out;
}

/** A response that may arrive later. */
export class Pending<T> {
  value: T | null = null;
  readonly callback = (v: T) => {
    if (this.value !== null) throw new Error('answered twice');
    this.value = v;
  };
  get done(): boolean {
    return this.value !== null;
  }
  get(): T {
    if (this.value === null) throw new Error('no response yet');
    return this.value;
  }
}

export interface JoinOptions {
  memberId?: string;
  groupInstanceId?: string | null;
  protocols?: Array<{ name: string; metadata: Buffer }>;
  protocolType?: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  apiVersion?: number;
  clientId?: string;
}

export function joinRequest(groupId: string, o: JoinOptions = {}): JoinRequest {
  return {
    groupId,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 60_000,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? [{ name: 'range', metadata: subscription('t') }],
    reason: null,
    apiVersion: o.apiVersion ?? 9,
    clientId: o.clientId ?? 'client',
    clientHost: '/127.0.0.1',
  };
}

export function join(h: Harness, groupId: string, o: JoinOptions = {}): Pending<JoinGroupResponse> {
  const p = new Pending<JoinGroupResponse>();
  h.coord.join(joinRequest(groupId, o), p.callback);
  return p;
}

/** KIP-394: join without an id, then again with the id handed out. Returns the parked second join. */
export function joinNew(h: Harness, groupId: string, o: JoinOptions = {}): Pending<JoinGroupResponse> {
  const first = join(h, groupId, { ...o, memberId: '' });
  const r = first.get();
  if (r.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${r.errorCode}`);
  return join(h, groupId, { ...o, memberId: r.memberId });
}

export function sync(h: Harness, groupId: string, memberId: string, generationId: number, assignments: Array<{ memberId: string; assignment: Buffer }> = [], extra: Partial<SyncRequest> = {}): Pending<SyncGroupResponse> {
  const p = new Pending<SyncGroupResponse>();
  h.coord.sync({ groupId, generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: null, assignments, ...extra }, p.callback);
  return p;
}

/**
 * Brings `n` dynamic members into a Stable group: they join (initial delay 0 completes the
 * join phase on the next deadline), the leader syncs assignments `a-<i>`, everyone syncs.
 */
export function stableGroup(h: Harness, groupId: string, n: number, o: JoinOptions = {}): { members: string[]; leader: string; generation: number } {
  const joins = [];
  for (let i = 0; i < n; i++) joins.push(joinNew(h, groupId, o));
  h.advance(0);
  const responses = joins.map((j) => j.get());
  for (const r of responses) if (r.errorCode !== 0) throw new Error(`join failed: ${r.errorCode}`);
  const members = responses.map((r) => r.memberId);
  const leader = responses[0]!.leader;
  const generation = responses[0]!.generationId;
  const syncs = members.map((m) =>
    sync(h, groupId, m, generation, m === leader ? members.map((id, j) => ({ memberId: id, assignment: Buffer.from(`a-${j}`) })) : [], { protocolType: o.protocolType ?? 'consumer' }),
  );
  for (const s of syncs) if (s.get().errorCode !== 0) throw new Error(`sync failed: ${s.get().errorCode}`);
  return { members, leader, generation };
}

/** LeaveGroup of a classic group, which is answered at once. */
export function leaveNow(h: Harness, groupId: string, members: LeavingMember[]): LeaveResult {
  const r = h.coord.leave(groupId, members);
  if (r instanceof Promise) throw new Error('a classic group leave is answered at once');
  return r;
}

/**
 * Moves the fake clock `ms` ahead, stepping through each deadline on the way so that deadlines
 * scheduled by earlier ones inside the window run too.
 */
export function advanceCoordinator(coord: GroupCoordinator, clock: { now(): number; set(ms: number): void }, ms: number): void {
  const end = clock.now() + ms;
  for (;;) {
    const next = coord.timer.nextDeadline();
    if (next === null || next > end) break;
    if (next > clock.now()) clock.set(next);
    coord.timer.poll(clock.now());
  }
  clock.set(end);
  coord.timer.poll(end);
}
