// KIP-932's simple assignor: every partition assigned; more members than partitions share
// them (ceil(members / partitions) members each); fewer members split them evenly; sticky
// across membership changes; heterogeneous subscriptions are spread per topic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopicPartitions } from '../../../src/coordinator/group/consumer/assignment.js';
import { simpleAssign, type AssignorMember } from '../../../src/coordinator/share/simple-assignor.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

function member(memberId: string, topics: string[], current: TopicPartitions = new Map()): AssignorMember {
  return { memberId, subscribedTopicIds: new Set(topics), current };
}

function list(a: TopicPartitions | undefined): string[] {
  const out: string[] = [];
  for (const [t, ps] of a ?? new Map<string, Set<number>>()) for (const p of ps) out.push(`${t[0]}${p}`);
  return out.sort();
}

test('three members on one partition all get it', () => {
  const out = simpleAssign([member('m1', [A]), member('m2', [A]), member('m3', [A])], new Map([[A, 1]]));
  for (const m of ['m1', 'm2', 'm3']) assert.deepEqual(list(out.get(m)), ['a0']);
});

test('fewer members than partitions split them evenly, each partition to one member', () => {
  const out = simpleAssign([member('m1', [A]), member('m2', [A])], new Map([[A, 5]]));
  const all = [...list(out.get('m1')), ...list(out.get('m2'))].sort();
  assert.deepEqual(all, ['a0', 'a1', 'a2', 'a3', 'a4']);
  assert.ok(Math.abs(list(out.get('m1')).length - list(out.get('m2')).length) <= 1);
});

test('five members on two partitions: each partition shared by three, each member one partition', () => {
  const members = ['m1', 'm2', 'm3', 'm4', 'm5'].map((m) => member(m, [A]));
  const out = simpleAssign(members, new Map([[A, 2]]));
  const holders = new Map<string, number>();
  for (const m of members) {
    const got = list(out.get(m.memberId));
    assert.ok(got.length >= 1 && got.length <= 2, `${m.memberId}: ${got}`);
    for (const p of got) holders.set(p, (holders.get(p) ?? 0) + 1);
  }
  assert.equal(holders.get('a0'), 3);
  assert.equal(holders.get('a1'), 3);
});

test('sticky: members keep what they had when one joins', () => {
  const first = simpleAssign([member('m1', [A]), member('m2', [A])], new Map([[A, 4]]));
  const second = simpleAssign([member('m1', [A], first.get('m1')), member('m2', [A], first.get('m2')), member('m3', [A])], new Map([[A, 4]]));
  for (const m of ['m1', 'm2']) for (const p of list(second.get(m))) assert.ok(list(first.get(m)).includes(p), `${m} moved ${p}`);
  assert.ok(list(second.get('m3')).length >= 1);
  assert.equal([...list(second.get('m1')), ...list(second.get('m2')), ...list(second.get('m3'))].length, 4);
});

test('heterogeneous subscriptions: each topic over its own subscribers; unknown topics ignored', () => {
  const out = simpleAssign([member('m1', [A]), member('m2', [A, B])], new Map([[A, 1], [B, 2]]));
  assert.deepEqual(list(out.get('m1')), ['a0']);
  assert.deepEqual(list(out.get('m2')), ['a0', 'b0', 'b1']);
  assert.deepEqual(list(simpleAssign([member('m1', ['c'.repeat(32)])], new Map()).get('m1')), []);
});
