// CreateDelegationToken, RenewDelegationToken, ExpireDelegationToken and DescribeDelegationToken
// over the wire at every version, with Kafka's error codes: refused on PLAINTEXT and on a
// connection authenticated with a token, CREATE_TOKENS for another owner, renewers of another
// type, owner/renewer rules, DESCRIBE_TOKENS and the owners filter; SCRAM with tokenauth=true
// authenticates as the token's owner until the token is expired; disabled without a secret key.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import { principalsOn, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { connectSaslPlain, connectScram } from '../../helpers/sasl-client.js';
import { WireClient } from '../../helpers/wire-client.js';
import { makePki } from '../../helpers/certs.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a" user_bob="b" user_carol="c";';
const CONFIG = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:ANONYMOUS',
  'connection.failed.authentication.delay.ms': 0,
};
let tb: TestBroker;
let sasl: string;
let alice: WireClient;
let carol: WireClient;

before(async () => {
  tb = await startTestBroker({ config: { ...CONFIG, 'delegation.token.secret.key': 'the-secret' } });
  sasl = tb.broker.listenerAddress('SASL_PLAINTEXT');
  alice = await connectSaslPlain(sasl, 'alice', 'a');
  carol = await connectSaslPlain(sasl, 'carol', 'c');
});

after(async () => {
  alice?.close();
  carol?.close();
  await tb?.close();
});

const create = (c: WireClient, version: number, renewers: string[] = [], owner: string | null = null, maxLifetimeMs = -1n) =>
  c.request(ApiKey.CreateDelegationToken, version, {
    ownerPrincipalType: owner === null ? '' : owner.split(':')[0]!,
    ownerPrincipalName: owner === null ? '' : owner.split(':')[1]!,
    renewers: renewers.map((r) => ({ principalType: r.split(':')[0]!, principalName: r.split(':')[1]! })),
    maxLifetimeMs,
  });
const describe = (c: WireClient, version: number, owners: string[] | null = null) =>
  c.request(ApiKey.DescribeDelegationToken, version, { owners: owners === null ? null : owners.map((o) => ({ principalType: o.split(':')[0]!, principalName: o.split(':')[1]! })) });
const renew = (c: WireClient, version: number, hmac: Buffer, renewPeriodMs = -1n) => c.request(ApiKey.RenewDelegationToken, version, { hmac, renewPeriodMs });
const expire = (c: WireClient, version: number, hmac: Buffer, expiryTimePeriodMs = -1n) => c.request(ApiKey.ExpireDelegationToken, version, { hmac, expiryTimePeriodMs });

test('no token requests on PLAINTEXT: DELEGATION_TOKEN_REQUEST_NOT_ALLOWED with timestamps -1', async () => {
  const c = await create(tb.client, 3);
  assert.equal(c.errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
  assert.deepEqual([c.principalType, c.principalName, c.issueTimestampMs, c.expiryTimestampMs, c.maxTimestampMs, c.tokenId], ['User', 'ANONYMOUS', -1n, -1n, -1n, '']);
  assert.deepEqual(await renew(tb.client, 2, Buffer.alloc(64)), { errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, expiryTimestampMs: -1n, throttleTimeMs: 0 });
  assert.equal((await expire(tb.client, 1, Buffer.alloc(64))).errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
  assert.equal((await describe(tb.client, 3)).errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
});

test('a token authenticates SCRAM (tokenauth=true) as its owner, and that connection may not ask for tokens', async () => {
  for (const version of [1, 2, 3]) {
    const r = await create(alice, version, ['User:bob']);
    assert.equal(r.errorCode, ErrorCode.NONE, `v${version}`);
    assert.deepEqual([r.principalType, r.principalName], ['User', 'alice']);
    assert.deepEqual([r.tokenRequesterPrincipalType, r.tokenRequesterPrincipalName], version >= 3 ? ['User', 'alice'] : ['', '']);
    assert.equal(r.hmac.length, 64);
    assert.ok(r.expiryTimestampMs - r.issueTimestampMs === 86_400_000n && r.maxTimestampMs - r.issueTimestampMs === 604_800_000n);
  }
  const token = await create(alice, 3);
  const password = token.hmac.toString('base64');
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    const byToken = await connectScram(sasl, mechanism, token.tokenId, password, true);
    try {
      assert.ok(principalsOn(tb, 'SASL_PLAINTEXT').filter((p) => p === 'User:alice').length >= 2);
      const refused = await create(byToken, 3);
      assert.equal(refused.errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
      assert.deepEqual([refused.principalName, refused.tokenRequesterPrincipalName], ['alice', 'alice']);
      assert.equal((await describe(byToken, 3)).errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
      assert.equal((await renew(byToken, 2, token.hmac)).errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
      assert.equal((await expire(byToken, 2, token.hmac)).errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
    } finally {
      byToken.close();
    }
  }
  await assert.rejects(connectScram(sasl, 'SCRAM-SHA-256', token.tokenId, 'wrong', true), /error 58/);
  // Without tokenauth the token id is a user name like any other, and has no credential.
  await assert.rejects(connectScram(sasl, 'SCRAM-SHA-256', token.tokenId, password, false), /error 58/);
});

test('a token for another owner needs CREATE_TOKENS on that User; renewers must be Users', async () => {
  const denied = await create(alice, 3, [], 'User:bob');
  assert.equal(denied.errorCode, ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED);
  assert.deepEqual([denied.principalName, denied.tokenRequesterPrincipalName, denied.issueTimestampMs], ['bob', 'alice', -1n]);
  const acl = await tb.client.request(ApiKey.CreateAcls, 3, {
    creations: [{ resourceType: Res.User, resourceName: 'User:bob', resourcePatternType: Pat.Literal, principal: 'User:alice', host: '*', operation: Op.CreateTokens, permissionType: Perm.Allow }],
  });
  assert.equal(acl.results[0]!.errorCode, ErrorCode.NONE);
  const forBob = await create(alice, 3, [], 'User:bob');
  assert.equal(forBob.errorCode, ErrorCode.NONE);
  assert.deepEqual([forBob.principalName, forBob.tokenRequesterPrincipalName], ['bob', 'alice']);
  const bobs = await connectScram(sasl, 'SCRAM-SHA-256', forBob.tokenId, forBob.hmac.toString('base64'), true);
  assert.ok(principalsOn(tb, 'SASL_PLAINTEXT').includes('User:bob'));
  bobs.close();
  const group = await create(alice, 3, ['Group:g']);
  assert.equal(group.errorCode, ErrorCode.INVALID_PRINCIPAL_TYPE);
  assert.equal(group.maxTimestampMs, -1n);
});

test('describe: owners, requesters and renewers see their tokens; others need DESCRIBE_TOKENS on the owner; the owners filter', async () => {
  const mine = await create(alice, 3, ['User:carol']);
  const all = await describe(alice, 3);
  assert.equal(all.errorCode, ErrorCode.NONE);
  const ids = all.tokens.map((t) => t.tokenId);
  assert.ok(ids.includes(mine.tokenId));
  const described = all.tokens.find((t) => t.tokenId === mine.tokenId)!;
  assert.deepEqual(described.hmac, mine.hmac);
  assert.deepEqual(described.renewers, [{ principalType: 'User', principalName: 'carol' }]);
  assert.deepEqual([described.principalName, described.tokenRequesterPrincipalName, described.expiryTimestamp], ['alice', 'alice', mine.expiryTimestampMs]);
  // Bob's token, which alice asked for, is hers to see as its requester.
  assert.ok(all.tokens.some((t) => t.principalName === 'bob' && t.tokenRequesterPrincipalName === 'alice'));
  // The owners filter matches owner, requester or renewer: bob's token, and alice's with bob as renewer.
  const bobs = (await describe(alice, 3, ['User:bob'])).tokens;
  assert.ok(bobs.some((t) => t.principalName === 'bob') && !bobs.some((t) => t.tokenId === mine.tokenId));
  assert.ok(bobs.every((t) => t.principalName === 'bob' || t.renewers.some((r) => r.principalName === 'bob')));
  assert.deepEqual((await describe(alice, 3, [])).tokens, []);
  // Carol is a renewer of one token only.
  assert.deepEqual((await describe(carol, 2)).tokens.map((t) => t.tokenId), [mine.tokenId]);
  assert.equal((await describe(carol, 1)).tokens[0]!.tokenRequesterPrincipalName, '', 'v1 has no requester');
  await tb.client.request(ApiKey.CreateAcls, 3, {
    creations: [{ resourceType: Res.User, resourceName: 'User:alice', resourcePatternType: Pat.Literal, principal: 'User:carol', host: '*', operation: Op.DescribeTokens, permissionType: Perm.Allow }],
  });
  const granted = await describe(carol, 3);
  assert.ok(granted.tokens.length > 3 && granted.tokens.every((t) => t.principalName === 'alice'));
});

test('renew and expire: owner or renewer only, by HMAC; an expired token is gone and authenticates no more', async () => {
  const t = await create(alice, 3, ['User:carol']);
  const other = await connectSaslPlain(sasl, 'bob', 'b');
  try {
    assert.deepEqual(await renew(other, 2, t.hmac), { errorCode: ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH, expiryTimestampMs: 0n, throttleTimeMs: 0 });
    assert.equal((await expire(other, 2, t.hmac)).errorCode, ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH);
  } finally {
    other.close();
  }
  assert.equal((await renew(alice, 1, Buffer.from('not a token'))).errorCode, ErrorCode.DELEGATION_TOKEN_NOT_FOUND);
  const renewed = await renew(carol, 2, t.hmac, 60_000n);
  assert.equal(renewed.errorCode, ErrorCode.NONE);
  assert.ok(renewed.expiryTimestampMs <= BigInt(Date.now()) + 60_000n && renewed.expiryTimestampMs > t.issueTimestampMs);
  const later = await expire(alice, 1, t.hmac, 3_600_000n);
  assert.equal(later.errorCode, ErrorCode.NONE);
  assert.ok(later.expiryTimestampMs > renewed.expiryTimestampMs);
  const live = await connectScram(sasl, 'SCRAM-SHA-512', t.tokenId, t.hmac.toString('base64'), true);
  live.close();
  const gone = await expire(alice, 2, t.hmac, -1n);
  assert.equal(gone.errorCode, ErrorCode.NONE);
  assert.ok(!(await describe(alice, 3)).tokens.some((d) => d.tokenId === t.tokenId));
  await assert.rejects(connectScram(sasl, 'SCRAM-SHA-512', t.tokenId, t.hmac.toString('base64'), true), /error 58/);
  assert.equal((await renew(alice, 2, t.hmac)).errorCode, ErrorCode.DELEGATION_TOKEN_NOT_FOUND);
});

test('without delegation.token.secret.key: DELEGATION_TOKEN_AUTH_DISABLED, timestamps 0', async () => {
  const off = await startTestBroker({ config: CONFIG });
  const c = await connectSaslPlain(off.broker.listenerAddress('SASL_PLAINTEXT'), 'alice', 'a');
  try {
    const r = await create(c, 3);
    assert.deepEqual([r.errorCode, r.issueTimestampMs, r.tokenId, r.principalName], [ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, 0n, '', 'alice']);
    assert.equal((await renew(c, 2, Buffer.alloc(64))).errorCode, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
    assert.equal((await expire(c, 2, Buffer.alloc(64))).errorCode, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
    assert.equal((await describe(c, 3)).errorCode, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
  } finally {
    c.close();
    await off.close();
  }
});

test('on SSL, token requests need a client certificate (one-way TLS is anonymous): KafkaApis.allowTokenRequests', async () => {
  const pki = makePki();
  const server = pki.issue('server', '/CN=localhost', { server: true });
  const client = pki.issue('client', '/CN=alice');
  const ssl = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': server.keystorePath,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': pki.caPath,
      'listener.name.mtls.ssl.client.auth': 'required',
      'delegation.token.secret.key': 'the-secret',
    },
  });
  const oneWay = await WireClient.connect(ssl.broker.listenerAddress('SSL'), { tls: { ca: pki.caCert, servername: 'localhost' } });
  const mutual = await WireClient.connect(ssl.broker.listenerAddress('MTLS'), { tls: { ca: pki.caCert, servername: 'localhost', key: client.key, cert: client.cert } });
  try {
    assert.equal((await create(oneWay, 3)).errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
    assert.equal((await describe(oneWay, 3)).errorCode, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
    const r = await create(mutual, 3);
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.deepEqual([r.principalType, r.principalName], ['User', 'CN=alice']);
    assert.deepEqual((await describe(mutual, 3)).tokens.map((t) => t.tokenId), [r.tokenId]);
  } finally {
    oneWay.close();
    mutual.close();
    await ssl.close();
    pki.cleanup();
  }
});
