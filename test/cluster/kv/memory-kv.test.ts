import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKv } from '../../../src/cluster/kv/memory-kv.js';
import { ManualClock, settle } from '../../../src/cluster/kv/clock.js';
import { KvCompactedError, type WatchEvent } from '../../../src/cluster/kv/kv.js';
import { LeaseSession } from '../../../src/cluster/kv/session.js';
import { kvContract } from './kv-contract.js';

kvContract('MemoryKv', async () => {
  const kv = new MemoryKv();
  return { kv, done: () => kv.close() };
});

test('MemoryKv: a lease not kept alive expires after its TTL, deleting its keys in one revision', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const lease = await kv.grantLease(10);
  const put = await kv.txn({ compares: [], success: [{ type: 'put', key: '/a', value: '1', lease }, { type: 'put', key: '/b', value: '2', lease }] });
  const seen: WatchEvent[] = [];
  await kv.watch('/', put.revision + 1, { events: (evs) => seen.push(...evs), error: (e) => assert.fail(e) });
  await clock.advance(9_000);
  assert.equal((await kv.keepAlive(lease)), 10, 'renewed before expiry');
  await clock.advance(9_000);
  assert.ok(await kv.get('/a'), 'the renewal moved the deadline');
  await clock.advance(1_000);
  assert.equal(await kv.get('/a'), undefined);
  assert.equal(await kv.get('/b'), undefined);
  assert.equal(await kv.keepAlive(lease), 0);
  assert.deepEqual(seen.map((e) => `${e.type} ${e.entry.key}`), ['delete /a', 'delete /b']);
  assert.equal(seen[0]!.entry.modRevision, seen[1]!.entry.modRevision, 'one revision for the expiry');
  await kv.close();
});

test('MemoryKv: a watch from a compacted revision fails with KvCompactedError', async () => {
  const kv = new MemoryKv();
  const first = await kv.txn({ compares: [], success: [{ type: 'put', key: '/a', value: '1' }] });
  await kv.txn({ compares: [], success: [{ type: 'put', key: '/a', value: '2' }] });
  kv.compact(first.revision);
  const errors: Error[] = [];
  await kv.watch('/', first.revision, { events: () => assert.fail('no events'), error: (e) => errors.push(e) });
  await settle();
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof KvCompactedError);
  const replay: string[] = [];
  await kv.watch('/', first.revision + 1, { events: (evs) => replay.push(...evs.map((e) => e.entry.value)), error: (e) => assert.fail(e) });
  await settle();
  assert.deepEqual(replay, ['2']);
  await kv.close();
});

test('LeaseSession: keep-alives hold the lease; cut off from the store for a TTL, the session is lost', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const lost: string[] = [];
  const session = await LeaseSession.start({ kv, clock, ttlSeconds: 3, onLost: (r) => lost.push(r) });
  await kv.txn({ compares: [], success: [{ type: 'put', key: '/held', value: 'x', lease: session.id }] });
  await clock.advance(30_000);
  assert.ok(await kv.get('/held'), 'kept alive for ten TTLs');
  assert.equal(lost.length, 0);
  await kv.revokeLease(session.id); // as etcd does when it expired the lease behind our back
  await clock.advance(1_000);
  assert.equal(lost.length, 1);
  assert.match(lost[0]!, /expired/);
  assert.equal(session.live, false);

  const abandoned = await LeaseSession.start({ kv, clock, ttlSeconds: 3, onLost: (r) => lost.push(r) });
  await kv.txn({ compares: [], success: [{ type: 'put', key: '/crashed', value: 'x', lease: abandoned.id }] });
  abandoned.abandon();
  await clock.advance(2_000);
  assert.ok(await kv.get('/crashed'));
  await clock.advance(1_000);
  assert.equal(await kv.get('/crashed'), undefined, 'an abandoned lease expires after its TTL');
  await kv.close();
});
