import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { makePki } from '../helpers/certs.js';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { parseClientInitialResponse } from '../../src/security/sasl/oauthbearer/server.js';
import { principalsOn, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';

const LISTENER = 'SASL_PLAINTEXT';
const UNSECURED_JAAS = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorRequiredScope="produce" unsecuredValidatorAllowableClockSkewMs="1000";';
const JWT_HANDLER = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler';

function oauthBroker(extra: Record<string, string | number> = {}): Promise<TestBroker> {
  return startTestBroker({
    config: {
      listeners: `PLAINTEXT://127.0.0.1:0,${LISTENER}://127.0.0.1:0`,
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': UNSECURED_JAAS,
      'connection.failed.authentication.delay.ms': 20,
      ...extra,
    },
  });
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);
/** An unsecured JWS as Kafka's OAuthBearerUnsecuredLoginCallbackHandler makes them. */
const unsecuredToken = (claims: object, header: object = { alg: 'none' }) => `${b64(header)}.${b64(claims)}.`;
const initialResponse = (token: string, extensions = '', authzid = '') => Buffer.from(`n,${authzid === '' ? '' : `a=${authzid}`},\u0001auth=Bearer ${token}${extensions}\u0001\u0001`, 'utf8');

/** Handshake and first message; the SaslAuthenticate answer. */
async function authenticate(c: WireClient, token: string, extensions = '', authzid = '') {
  const hs = await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'OAUTHBEARER' });
  assert.deepEqual([hs.errorCode, hs.mechanisms], [0, ['OAUTHBEARER']]);
  return c.request(ApiKey.SaslAuthenticate, 2, { authBytes: initialResponse(token, extensions, authzid) });
}

/** A refused token: RFC 7628's JSON error, then the client's \x01 and SASL_AUTHENTICATION_FAILED with that JSON, then closed. */
async function assertRefused(address: string, token: string, json: string): Promise<void> {
  const c = await WireClient.connect(address);
  try {
    const first = await authenticate(c, token);
    assert.equal(first.errorCode, 0);
    assert.equal(first.authBytes.toString('utf8'), json);
    const ack = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from([1]) });
    assert.deepEqual([ack.errorCode, ack.errorMessage], [ErrorCode.SASL_AUTHENTICATION_FAILED, json]);
    await c.waitClosed();
  } finally {
    c.close();
  }
}

test('the client first message is read with Kafka\'s grammar', () => {
  const parsed = parseClientInitialResponse('n,a=alice,\u0001auth=Bearer abc.def.\u0001traceId=123 x\u0001\u0001');
  assert.deepEqual([parsed.authorizationId, parsed.token, [...parsed.extensions]], ['alice', 'abc.def.', [['traceId', '123 x']]]);
  assert.throws(() => parseClientInitialResponse('n,,\u0001auth=Bearer abc\u0001'), /^Error: Invalid OAUTHBEARER client first message$/);
  assert.throws(() => parseClientInitialResponse('n,,\u0001other=x\u0001\u0001'), /'auth' not specified/);
  assert.throws(() => parseClientInitialResponse('n,,\u0001auth=Bearer\u0001\u0001'), /invalid 'auth' format/);
  assert.throws(() => parseClientInitialResponse('n,,\u0001auth=Basic abc\u0001\u0001'), /Invalid scheme in OAUTHBEARER client first message: Basic/);
});

test('OAUTHBEARER unsecured (Kafka\'s default validator): principal from sub, extensions accepted, required scope and expiry checked', async () => {
  const tb = await oauthBroker();
  const address = tb.broker.listenerAddress(LISTENER);
  try {
    const c = await WireClient.connect(address);
    const good = unsecuredToken({ sub: 'alice', iat: nowS(), exp: nowS() + 3600, scope: ['produce', 'consume'] });
    const auth = await authenticate(c, good, '\u0001traceId=abc\u0001tenant=blue');
    assert.deepEqual([auth.errorCode, auth.authBytes.length], [0, 0]);
    // As in Kafka, the token's expiry bounds the session even with connections.max.reauth.ms unset.
    assert.ok(auth.sessionLifetimeMs > 0n && auth.sessionLifetimeMs <= 3_600_000n, String(auth.sessionLifetimeMs));
    assert.equal((await c.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
    assert.deepEqual(principalsOn(tb, LISTENER), ['User:alice']);
    c.close();

    await assertRefused(address, unsecuredToken({ sub: 'alice', exp: nowS() - 60, scope: 'produce' }), '{"status":"invalid_token"}');
    await assertRefused(address, unsecuredToken({ sub: 'alice', exp: nowS() + 60, scope: 'produce' }, { alg: 'HS256' }), '{"status":"invalid_token"}');
    await assertRefused(address, unsecuredToken({ exp: nowS() + 60, scope: 'produce' }), '{"status":"invalid_token"}');
    await assertRefused(address, 'bm90LWEtand0', '{"status":"invalid_token"}');
    await assertRefused(address, unsecuredToken({ sub: 'alice', exp: nowS() + 60, scope: 'consume' }), '{"status":"insufficient_scope", "scope":"[produce]"}');

    // An authorization id other than the token's principal: refused outright.
    const d = await WireClient.connect(address);
    const res = await authenticate(d, good, '', 'bob');
    assert.deepEqual([res.errorCode, res.errorMessage], [ErrorCode.SASL_AUTHENTICATION_FAILED, "Authentication failed: Client requested an authorization id (bob) that is different from the token's principal name (alice)"]);
    await d.waitClosed();
    // A malformed first message: Kafka's generic message.
    const e = await WireClient.connect(address);
    await e.request(ApiKey.SaslHandshake, 1, { mechanism: 'OAUTHBEARER' });
    const bad = await e.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('n,,auth=Bearer x') });
    assert.deepEqual([bad.errorCode, bad.errorMessage], [ErrorCode.SASL_AUTHENTICATION_FAILED, 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER']);
    await e.waitClosed();
  } finally {
    await tb.close();
  }
});

test('OAUTHBEARER with unsecuredValidatorPrincipalClaimName and scope claim name options', async () => {
  const tb = await oauthBroker({
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorPrincipalClaimName="user" unsecuredValidatorScopeClaimName="scp" unsecuredValidatorRequiredScope="a b";',
  });
  try {
    const c = await WireClient.connect(tb.broker.listenerAddress(LISTENER));
    const auth = await authenticate(c, unsecuredToken({ sub: 'nobody', user: 'carol', exp: nowS() + 60, scp: ['a', 'b'] }));
    assert.equal(auth.errorCode, 0);
    assert.deepEqual(principalsOn(tb, LISTENER), ['User:carol']);
    c.close();
  } finally {
    await tb.close();
  }
});

interface Issuer {
  dir: string;
  key: CryptoKey;
  other: CryptoKey;
  jwksUrl: string;
}

async function issuer(): Promise<Issuer> {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-jwks-'));
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const { privateKey: other } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const path = join(dir, 'jwks.json');
  writeFileSync(path, JSON.stringify({ keys: [jwk] }));
  return { dir, key: privateKey, other, jwksUrl: pathToFileURL(path).href };
}

function signed(key: CryptoKey, claims: Record<string, unknown>, exp = nowS() + 600): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime(exp).sign(key);
}

test('OAUTHBEARER with OAuthBearerValidatorCallbackHandler: signature against the JWKS file, audience, issuer, expiry, sub claim name', async () => {
  const iss = await issuer();
  const tb = await oauthBroker({
    'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': JWT_HANDLER,
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    'sasl.oauthbearer.jwks.endpoint.url': iss.jwksUrl,
    'sasl.oauthbearer.expected.audience': 'millrace,other',
    'sasl.oauthbearer.expected.issuer': 'https://idp.example',
    'sasl.oauthbearer.sub.claim.name': 'client_id',
    'sasl.oauthbearer.clock.skew.seconds': 0,
  });
  const address = tb.broker.listenerAddress(LISTENER);
  const claims = { client_id: 'svc-orders', sub: 'ignored', aud: 'millrace', iss: 'https://idp.example', scope: 'kafka' };
  try {
    const c = await WireClient.connect(address);
    const auth = await authenticate(c, await signed(iss.key, claims), '\u0001traceId=t1');
    assert.equal(auth.errorCode, 0);
    assert.deepEqual(principalsOn(tb, LISTENER), ['User:svc-orders']);
    c.close();
    const refused = '{"status":"invalid_token"}';
    await assertRefused(address, await signed(iss.other, claims), refused);
    await assertRefused(address, await signed(iss.key, claims, nowS() - 10), refused);
    await assertRefused(address, await signed(iss.key, { ...claims, aud: 'someone-else' }), refused);
    await assertRefused(address, await signed(iss.key, { ...claims, iss: 'https://evil.example' }), refused);
    await assertRefused(address, await signed(iss.key, { ...claims, client_id: undefined }), refused);
    await assertRefused(address, unsecuredToken({ ...claims, exp: nowS() + 60 }), refused);
    // A forged payload under a real signature.
    const real = (await signed(iss.key, claims)).split('.');
    await assertRefused(address, `${real[0]!}.${b64({ ...claims, client_id: 'admin', exp: nowS() + 600, iat: nowS() })}.${real[2]!}`, refused);
  } finally {
    await tb.close();
    rmSync(iss.dir, { recursive: true, force: true });
  }
});

test('OAUTHBEARER with an https JWKS endpoint: trusted through the JAAS ssl.truststore options, keys re-fetched for a rotated key', async () => {
  const pki = makePki();
  const cert = pki.issue('idp', '/CN=localhost', { server: true });
  const first = await generateKeyPair('RS256');
  const second = await generateKeyPair('RS256');
  const jwk = async (key: CryptoKey, kid: string) => ({ ...(await exportJWK(key)), kid, alg: 'RS256' });
  let jwks = { keys: [await jwk(first.publicKey, 'k1')] };
  let fetches = 0;
  const { readFileSync } = await import('node:fs');
  const server = createServer({ key: readFileSync(cert.keyPath), cert: readFileSync(cert.certPath) }, (_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${(server.address() as AddressInfo).port}/jwks`;
  const tb = await oauthBroker({
    'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': JWT_HANDLER,
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ssl.truststore.type="PEM" ssl.truststore.location="${pki.caPath}";`,
    'sasl.oauthbearer.jwks.endpoint.url': url,
    'sasl.oauthbearer.jwks.endpoint.refresh.ms': 300,
  });
  const address = tb.broker.listenerAddress(LISTENER);
  const sign = (key: CryptoKey, kid: string) => new SignJWT({ sub: 'dave' }).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt().setExpirationTime('5m').sign(key);
  try {
    const c = await WireClient.connect(address);
    assert.equal((await authenticate(c, await sign(first.privateKey, 'k1'))).errorCode, 0);
    assert.deepEqual(principalsOn(tb, LISTENER), ['User:dave']);
    c.close();
    assert.equal(fetches, 1);
    // The identity provider rotates its key: once the cached set is older than the refresh
    // interval, a token naming the new key makes the broker fetch the set again.
    jwks = { keys: [await jwk(second.publicKey, 'k2')] };
    await sleep(400);
    const d = await WireClient.connect(address);
    assert.equal((await authenticate(d, await sign(second.privateKey, 'k2'))).errorCode, 0);
    d.close();
    assert.ok(fetches >= 2, `fetches: ${fetches}`);
    // Without the CA in the JAAS trust store options the endpoint is not trusted: tokens are refused.
    const untrusted = await oauthBroker({
      'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': JWT_HANDLER,
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'sasl.oauthbearer.jwks.endpoint.url': url,
    });
    try {
      await assertRefused(untrusted.broker.listenerAddress(LISTENER), await sign(second.privateKey, 'k2'), '{"status":"invalid_token"}');
    } finally {
      await untrusted.close();
    }
  } finally {
    await tb.close();
    server.close();
    pki.cleanup();
  }
});

test('OAUTHBEARER settings Millrace cannot serve refuse start-up', async () => {
  await assert.rejects(oauthBroker({ 'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'com.example.Custom' }), /com.example.Custom is not served/);
  await assert.rejects(oauthBroker({ 'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': JWT_HANDLER }), /sasl.oauthbearer.jwks.endpoint.url must be set/);
  await assert.rejects(oauthBroker({ 'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': JWT_HANDLER, 'sasl.oauthbearer.jwks.endpoint.url': 'http://idp.example/jwks' }), /only "https" and "file" protocol are supported/);
});
