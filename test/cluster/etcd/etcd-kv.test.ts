// EtcdKv against a real etcd (Debian's etcd-server): the same contract MemoryKv passes, and
// lease expiry in real time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdKv } from '../../../src/cluster/kv/etcd-kv.js';
import { kvContract } from '../kv/kv-contract.js';
import { eventually } from '../../helpers/eventually.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';

let server: EtcdServer;
before(async () => {
  server = await startEtcd();
});
after(async () => {
  await server.stop();
});

kvContract('EtcdKv', async () => {
  const kv = new EtcdKv({ hosts: [server.endpoint] });
  return { kv, done: () => kv.close() };
});

test('EtcdKv: a lease not kept alive expires, and etcd deletes its keys', async () => {
  const kv = new EtcdKv({ hosts: [server.endpoint] });
  try {
    const lease = await kv.grantLease(1);
    await kv.txn({ compares: [], success: [{ type: 'put', key: '/expiry/a', value: 'x', lease }] });
    assert.equal((await kv.get('/expiry/a'))!.lease, lease);
    await eventually('the lease to expire', async () => (await kv.get('/expiry/a')) === undefined, { intervalMs: 100 });
    assert.equal(await kv.keepAlive(lease), 0);
  } finally {
    await kv.close();
  }
});
