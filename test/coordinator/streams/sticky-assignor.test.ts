// The sticky task assignor: balance, stickiness, members leaving and joining, standby tasks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StickyTaskAssignor, type AssignorMember, type AssignorSubtopology, type MemberTasks } from '../../../src/coordinator/streams/sticky-assignor.js';
import type { TaskSet } from '../../../src/coordinator/streams/tasks.js';

const assignor = new StickyTaskAssignor();

function member(processId: string, prev: Partial<{ active: TaskSet; standby: TaskSet; warmup: TaskSet }> = {}, offsets: Array<[string, number, number]> = []): AssignorMember {
  const taskOffsets = new Map<string, Map<number, number>>();
  for (const [s, p, o] of offsets) {
    if (!taskOffsets.has(s)) taskOffsets.set(s, new Map());
    taskOffsets.get(s)!.set(p, o);
  }
  return { processId, active: prev.active ?? new Map(), standby: prev.standby ?? new Map(), warmup: prev.warmup ?? new Map(), taskOffsets };
}

function flat(s: TaskSet | undefined): string[] {
  const out: string[] = [];
  for (const [id, ps] of s ?? []) for (const p of ps) out.push(`${id}_${p}`);
  return out.sort();
}

function allTasks(subs: AssignorSubtopology[]): string[] {
  return subs.flatMap((s) => Array.from({ length: s.numTasks }, (_, p) => `${s.subtopologyId}_${p}`)).sort();
}

/** Every task active exactly once; no member holds a task twice; no process holds a standby of a task it runs. */
function checkValid(result: Map<string, MemberTasks>, members: Map<string, AssignorMember>, subs: AssignorSubtopology[]): void {
  const active = [...result.values()].flatMap((m) => flat(m.active)).sort();
  assert.deepEqual(active, allTasks(subs), 'every task active exactly once');
  const byProcess = new Map<string, string[]>();
  for (const [id, m] of result) {
    const p = members.get(id)!.processId;
    const held = byProcess.get(p) ?? [];
    held.push(...flat(m.active), ...flat(m.standby));
    byProcess.set(p, held);
  }
  for (const [p, held] of byProcess) assert.equal(new Set(held).size, held.length, `process ${p} holds a task twice`);
}

function counts(result: Map<string, MemberTasks>): number[] {
  return [...result.values()].map((m) => flat(m.active).length);
}

const SUBS: AssignorSubtopology[] = [
  { subtopologyId: '0', numTasks: 4, stateful: false },
  { subtopologyId: '1', numTasks: 4, stateful: true },
];

test('a single member gets every task', () => {
  const members = new Map([['m1', member('p1')]]);
  const r = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 0 });
  checkValid(r, members, SUBS);
  assert.equal(flat(r.get('m1')!.active).length, 8);
});

test('members of different processes get the same number of active tasks', () => {
  const members = new Map([['m1', member('p1')], ['m2', member('p2')], ['m3', member('p3')], ['m4', member('p4')]]);
  const r = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 0 });
  checkValid(r, members, SUBS);
  assert.deepEqual(counts(r), [2, 2, 2, 2]);
});

test('a first assignment is range-like: a subtopology is spread over the members', () => {
  const members = new Map([['m1', member('p1')], ['m2', member('p2')]]);
  const r = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 0 });
  for (const m of r.values()) {
    assert.equal(m.active.get('0')?.size, 2);
    assert.equal(m.active.get('1')?.size, 2);
  }
});

test('the threads of one process share its tasks evenly', () => {
  const members = new Map([['t1', member('p1')], ['t2', member('p1')], ['t3', member('p2')]]);
  const r = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 0 });
  checkValid(r, members, SUBS);
  const c = counts(r);
  assert.ok(Math.max(...c) - Math.min(...c) <= 1, `unbalanced: ${c}`);
});

test('the same members and previous assignment give the same assignment (sticky)', () => {
  const first = assignor.assign({ members: new Map([['m1', member('p1')], ['m2', member('p2')], ['m3', member('p3')]]), subtopologies: SUBS, numStandbyReplicas: 0 });
  const members = new Map([...first].map(([id, t]) => [id, member(`p${id.slice(1)}`, { active: t.active })]));
  const second = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 0 });
  for (const id of first.keys()) assert.deepEqual(flat(second.get(id)!.active), flat(first.get(id)!.active));
});

test('a leaving member\'s tasks move to the others, who keep theirs', () => {
  const first = assignor.assign({ members: new Map([['m1', member('p1')], ['m2', member('p2')], ['m3', member('p3')]]), subtopologies: SUBS, numStandbyReplicas: 0 });
  const members = new Map([['m1', member('p1', { active: first.get('m1')!.active })], ['m2', member('p2', { active: first.get('m2')!.active })]]);
  const second = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 0 });
  checkValid(second, members, SUBS);
  for (const id of ['m1', 'm2']) for (const t of flat(first.get(id)!.active)) assert.ok(flat(second.get(id)!.active).includes(t), `${id} lost ${t}`);
  assert.deepEqual(counts(second), [4, 4]);
  const moved = flat(first.get('m3')!.active);
  for (const t of moved) assert.ok(flat(second.get('m1')!.active).includes(t) || flat(second.get('m2')!.active).includes(t));
});

test('the last member standing takes every task', () => {
  const first = assignor.assign({ members: new Map([['m1', member('p1')], ['m2', member('p2')]]), subtopologies: SUBS, numStandbyReplicas: 0 });
  const r = assignor.assign({ members: new Map([['m2', member('p2', { active: first.get('m2')!.active })]]), subtopologies: SUBS, numStandbyReplicas: 0 });
  assert.deepEqual(flat(r.get('m2')!.active), allTasks(SUBS));
});

test('a joining member takes tasks only from the others, which keep the rest', () => {
  const first = assignor.assign({ members: new Map([['m1', member('p1')], ['m2', member('p2')]]), subtopologies: SUBS, numStandbyReplicas: 0 });
  const members = new Map([['m1', member('p1', { active: first.get('m1')!.active })], ['m2', member('p2', { active: first.get('m2')!.active })], ['m3', member('p3')]]);
  const second = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 0 });
  checkValid(second, members, SUBS);
  for (const id of ['m1', 'm2']) for (const t of flat(second.get(id)!.active)) assert.ok(flat(first.get(id)!.active).includes(t), `${id} got ${t} it did not have`);
  const c = counts(second);
  assert.ok(Math.max(...c) - Math.min(...c) <= 1, `unbalanced: ${c}`);
});

test('standby replicas go to another process, for stateful subtopologies only', () => {
  const members = new Map([['m1', member('p1')], ['m2', member('p2')], ['m3', member('p3')]]);
  const r = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 1 });
  checkValid(r, members, SUBS);
  const standbys = [...r.values()].flatMap((m) => flat(m.standby)).sort();
  assert.deepEqual(standbys, ['1_0', '1_1', '1_2', '1_3'], 'one standby per stateful task, none for stateless ones');
  for (const [id, m] of r) for (const t of flat(m.standby)) assert.ok(!flat(m.active).includes(t), `${id} has ${t} as active and standby`);
});

test('two standby replicas need three processes; with two processes one replica is dropped', () => {
  const subs: AssignorSubtopology[] = [{ subtopologyId: 's', numTasks: 3, stateful: true }];
  const three = new Map([['m1', member('p1')], ['m2', member('p2')], ['m3', member('p3')]]);
  const r3 = assignor.assign({ members: three, subtopologies: subs, numStandbyReplicas: 2 });
  checkValid(r3, three, subs);
  assert.equal([...r3.values()].flatMap((m) => flat(m.standby)).length, 6);
  const two = new Map([['m1', member('p1')], ['m2', member('p2')]]);
  const r2 = assignor.assign({ members: two, subtopologies: subs, numStandbyReplicas: 2 });
  checkValid(r2, two, subs);
  assert.equal([...r2.values()].flatMap((m) => flat(m.standby)).length, 3);
});

test('standbys of two threads of the same process never sit on the process running the task', () => {
  const subs: AssignorSubtopology[] = [{ subtopologyId: 's', numTasks: 6, stateful: true }];
  const members = new Map([['a1', member('pa')], ['a2', member('pa')], ['b1', member('pb')], ['b2', member('pb')]]);
  const r = assignor.assign({ members, subtopologies: subs, numStandbyReplicas: 1 });
  checkValid(r, members, subs);
  assert.equal([...r.values()].flatMap((m) => flat(m.standby)).length, 6);
});

test('when a task\'s active owner leaves, its previous standby takes it over', () => {
  const subs: AssignorSubtopology[] = [{ subtopologyId: 's', numTasks: 3, stateful: true }];
  const t = (...ps: number[]) => new Map([['s', new Set(ps)]]);
  // m3 ran s_2 and is gone; m1 kept a standby of s_2.
  const members = new Map([['m1', member('p1', { active: t(0), standby: t(2) })], ['m2', member('p2', { active: t(1), standby: t(0) })]]);
  const r = assignor.assign({ members, subtopologies: subs, numStandbyReplicas: 1 });
  checkValid(r, members, subs);
  assert.deepEqual(flat(r.get('m1')!.active), ['s_0', 's_2']);
  assert.deepEqual(flat(r.get('m2')!.active), ['s_1']);
  // The standbys follow: s_0's stays on m2, the others go where they can.
  assert.ok(flat(r.get('m2')!.standby).includes('s_0'));
});

test('standby tasks stay where they were', () => {
  const subs: AssignorSubtopology[] = [{ subtopologyId: 's', numTasks: 6, stateful: true }];
  const first = assignor.assign({ members: new Map([['m1', member('p1')], ['m2', member('p2')], ['m3', member('p3')]]), subtopologies: subs, numStandbyReplicas: 1 });
  const members = new Map(['m1', 'm2', 'm3'].map((id) => [id, member(`p${id.slice(1)}`, { active: first.get(id)!.active, standby: first.get(id)!.standby })]));
  const second = assignor.assign({ members, subtopologies: subs, numStandbyReplicas: 1 });
  for (const id of ['m1', 'm2', 'm3']) {
    assert.deepEqual(flat(second.get(id)!.active), flat(first.get(id)!.active));
    assert.deepEqual(flat(second.get(id)!.standby), flat(first.get(id)!.standby));
  }
});

test('a restarted member that reports offsets for a task gets it back', () => {
  const subs: AssignorSubtopology[] = [{ subtopologyId: 's', numTasks: 2, stateful: true }];
  // m9 is a restarted instance (new member id, no previous assignment) with state for s_1 on disk.
  const members = new Map([['m1', member('p1', { active: new Map([['s', new Set([0])]]) })], ['m9', member('p9', {}, [['s', 1, 500]])]]);
  const r = assignor.assign({ members, subtopologies: subs, numStandbyReplicas: 0 });
  assert.deepEqual(flat(r.get('m9')!.active), ['s_1']);
  assert.deepEqual(flat(r.get('m1')!.active), ['s_0']);
});

test('the assignment does not depend on the order members are given in', () => {
  const ids = ['m5', 'm1', 'm4', 'm2', 'm3'];
  const a = assignor.assign({ members: new Map(ids.map((id) => [id, member(`p${id}`)])), subtopologies: SUBS, numStandbyReplicas: 1 });
  const b = assignor.assign({ members: new Map([...ids].reverse().map((id) => [id, member(`p${id}`)])), subtopologies: SUBS, numStandbyReplicas: 1 });
  for (const id of ids) {
    assert.deepEqual(flat(a.get(id)!.active), flat(b.get(id)!.active));
    assert.deepEqual(flat(a.get(id)!.standby), flat(b.get(id)!.standby));
  }
});

test('tasks of removed subtopologies in a previous assignment are ignored', () => {
  const members = new Map([['m1', member('p1', { active: new Map([['gone', new Set([0, 1])], ['0', new Set([7])]]) })]]);
  const r = assignor.assign({ members, subtopologies: SUBS, numStandbyReplicas: 0 });
  checkValid(r, members, SUBS);
});

test('no members: an empty assignment', () => {
  assert.equal(assignor.assign({ members: new Map(), subtopologies: SUBS, numStandbyReplicas: 1 }).size, 0);
});

test('many random groups: valid, balanced over single-thread processes, sticky over a member leaving', () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 60; round++) {
    const subs: AssignorSubtopology[] = Array.from({ length: 1 + rand(4) }, (_, i) => ({ subtopologyId: `${i}`, numTasks: 1 + rand(12), stateful: rand(2) === 0 }));
    const n = 1 + rand(6);
    const standby = rand(3);
    const ids = Array.from({ length: n }, (_, i) => `m${i}`);
    const members = new Map(ids.map((id) => [id, member(`p-${id}`)]));
    const first = assignor.assign({ members, subtopologies: subs, numStandbyReplicas: standby });
    checkValid(first, members, subs);
    const c = counts(first);
    assert.ok(Math.max(...c) - Math.min(...c) <= 1, `round ${round}: unbalanced ${c}`);
    if (n < 2) continue;
    const leaving = ids[rand(n)]!;
    const rest = new Map(ids.filter((id) => id !== leaving).map((id) => [id, member(`p-${id}`, { active: first.get(id)!.active, standby: first.get(id)!.standby })]));
    const second = assignor.assign({ members: rest, subtopologies: subs, numStandbyReplicas: standby });
    checkValid(second, rest, subs);
    const c2 = counts(second);
    assert.ok(Math.max(...c2) - Math.min(...c2) <= 1, `round ${round}: unbalanced after leave ${c2}`);
    // Each remaining member keeps every active task it had, as far as its new quota allows.
    const quota = Math.ceil(allTasks(subs).length / rest.size);
    for (const id of rest.keys()) {
      const kept = flat(first.get(id)!.active).filter((t) => flat(second.get(id)!.active).includes(t)).length;
      assert.equal(kept, Math.min(flat(first.get(id)!.active).length, quota), `round ${round}: ${id} lost tasks it could keep`);
    }
  }
});
