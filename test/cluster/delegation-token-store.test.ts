// The etcd metadata store on the in-process MemoryKv: a delegation token created through one
// broker is known to the other (its HMAC finds it there, and it authenticates SCRAM there),
// renewals and removals travel too, and a write computed from a token another broker changed
// meanwhile is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTwoKvStores, until } from './kv-stores.js';
import { DelegationTokenManager } from '../../src/security/delegation-tokens.js';
import { scramMechanism } from '../../src/security/sasl/scram.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';

const SETTINGS = { secretKey: 'cluster-secret', maxLifetimeMs: 604_800_000n, expiryTimeMs: 86_400_000n };

test('delegation tokens are shared through the kv store', async () => {
  const { a, b, close } = await openTwoKvStores((nodeId) => ({ nodeId, host: 'localhost', port: 9100 + nodeId, rack: null }));
  let now = 1_000_000n;
  const onA = new DelegationTokenManager(() => a, SETTINGS, () => now);
  const onB = new DelegationTokenManager(() => b, SETTINGS, () => now);
  try {
    const { token, hmac } = await onA.create('User:alice', 'User:alice', ['User:bob'], -1n);
    await until('the token seen by broker 2', () => b.delegationTokens().has(token!.tokenId));
    assert.deepEqual(b.delegationTokens().get(token!.tokenId), token);
    assert.equal(onB.tokenForHmac(hmac)?.tokenId, token!.tokenId);
    assert.equal(onB.scramCredential(token!.tokenId, scramMechanism('SCRAM-SHA-512')!)?.ownerName, 'alice');

    now += 1000n;
    const renewed = await onB.renew('User:bob', hmac, 60_000n);
    assert.deepEqual(renewed, { errorCode: ErrorCode.NONE, expiryTimestamp: now + 60_000n });
    await until('the renewal seen by broker 1', () => a.delegationTokens().get(token!.tokenId)?.expiryTimestamp === now + 60_000n);

    // A write computed from the token as it was before the renewal is refused.
    await assert.rejects(a.putDelegationToken({ ...token!, expiryTimestamp: 5n }, token!), /changed meanwhile/);

    now += 60_001n;
    assert.deepEqual(await onA.sweep(), [token!.tokenId]);
    await until('the removal seen by broker 2', () => !b.delegationTokens().has(token!.tokenId));
    assert.equal(onB.scramCredential(token!.tokenId, scramMechanism('SCRAM-SHA-256')!), undefined);
  } finally {
    await close();
  }
});
