// Reconciling a streams member: revoke before assign, tasks other members still hold, epochs of active tasks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileStreamsMember, type TaskOwnership } from '../../../src/coordinator/streams/current-assignment-builder.js';
import { GroupError } from '../../../src/coordinator/streams/errors.js';
import { StreamsMember, StreamsMemberState } from '../../../src/coordinator/streams/streams-member.js';
import { emptyHeld, type ActiveTasks, type TaskSet, type TasksTuple } from '../../../src/coordinator/streams/tasks.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';

const ts = (...ps: number[]): TaskSet => (ps.length === 0 ? new Map() : new Map([['s', new Set(ps)]]));
const act = (epochs: Record<number, number>): ActiveTasks => {
  const m = new Map(Object.entries(epochs).map(([p, e]) => [Number(p), e] as [number, number]));
  return m.size === 0 ? new Map() : new Map([['s', m]]);
};
const tuple = (active: number[], standby: number[] = [], warmup: number[] = []): TasksTuple => ({ active: ts(...active), standby: ts(...standby), warmup: ts(...warmup) });
const list = (s: ReadonlyMap<string, { keys(): Iterable<number> }>) => [...(s.get('s')?.keys() ?? [])].sort((a, b) => a - b);

/** Nobody else holds anything. */
const free: TaskOwnership = { activeProcess: () => null, standbyOnProcess: () => false, warmupOnProcess: () => false };

function member(epoch: number, active: Record<number, number>, standby: number[] = [], state = StreamsMemberState.Stable): StreamsMember {
  return StreamsMember.create('m').with({
    processId: 'p1', memberEpoch: epoch, previousMemberEpoch: epoch - 1, state,
    assignedTasks: { active: act(active), standby: ts(...standby), warmup: new Map() },
  });
}

test('a member with tasks to give up keeps its epoch and waits in UNREVOKED_TASKS', () => {
  const m = reconcileStreamsMember({ member: member(3, { 0: 1, 1: 2, 2: 3 }), targetEpoch: 4, target: tuple([0, 3]), ownership: free, owned: tuple([0, 1, 2]) });
  assert.equal(m.state, StreamsMemberState.UnrevokedTasks);
  assert.equal(m.memberEpoch, 3);
  assert.deepEqual(list(m.assignedTasks.active), [0]);
  assert.deepEqual(list(m.tasksPendingRevocation.active), [1, 2]);
});

test('while the member still reports a revoked task it waits; once gone it moves to the target epoch and gets the new tasks', () => {
  const waiting = member(3, { 0: 1 }).with({ state: StreamsMemberState.UnrevokedTasks, tasksPendingRevocation: { active: act({ 1: 2 }), standby: new Map(), warmup: new Map() } });
  assert.equal(reconcileStreamsMember({ member: waiting, targetEpoch: 4, target: tuple([0, 3]), ownership: free, owned: tuple([0, 1]) }), waiting);
  assert.equal(reconcileStreamsMember({ member: waiting, targetEpoch: 4, target: tuple([0, 3]), ownership: free, owned: null }), waiting);
  const done = reconcileStreamsMember({ member: waiting, targetEpoch: 4, target: tuple([0, 3]), ownership: free, owned: tuple([0]) });
  assert.equal(done.state, StreamsMemberState.Stable);
  assert.equal(done.memberEpoch, 4);
  assert.equal(done.previousMemberEpoch, 3);
  assert.deepEqual(list(done.assignedTasks.active), [0, 3]);
  // A kept task keeps the epoch it was given at; a new one gets the target epoch.
  assert.equal(done.assignedTasks.active.get('s')!.get(0), 1);
  assert.equal(done.assignedTasks.active.get('s')!.get(3), 4);
});

test('an active task another member still runs is not given: UNRELEASED_TASKS, then given once released', () => {
  let owner: string | null = 'p2';
  const ownership: TaskOwnership = { activeProcess: (_s, p) => (p === 3 ? owner : null), standbyOnProcess: () => false, warmupOnProcess: () => false };
  const m = reconcileStreamsMember({ member: member(4, { 0: 4 }), targetEpoch: 5, target: tuple([0, 3, 4]), ownership, owned: tuple([0]) });
  assert.equal(m.state, StreamsMemberState.UnreleasedTasks);
  assert.equal(m.memberEpoch, 5);
  assert.deepEqual(list(m.assignedTasks.active), [0, 4]);
  owner = null;
  const later = reconcileStreamsMember({ member: m, targetEpoch: 5, target: tuple([0, 3, 4]), ownership, owned: tuple([0, 4]) });
  assert.equal(later.state, StreamsMemberState.Stable);
  assert.deepEqual(list(later.assignedTasks.active), [0, 3, 4]);
});

test('an active task another thread of the same process keeps as a standby waits for it (one state directory per process)', () => {
  const ownership: TaskOwnership = { activeProcess: () => null, standbyOnProcess: (_s, p, proc) => p === 1 && proc === 'p1', warmupOnProcess: () => false };
  const m = reconcileStreamsMember({ member: member(1, {}), targetEpoch: 2, target: tuple([1]), ownership, owned: tuple([]) });
  assert.equal(m.state, StreamsMemberState.UnreleasedTasks);
  assert.deepEqual(list(m.assignedTasks.active), []);
});

test('a standby task is not given while the member\'s process runs it as active', () => {
  const ownership: TaskOwnership = { activeProcess: (_s, p) => (p === 2 ? 'p1' : 'p9'), standbyOnProcess: () => false, warmupOnProcess: () => false };
  const m = reconcileStreamsMember({ member: member(1, {}), targetEpoch: 2, target: tuple([], [1, 2]), ownership, owned: tuple([]) });
  assert.equal(m.state, StreamsMemberState.UnreleasedTasks);
  assert.deepEqual(list(m.assignedTasks.standby), [1]);
});

test('a standby that becomes active is revoked first, then given as active', () => {
  const first = reconcileStreamsMember({ member: member(1, {}, [2]), targetEpoch: 2, target: tuple([2]), ownership: { ...free, standbyOnProcess: (_s, p, proc) => p === 2 && proc === 'p1' }, owned: tuple([], [2]) });
  assert.equal(first.state, StreamsMemberState.UnrevokedTasks);
  assert.deepEqual(list(first.tasksPendingRevocation.standby), [2]);
  const second = reconcileStreamsMember({ member: first, targetEpoch: 2, target: tuple([2]), ownership: free, owned: tuple([]) });
  assert.equal(second.state, StreamsMemberState.Stable);
  assert.equal(second.memberEpoch, 2);
  assert.deepEqual(list(second.assignedTasks.active), [2]);
});

test('a member that already dropped the tasks skips the revocation step', () => {
  const m = reconcileStreamsMember({ member: member(3, { 0: 3, 1: 3 }), targetEpoch: 4, target: tuple([0]), ownership: free, owned: tuple([0]) });
  assert.equal(m.state, StreamsMemberState.Stable);
  assert.equal(m.memberEpoch, 4);
});

test('a stable member at the target epoch is left alone', () => {
  const m = member(4, { 0: 4 });
  assert.equal(reconcileStreamsMember({ member: m, targetEpoch: 4, target: tuple([0, 1]), ownership: free, owned: null }), m);
});

test('a member in an unknown state is fenced unless it reports holding nothing', () => {
  const m = member(4, { 0: 4 }).with({ state: StreamsMemberState.Unknown });
  assert.throws(() => reconcileStreamsMember({ member: m, targetEpoch: 5, target: tuple([0]), ownership: free, owned: null }),
    (err: unknown) => err instanceof GroupError && err.errorCode === ErrorCode.FENCED_MEMBER_EPOCH);
  const fresh = reconcileStreamsMember({ member: m.with({ assignedTasks: emptyHeld() }), targetEpoch: 5, target: tuple([0]), ownership: free, owned: tuple([]) });
  assert.equal(fresh.memberEpoch, 5);
  assert.deepEqual(list(fresh.assignedTasks.active), [0]);
});
