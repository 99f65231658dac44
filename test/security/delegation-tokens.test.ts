// DelegationTokenManager as Kafka's DelegationTokenControlManager decides: lifetimes and
// expiries, renew and expire by HMAC with the owner/renewer rule, the expired-token errors,
// the sweep, the SCRAM credential of a token, and tokens kept by the local store across a reopen.
import { after, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import { DelegationTokenManager, type DelegationTokenSettings } from '../../src/security/delegation-tokens.js';
import { scramMechanism } from '../../src/security/sasl/scram.js';
import { clientKey, saltedPassword, scramDigest } from '../../src/common/scram.js';

const SELF = { nodeId: 1, host: '127.0.0.1', port: 9092, rack: null };
const HOUR = 3_600_000n;
const DAY = 24n * HOUR;
const SETTINGS: DelegationTokenSettings = { secretKey: 'secret', maxLifetimeMs: 7n * DAY, expiryTimeMs: DAY };
const dirs: string[] = [];
let now = 1_000_000n;
let store: LocalMetadataStore;
let dir: string;

function manager(settings: DelegationTokenSettings = SETTINGS, s: LocalMetadataStore = store): DelegationTokenManager {
  return new DelegationTokenManager(() => s, settings, () => now);
}

beforeEach(() => {
  now = 1_000_000n;
  dir = mkdtempSync(join(tmpdir(), 'millrace-tokens-'));
  dirs.push(dir);
  store = LocalMetadataStore.open(dir, SELF);
});

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('without a secret key every operation answers DELEGATION_TOKEN_AUTH_DISABLED and no token authenticates', async () => {
  for (const secretKey of [null, '']) {
    const m = manager({ ...SETTINGS, secretKey });
    assert.equal(m.enabled, false);
    assert.equal((await m.create('User:alice', 'User:alice', [], -1n)).errorCode, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
    assert.equal((await m.renew('User:alice', Buffer.alloc(64), -1n)).errorCode, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
    assert.equal((await m.expire('User:alice', Buffer.alloc(64), -1n)).errorCode, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
  }
  assert.equal(store.delegationTokens().size, 0);
});

test('create: the configured lifetime unless the request asks for less; the expiry one expiry time away, never past the lifetime', async () => {
  const m = manager();
  const a = await m.create('User:alice', 'User:alice', ['User:bob'], -1n);
  assert.equal(a.errorCode, ErrorCode.NONE);
  const t = a.token!;
  assert.match(t.tokenId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual([t.issueTimestamp, t.expiryTimestamp, t.maxTimestamp], [now, now + DAY, now + 7n * DAY]);
  assert.deepEqual(a.hmac, createHmac('sha512', 'secret').update(t.tokenId).digest());
  assert.deepEqual(t.renewers, ['User:bob']);
  const longer = (await m.create('User:alice', 'User:alice', [], 30n * DAY)).token!;
  assert.equal(longer.maxTimestamp, now + 7n * DAY);
  const short = (await m.create('User:alice', 'User:alice', [], HOUR)).token!;
  assert.deepEqual([short.expiryTimestamp, short.maxTimestamp], [now + HOUR, now + HOUR]);
  const forever = (await manager({ ...SETTINGS, maxLifetimeMs: 0x7fffffffffffffffn })).create('User:alice', 'User:alice', [], 0n);
  assert.equal((await forever).token!.maxTimestamp, 0x7fffffffffffffffn);
  const refused = await m.create('User:alice', 'User:alice', ['Group:g'], -1n);
  assert.equal(refused.errorCode, ErrorCode.INVALID_PRINCIPAL_TYPE);
  assert.equal(store.delegationTokens().size, 4);
  assert.equal(store.delegationTokens().get(t.tokenId)!.owner, 'User:alice');
});

test('renew: by the owner or a renewer only, for at most the expiry time, never past the lifetime; unknown and expired tokens refused', async () => {
  const m = manager();
  const { token, hmac } = await m.create('User:alice', 'User:carol', ['User:bob'], 2n * DAY);
  now += HOUR;
  assert.deepEqual(await m.renew('User:alice', hmac, -1n), { errorCode: ErrorCode.NONE, expiryTimestamp: now + DAY });
  assert.deepEqual(await m.renew('User:bob', hmac, HOUR), { errorCode: ErrorCode.NONE, expiryTimestamp: now + HOUR });
  assert.equal(store.delegationTokens().get(token!.tokenId)!.expiryTimestamp, now + HOUR);
  // The requester is neither owner nor renewer.
  assert.equal((await m.renew('User:carol', hmac, -1n)).errorCode, ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH);
  assert.equal((await m.renew('User:alice', Buffer.from('nope'), -1n)).errorCode, ErrorCode.DELEGATION_TOKEN_NOT_FOUND);
  assert.deepEqual(await m.renew('User:alice', hmac, -1n), { errorCode: ErrorCode.NONE, expiryTimestamp: now + DAY });
  now += DAY - 1n;
  assert.deepEqual(await m.renew('User:alice', hmac, 3n * DAY), { errorCode: ErrorCode.NONE, expiryTimestamp: token!.maxTimestamp });
  now = token!.maxTimestamp + 1n;
  assert.equal((await m.renew('User:alice', hmac, -1n)).errorCode, ErrorCode.DELEGATION_TOKEN_EXPIRED);
});

test('expire: a negative period removes the token at once; otherwise it expires after the period; expired tokens refused', async () => {
  const m = manager();
  const a = await m.create('User:alice', 'User:alice', ['User:bob'], -1n);
  assert.equal((await m.expire('User:eve', a.hmac, -1n)).errorCode, ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH);
  assert.deepEqual(await m.expire('User:bob', a.hmac, HOUR), { errorCode: ErrorCode.NONE, expiryTimestamp: now + HOUR });
  assert.deepEqual(await m.expire('User:alice', a.hmac, 0n), { errorCode: ErrorCode.NONE, expiryTimestamp: now });
  now += 1n;
  assert.equal((await m.expire('User:alice', a.hmac, HOUR)).errorCode, ErrorCode.DELEGATION_TOKEN_EXPIRED);
  // Expiring at once works on an expired token too (Kafka checks the period first).
  assert.deepEqual(await m.expire('User:alice', a.hmac, -1n), { errorCode: ErrorCode.NONE, expiryTimestamp: now });
  assert.equal(store.delegationTokens().size, 0);
  assert.equal((await m.expire('User:alice', a.hmac, -1n)).errorCode, ErrorCode.DELEGATION_TOKEN_NOT_FOUND);
});

test('the sweep removes tokens past their expiry or lifetime and keeps the others', async () => {
  const m = manager();
  const soon = (await m.create('User:alice', 'User:alice', [], HOUR)).token!;
  const later = (await m.create('User:alice', 'User:alice', [], -1n)).token!;
  assert.deepEqual(await m.sweep(), []);
  now += HOUR;
  assert.deepEqual(await m.sweep(), [], 'a token is expired only once its expiry has passed');
  now += 1n;
  assert.deepEqual(await m.sweep(), [soon.tokenId]);
  assert.deepEqual([...store.delegationTokens().keys()], [later.tokenId]);
});

test("a token's SCRAM credential is derived from its base64 HMAC with 4096 iterations; refused once the token expired or went", async () => {
  const m = manager();
  const { token, hmac } = await m.create('User:alice', 'User:alice', [], -1n);
  for (const name of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    const mech = scramMechanism(name)!;
    const c = m.scramCredential(token!.tokenId, mech)!;
    assert.equal(c.ownerName, 'alice');
    assert.equal(c.expiryTimestamp, token!.expiryTimestamp);
    assert.equal(c.credential.iterations, 4096);
    const salted = saltedPassword(mech, hmac.toString('base64'), c.credential.salt, 4096);
    assert.deepEqual(c.credential.storedKey, scramDigest(mech, clientKey(mech, salted)));
  }
  assert.equal(m.scramCredential('no-such-token', scramMechanism('SCRAM-SHA-256')!), undefined);
  assert.equal(manager({ ...SETTINGS, secretKey: null }).scramCredential(token!.tokenId, scramMechanism('SCRAM-SHA-256')!), undefined);
  now = token!.expiryTimestamp + 1n;
  assert.equal(m.scramCredential(token!.tokenId, scramMechanism('SCRAM-SHA-256')!), undefined);
});

test('tokens are kept in the local metadata file: a reopened store knows them, and their HMACs find them', async () => {
  const m = manager();
  const { token, hmac } = await m.create('User:alice', 'User:admin', ['User:bob'], -1n);
  await m.renew('User:bob', hmac, HOUR);
  const reopened = LocalMetadataStore.open(dir, SELF);
  assert.deepEqual(reopened.delegationTokens().get(token!.tokenId), { ...token!, expiryTimestamp: now + HOUR });
  const m2 = manager(SETTINGS, reopened);
  assert.equal(m2.tokenForHmac(hmac)?.tokenId, token!.tokenId);
  await m2.expire('User:alice', hmac, -1n);
  assert.equal(LocalMetadataStore.open(dir, SELF).delegationTokens().size, 0);
});

test('a write computed from a token that changed meanwhile is refused', async () => {
  const m = manager();
  const { token } = await m.create('User:alice', 'User:alice', [], -1n);
  const stale = token!;
  await store.putDelegationToken({ ...stale, expiryTimestamp: stale.expiryTimestamp + 1n }, stale);
  await assert.rejects(store.putDelegationToken({ ...stale, expiryTimestamp: 5n }, stale), /changed meanwhile/);
  await assert.rejects(store.putDelegationToken(stale, undefined), /changed meanwhile/);
});
