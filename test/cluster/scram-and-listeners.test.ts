// The etcd metadata store on the in-process MemoryKv: SCRAM credentials written by one broker
// are seen by the others, and every broker's listeners travel with its registration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { ManualClock, settle } from '../../src/cluster/kv/clock.js';
import { KvMetadataStore } from '../../src/cluster/kv-metadata-store.js';
import { endpointOn } from '../../src/cluster/metadata.js';

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await settle(1);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('SCRAM credentials and listener endpoints are shared through the kv store', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const dirs: string[] = [];
  const stores: KvMetadataStore[] = [];
  try {
    for (const nodeId of [1, 2]) {
      const logDir = mkdtempSync(join(tmpdir(), 'millrace-kvscram-'));
      dirs.push(logDir);
      stores.push(await KvMetadataStore.open({
        kv,
        clock,
        logDir,
        self: {
          nodeId,
          host: 'internal',
          port: 9100 + nodeId,
          rack: null,
          listeners: [
            { name: 'CLIENT', host: 'public', port: 9000 + nodeId, securityProtocol: 'SASL_SSL' },
            { name: 'INTERNAL', host: 'internal', port: 9100 + nodeId, securityProtocol: 'PLAINTEXT' },
          ],
        },
        sessionTtlSeconds: 3,
        random: () => 0,
      }));
    }
    const [a, b] = stores as [KvMetadataStore, KvMetadataStore];
    await until('both brokers registered', () => a.brokers().length === 2 && b.brokers().length === 2);
    const two = b.brokers().find((x) => x.nodeId === 1)!;
    assert.deepEqual(endpointOn(two, 'CLIENT'), { name: 'CLIENT', host: 'public', port: 9001, securityProtocol: 'SASL_SSL' });
    assert.equal(endpointOn(two, 'OTHER'), undefined);

    const cred = { salt: Buffer.from('salt'), storedKey: Buffer.alloc(32, 1), serverKey: Buffer.alloc(32, 2), iterations: 4096 };
    await a.alterScramCredentials([{ user: 'alice', mechanism: 'SCRAM-SHA-256', credential: cred }, { user: 'bob', mechanism: 'SCRAM-SHA-512', credential: { ...cred, iterations: 8192 } }]);
    await until('credentials seen by broker 2', () => b.scramCredentials('bob') !== undefined);
    assert.deepEqual(b.scramCredentials('alice')?.get('SCRAM-SHA-256'), cred);
    assert.deepEqual([...b.scramUsers()].sort(), ['alice', 'bob']);
    await b.alterScramCredentials([{ user: 'alice', mechanism: 'SCRAM-SHA-256', credential: null }]);
    await until('deletion seen by broker 1', () => a.scramCredentials('alice') === undefined);
    assert.deepEqual([...a.scramUsers()], ['bob']);
  } finally {
    for (const s of stores) await s.close();
    await kv.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
