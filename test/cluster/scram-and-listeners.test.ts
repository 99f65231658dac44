// The etcd metadata store on the in-process MemoryKv: SCRAM credentials written by one broker
// are seen by the others, and every broker's listeners travel with its registration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTwoKvStores, until } from './kv-stores.js';
import { endpointOn } from '../../src/cluster/metadata.js';

test('SCRAM credentials and listener endpoints are shared through the kv store', async () => {
  const { a, b, close } = await openTwoKvStores((nodeId) => ({
    nodeId,
    host: 'internal',
    port: 9100 + nodeId,
    rack: null,
    listeners: [
      { name: 'CLIENT', host: 'public', port: 9000 + nodeId, securityProtocol: 'SASL_SSL' },
      { name: 'INTERNAL', host: 'internal', port: 9100 + nodeId, securityProtocol: 'PLAINTEXT' },
    ],
  }));
  try {
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
    await close();
  }
});
