/**
 * What every `Kv` must do, run against MemoryKv (hermetic) and EtcdKv (test/cluster/etcd/):
 * the same assertions, so the in-process store is held to etcd's semantics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { absent, createRevisionIs, modRevisionIs, present, type Kv, type WatchEvent } from '../../../src/cluster/kv/kv.js';
import { eventually } from '../../helpers/eventually.js';

export interface KvFixture {
  kv: Kv;
  /** Ends what the fixture made (not the store a suite shares). */
  done(): Promise<void>;
}

export function kvContract(name: string, make: () => Promise<KvFixture>): void {
  const prefix = (): string => `/contract-${randomBytes(4).toString('hex')}/`;

  test(`${name}: transactions compare versions and revisions; one revision per writing transaction`, async () => {
    const { kv, done } = await make();
    try {
      const p = prefix();
      const a = `${p}a`;
      const created = await kv.txn({ compares: [absent(a)], success: [{ type: 'put', key: a, value: '1' }, { type: 'put', key: `${p}b`, value: 'x' }] });
      assert.equal(created.succeeded, true);
      const e = (await kv.get(a))!;
      assert.deepEqual([e.value, e.version, e.createRevision, e.modRevision], ['1', 1, created.revision, created.revision]);
      assert.equal((await kv.get(`${p}b`))!.modRevision, created.revision, 'both puts carry the transaction revision');

      const again = await kv.txn({ compares: [absent(a)], success: [{ type: 'put', key: a, value: '2' }], failure: [{ type: 'put', key: `${p}lost`, value: 'y' }] });
      assert.equal(again.succeeded, false);
      assert.equal((await kv.get(a))!.value, '1');
      assert.equal((await kv.get(`${p}lost`))!.value, 'y', 'the failure branch ran');

      const stale = await kv.txn({ compares: [modRevisionIs(a, created.revision - 1)], success: [{ type: 'put', key: a, value: '3' }] });
      assert.equal(stale.succeeded, false);
      const cas = await kv.txn({ compares: [modRevisionIs(a, created.revision), createRevisionIs(a, created.revision), present(a)], success: [{ type: 'put', key: a, value: '3' }] });
      assert.equal(cas.succeeded, true);
      const updated = (await kv.get(a))!;
      assert.deepEqual([updated.value, updated.version, updated.createRevision, updated.modRevision], ['3', 2, created.revision, cas.revision]);
      assert.ok(cas.revision > created.revision);

      const { entries, revision } = await kv.range(p);
      assert.deepEqual(entries.map((x) => x.key), [a, `${p}b`, `${p}lost`]);
      assert.ok(revision >= cas.revision);

      const deleted = await kv.txn({ compares: [], success: [{ type: 'deletePrefix', prefix: p }] });
      assert.equal(deleted.succeeded, true);
      assert.deepEqual((await kv.range(p)).entries, []);
      assert.equal(await kv.get(a), undefined);
      const recreated = await kv.txn({ compares: [absent(a)], success: [{ type: 'put', key: a, value: 'new' }] });
      assert.equal(recreated.succeeded, true);
      assert.equal((await kv.get(a))!.version, 1, 'a key created again starts over');
    } finally {
      await done();
    }
  });

  test(`${name}: a revoked lease deletes its keys; keep-alive of a lease that is gone answers 0`, async () => {
    const { kv, done } = await make();
    try {
      const p = prefix();
      const lease = await kv.grantLease(30);
      assert.ok((await kv.keepAlive(lease)) > 0);
      await kv.txn({ compares: [], success: [{ type: 'put', key: `${p}leased`, value: 'v', lease }, { type: 'put', key: `${p}kept`, value: 'v' }] });
      assert.equal((await kv.get(`${p}leased`))!.lease, lease);
      await kv.revokeLease(lease);
      assert.equal(await kv.get(`${p}leased`), undefined);
      assert.equal((await kv.get(`${p}kept`))!.value, 'v');
      assert.equal(await kv.keepAlive(lease), 0);
      await kv.revokeLease(lease); // already gone: not an error
      await assert.rejects(kv.txn({ compares: [], success: [{ type: 'put', key: `${p}x`, value: 'v', lease }] }));
    } finally {
      await done();
    }
  });

  test(`${name}: a watch replays history from its revision, then follows, in revision order`, async () => {
    const { kv, done } = await make();
    try {
      const p = prefix();
      const first = await kv.txn({ compares: [], success: [{ type: 'put', key: `${p}1`, value: 'a' }] });
      await kv.txn({ compares: [], success: [{ type: 'put', key: `${p}1`, value: 'b' }] });
      await kv.txn({ compares: [], success: [{ type: 'put', key: '/elsewhere', value: 'not watched' }] });
      const seen: WatchEvent[] = [];
      const revisions: number[] = [];
      const w = await kv.watch(p, first.revision, { events: (evs, rev) => { seen.push(...evs); revisions.push(rev); }, error: (err) => assert.fail(err) });
      const lease = await kv.grantLease(30);
      await kv.txn({ compares: [], success: [{ type: 'put', key: `${p}2`, value: 'c', lease }] });
      await kv.revokeLease(lease);
      await kv.txn({ compares: [], success: [{ type: 'delete', key: `${p}1` }] });
      await eventually('five events', () => seen.length >= 5);
      assert.deepEqual(seen.map((e) => `${e.type} ${e.entry.key.slice(p.length)} ${e.entry.value}`), ['put 1 a', 'put 1 b', 'put 2 c', 'delete 2 ', 'delete 1 ']);
      const revs = seen.map((e) => e.entry.modRevision);
      assert.deepEqual([...revs].sort((x, y) => x - y), revs);
      assert.equal(revs[0], first.revision);
      assert.equal(revisions[revisions.length - 1], revs[revs.length - 1]);
      await w.cancel();
      await kv.txn({ compares: [], success: [{ type: 'put', key: `${p}3`, value: 'after cancel' }] });
      await kv.get(`${p}3`);
      assert.equal(seen.length, 5);
    } finally {
      await done();
    }
  });
}
