// The server-side assignors: balance, stickiness, subscriptions that differ, range co-partitioning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UniformAssignor } from '../../../../src/coordinator/group/consumer/assignors/uniform.js';
import { RangeAssignor } from '../../../../src/coordinator/group/consumer/assignors/range.js';
import type { MemberSpec } from '../../../../src/coordinator/group/consumer/assignors/assignor.js';
import type { TopicPartitions } from '../../../../src/coordinator/group/consumer/assignment.js';

const counts = new Map([['a', 6], ['b', 3], ['c', 4]]);
const describer = { numPartitions: (id: string) => counts.get(id) ?? -1 };

function spec(topics: string[], assignment: TopicPartitions = new Map()): MemberSpec {
  return { subscribedTopicIds: new Set(topics), rackId: null, instanceId: null, assignment };
}

function flat(a: TopicPartitions | undefined): string[] {
  const out: string[] = [];
  for (const [t, ps] of a ?? []) for (const p of ps) out.push(`${t}${p}`);
  return out.sort();
}

function everyPartitionOnce(result: Map<string, TopicPartitions>, topics: string[]): void {
  const seen = new Set<string>();
  for (const a of result.values()) for (const tp of flat(a)) {
    assert.ok(!seen.has(tp), `${tp} assigned twice`);
    seen.add(tp);
  }
  const want = topics.flatMap((t) => Array.from({ length: counts.get(t)! }, (_, p) => `${t}${p}`));
  assert.deepEqual([...seen].sort(), want.sort());
}

test('uniform: identical subscriptions are spread evenly, every partition once', () => {
  const members = new Map([['m1', spec(['a', 'b', 'c'])], ['m2', spec(['a', 'b', 'c'])], ['m3', spec(['a', 'b', 'c'])]]);
  const r = new UniformAssignor().assign({ members, homogeneous: true }, describer);
  everyPartitionOnce(r, ['a', 'b', 'c']);
  for (const a of r.values()) assert.ok(flat(a).length >= 4 && flat(a).length <= 5);
});

test('uniform: a joining member takes partitions only from the others, who keep the rest', () => {
  const first = new UniformAssignor().assign({ members: new Map([['m1', spec(['a'])], ['m2', spec(['a'])]]), homogeneous: true }, describer);
  const members = new Map([['m1', spec(['a'], first.get('m1'))], ['m2', spec(['a'], first.get('m2'))], ['m3', spec(['a'])]]);
  const second = new UniformAssignor().assign({ members, homogeneous: true }, describer);
  everyPartitionOnce(second, ['a']);
  for (const id of ['m1', 'm2']) {
    assert.equal(flat(second.get(id)).length, 2);
    for (const tp of flat(second.get(id))) assert.ok(flat(first.get(id)).includes(tp), `${id} got ${tp} it did not have`);
  }
  assert.equal(flat(second.get('m3')).length, 2);
});

test('uniform: a leaving member\'s partitions go to the others without moving theirs', () => {
  const first = new UniformAssignor().assign({ members: new Map([['m1', spec(['a'])], ['m2', spec(['a'])], ['m3', spec(['a'])]]), homogeneous: true }, describer);
  const second = new UniformAssignor().assign({ members: new Map([['m1', spec(['a'], first.get('m1'))], ['m2', spec(['a'], first.get('m2'))]]), homogeneous: true }, describer);
  everyPartitionOnce(second, ['a']);
  for (const id of ['m1', 'm2']) for (const tp of flat(first.get(id))) assert.ok(flat(second.get(id)).includes(tp));
});

test('uniform: different subscriptions get only their topics, balanced where they overlap', () => {
  const members = new Map([['m1', spec(['a'])], ['m2', spec(['a', 'b'])], ['m3', spec(['b', 'c'])]]);
  const r = new UniformAssignor().assign({ members, homogeneous: false }, describer);
  everyPartitionOnce(r, ['a', 'b', 'c']);
  for (const tp of flat(r.get('m1'))) assert.ok(tp.startsWith('a'));
  for (const tp of flat(r.get('m3'))) assert.ok(tp.startsWith('b') || tp.startsWith('c'));
  const sizes = [...r.values()].map((a) => flat(a).length).sort();
  assert.ok(sizes[2]! - sizes[0]! <= 1, `unbalanced: ${sizes}`);
});

test('uniform: partitions of deleted topics and unsubscribed topics are dropped from the previous assignment', () => {
  const previous: TopicPartitions = new Map([['a', new Set([0, 1, 2])], ['gone', new Set([0])], ['b', new Set([0])]]);
  const r = new UniformAssignor().assign({ members: new Map([['m1', spec(['a'], previous)]]), homogeneous: true }, describer);
  assert.deepEqual(flat(r.get('m1')), ['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
});

test('range: consecutive ranges by member order, the first members one more', () => {
  const members = new Map([['m1', spec(['a', 'c'])], ['m2', spec(['a', 'c'])], ['m3', spec(['a', 'c'])], ['m4', spec(['a', 'c'])]]);
  const r = new RangeAssignor().assign({ members, homogeneous: true }, describer);
  everyPartitionOnce(r, ['a', 'c']);
  assert.deepEqual(flat(r.get('m1')), ['a0', 'a1', 'c0']);
  assert.deepEqual(flat(r.get('m2')), ['a2', 'a3', 'c1']);
  assert.deepEqual(flat(r.get('m3')), ['a4', 'c2']);
  assert.deepEqual(flat(r.get('m4')), ['a5', 'c3']);
});

test('range: topics with the same partition count are co-partitioned', () => {
  // Its own partition counts: the shared ones stay as every other test reads them.
  const withXy = new Map([...counts, ['x', 5], ['y', 5]]);
  const members = new Map([['m1', spec(['x', 'y'])], ['m2', spec(['x', 'y'])]]);
  const r = new RangeAssignor().assign({ members, homogeneous: true }, { numPartitions: (id: string) => withXy.get(id) ?? -1 });
  for (const a of r.values()) assert.deepEqual([...(a.get('x') ?? [])].sort(), [...(a.get('y') ?? [])].sort());
});

test('range: static members come first, by instance id, so new member ids keep their ranges', () => {
  const members = new Map<string, MemberSpec>([
    ['zzz', { ...spec(['a']), instanceId: 'i-1' }],
    ['aaa', { ...spec(['a']), instanceId: 'i-2' }],
    ['mmm', spec(['a'])],
  ]);
  const r = new RangeAssignor().assign({ members, homogeneous: true }, describer);
  assert.deepEqual(flat(r.get('zzz')), ['a0', 'a1']);
  assert.deepEqual(flat(r.get('aaa')), ['a2', 'a3']);
  assert.deepEqual(flat(r.get('mmm')), ['a4', 'a5']);
});
