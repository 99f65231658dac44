// Issue 16's bad-input proof for the secured listeners, each case repeated on fresh
// connections: wrong passwords (PLAIN, SCRAM-SHA-256), truncated and replayed SCRAM exchanges,
// JWTs with a bad signature or expired (OAUTHBEARER against a JWKS file), a client certificate
// the broker does not trust, plaintext bytes on a TLS port, SASL frames before the handshake.
// Each is rejected (Kafka's error, then a closed connection), logged once per connection (a
// client that merely goes away mid-exchange is not logged), connections authenticated before
// keep being served, and the broker holds nothing of them afterwards: its connections and
// pending TLS handshakes go back to what they were and its heap stays bounded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import tls from 'node:tls';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { clientProof, saltedPassword, scramMechanism, scramSaslName } from '../../src/common/scram.js';
import { makePki, type IssuedCert, type TestPki } from '../helpers/certs.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { connectSaslPlain } from '../helpers/sasl-client.js';
import { WireClient } from '../helpers/wire-client.js';

const SHA256 = scramMechanism('SCRAM-SHA-256')!;
const ATTEMPTS = 10;
const FAILED_AUTH = 'failed authentication';
const FAILED_TLS = 'failed authentication (SSL handshake failed)';
const TOKEN_REFUSED = 'OAUTHBEARER token refused';
const UNEXPECTED = 'unexpected request during SASL authentication; closing connection';

let pki: TestPki;
let alice: IssuedCert;
let stranger: IssuedCert;
let jwksDir: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let tb: TestBroker;
let saslSsl: string;
let ssl: string;
let keptSasl: WireClient;
let keptMtls: WireClient;
/** The broker's log lines at INFO and above, parsed. */
const lines: Array<{ msg: string; client?: string; level: number }> = [];

before(async () => {
  pki = makePki();
  const server = pki.issue('server', '/CN=localhost', { server: true });
  alice = pki.issue('alice', '/CN=alice');
  stranger = pki.selfSigned('stranger', '/CN=stranger');
  jwksDir = mkdtempSync(join(tmpdir(), 'millrace-bad-input-jwks-'));
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwks = join(jwksDir, 'jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as (typeof lines)[number]); } });
  tb = await startTestBroker({
    logger,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': server.keystorePath,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': pki.caPath,
      'listener.name.ssl.ssl.client.auth': 'required',
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      'sasl.oauthbearer.jwks.endpoint.url': pathToFileURL(jwks).href,
      'sasl.oauthbearer.clock.skew.seconds': 0,
      'connection.failed.authentication.delay.ms': 0,
    },
  });
  saslSsl = tb.broker.listenerAddress('SASL_SSL');
  ssl = tb.broker.listenerAddress('SSL');
  const salt = randomBytes(16);
  const alter = await tb.client.request(ApiKey.AlterUserScramCredentials, 0, {
    deletions: [],
    upsertions: [{ name: 'bob', mechanism: 1, iterations: 4096, salt, saltedPassword: saltedPassword(SHA256, 'bob-secret', salt, 4096) }],
  });
  assert.equal(alter.results[0]!.errorCode, 0);
  // Authenticated before the bad input starts, used after it.
  keptSasl = await connectSaslPlain(saslSsl, 'alice', 'alice-secret', { tls: trusting() });
  keptMtls = await WireClient.connect(ssl, { tls: trusting(alice) });
  await stillServed();
});

after(async () => {
  keptSasl?.close();
  keptMtls?.close();
  await tb?.close();
  pki?.cleanup();
  rmSync(jwksDir, { recursive: true, force: true });
});

function trusting(cert?: IssuedCert): tls.ConnectionOptions {
  return { ca: [pki.caCert], servername: 'localhost', ...(cert === undefined ? {} : { key: cert.key, cert: cert.cert }) };
}

/** Open connections and TLS handshakes under way, over every listener (private state, read by tests only). */
function brokerHolds(): { connections: number; handshaking: number } {
  const servers = (tb.broker as unknown as { servers: Array<{ connectionCount: number; handshaking: Map<string, unknown> }> }).servers;
  return {
    connections: servers.reduce((n, s) => n + s.connectionCount, 0),
    handshaking: servers.reduce((n, s) => n + s.handshaking.size, 0),
  };
}

/** A SCRAM-SHA-256 exchange as a client runs it, with the final message left to the caller. */
async function scramFirst(c: WireClient, user: string, password: string) {
  const hs = await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
  assert.equal(hs.errorCode, 0);
  const nonce = randomBytes(12).toString('base64url');
  const bare = `n=${scramSaslName(user)},r=${nonce}`;
  const first = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,${bare}`) });
  assert.equal(first.errorCode, 0);
  const serverFirst = first.authBytes.toString();
  const attrs = new Map(serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)] as const));
  const withoutProof = `c=biws,r=${attrs.get('r')!}`;
  const salted = saltedPassword(SHA256, password, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')));
  const proof = clientProof(SHA256, salted, `${bare},${serverFirst},${withoutProof}`).toString('base64');
  return { final: Buffer.from(`${withoutProof},p=${proof}`), withoutProof: Buffer.from(withoutProof) };
}

/** The final SaslAuthenticate is refused with SASL_AUTHENTICATION_FAILED, then the connection closes. */
async function refusedWith(c: WireClient, authBytes: Buffer): Promise<void> {
  const res = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes });
  assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  await c.waitClosed();
}

const bearer = (token: string) => Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`);
const jwt = (key: CryptoKey, exp: number) => new SignJWT({ sub: 'carol' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt(exp - 60).setExpirationTime(exp).sign(key);

/** A refused token: RFC 7628's JSON error first, the client's \x01, then SASL_AUTHENTICATION_FAILED and closed. */
async function tokenRefused(token: string): Promise<void> {
  const c = await WireClient.connect(saslSsl, { tls: trusting() });
  try {
    assert.equal((await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'OAUTHBEARER' })).errorCode, 0);
    const first = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: bearer(token) });
    assert.deepEqual([first.errorCode, first.authBytes.toString()], [0, '{"status":"invalid_token"}']);
    await refusedWith(c, Buffer.from([1]));
  } finally {
    c.close();
  }
}

/** A raw TCP connection to `address` that sends `bytes` and waits for the broker to close it. */
async function rawClosed(address: string, bytes: Buffer): Promise<void> {
  const port = Number(address.split(':').pop());
  const raw = net.connect({ host: '127.0.0.1', port });
  raw.on('error', () => {});
  await once(raw, 'connect');
  raw.write(bytes);
  await new Promise((resolve) => raw.once('close', resolve));
}

/** A TLS connection that the broker refuses during or right after its handshake. */
async function tlsRefused(options: tls.ConnectionOptions): Promise<void> {
  const port = Number(ssl.split(':').pop());
  const socket = tls.connect({ host: '127.0.0.1', port, ...options });
  socket.on('error', () => {});
  // TLS 1.3 clients finish their side before the server checks the certificate: the broker's
  // alert then closes the socket; an ApiVersions sent meanwhile is never answered.
  socket.once('secureConnect', () => socket.write(Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff])));
  let answered = false;
  socket.on('data', () => { answered = true; });
  await new Promise((resolve) => socket.once('close', resolve));
  assert.equal(answered, false, 'a refused TLS client was answered');
}

const APIVERSIONS_V0 = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);

interface Case {
  name: string;
  attempt: () => Promise<void>;
  /** Log lines each attempt leaves, by message. */
  logs: Record<string, number>;
}

const CASES: Case[] = [
  {
    name: 'PLAIN with a wrong password',
    logs: { [FAILED_AUTH]: 1 },
    async attempt() {
      const c = await WireClient.connect(saslSsl, { tls: trusting() });
      assert.equal((await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, 0);
      await refusedWith(c, Buffer.from('\u0000alice\u0000wrong'));
    },
  },
  {
    name: 'SCRAM-SHA-256 with a wrong password',
    logs: { [FAILED_AUTH]: 1 },
    async attempt() {
      const c = await WireClient.connect(saslSsl, { tls: trusting() });
      await refusedWith(c, (await scramFirst(c, 'bob', 'wrong')).final);
    },
  },
  {
    name: 'a SCRAM final message truncated before its proof',
    logs: { [FAILED_AUTH]: 1 },
    async attempt() {
      const c = await WireClient.connect(saslSsl, { tls: trusting() });
      await refusedWith(c, (await scramFirst(c, 'bob', 'bob-secret')).withoutProof);
    },
  },
  {
    name: 'a SCRAM final message replayed from another exchange',
    logs: { [FAILED_AUTH]: 1 },
    async attempt() {
      const recorded = await WireClient.connect(saslSsl, { tls: trusting() });
      const { final } = await scramFirst(recorded, 'bob', 'bob-secret');
      recorded.close();
      const c = await WireClient.connect(saslSsl, { tls: trusting() });
      await scramFirst(c, 'bob', 'bob-secret');
      await refusedWith(c, final);
    },
  },
  {
    name: 'a SCRAM exchange the client abandons after its first message',
    logs: {},
    async attempt() {
      const c = await WireClient.connect(saslSsl, { tls: trusting() });
      await scramFirst(c, 'bob', 'bob-secret');
      c.close();
      await once(c.socket, 'close');
    },
  },
  {
    name: 'a JWT signed by another key',
    logs: { [TOKEN_REFUSED]: 1, [FAILED_AUTH]: 1 },
    attempt: async () => tokenRefused(await jwt(otherKey, Math.floor(Date.now() / 1000) + 600)),
  },
  {
    name: 'an expired JWT',
    logs: { [TOKEN_REFUSED]: 1, [FAILED_AUTH]: 1 },
    attempt: async () => tokenRefused(await jwt(signingKey, Math.floor(Date.now() / 1000) - 60)),
  },
  {
    name: 'a client certificate the broker does not trust',
    logs: { [FAILED_TLS]: 1 },
    attempt: () => tlsRefused(trusting(stranger)),
  },
  {
    name: 'no client certificate where one is required',
    logs: { [FAILED_TLS]: 1 },
    attempt: () => tlsRefused(trusting()),
  },
  {
    name: 'plaintext bytes on the TLS port',
    logs: { [FAILED_TLS]: 1 },
    attempt: () => rawClosed(ssl, APIVERSIONS_V0),
  },
  {
    name: 'a TCP connection to the TLS port that sends nothing and leaves (a port probe, not logged)',
    logs: {},
    async attempt() {
      const raw = net.connect({ host: '127.0.0.1', port: Number(ssl.split(':').pop()) });
      raw.on('error', () => {});
      await once(raw, 'connect');
      raw.end();
      await new Promise((resolve) => raw.once('close', resolve));
    },
  },
  {
    name: 'SaslAuthenticate before SaslHandshake',
    logs: { [UNEXPECTED]: 1 },
    async attempt() {
      const c = await WireClient.connect(saslSsl, { tls: trusting() });
      await assert.rejects(c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') }));
      await c.waitClosed();
    },
  },
  {
    name: 'a Metadata request before SaslHandshake',
    logs: { [UNEXPECTED]: 1 },
    async attempt() {
      const c = await WireClient.connect(saslSsl, { tls: trusting() });
      await assert.rejects(c.request(ApiKey.Metadata, 12, { topics: null }));
      await c.waitClosed();
    },
  },
];

const WATCHED = new Set([FAILED_AUTH, FAILED_TLS, TOKEN_REFUSED, UNEXPECTED]);

/** The watched log lines since `from`, counted by message, once the broker has let every bad connection go. */
async function settle(from: number, baseline: { connections: number; handshaking: number }): Promise<Record<string, number>> {
  // The broker may log a refusal a moment after the client saw its socket close.
  for (let i = 0; i < 200; i++) {
    const h = brokerHolds();
    if (h.connections === baseline.connections && h.handshaking === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 50));
  const counts: Record<string, number> = {};
  for (const l of lines.slice(from)) if (WATCHED.has(l.msg)) counts[l.msg] = (counts[l.msg] ?? 0) + 1;
  return counts;
}

async function stillServed(): Promise<void> {
  assert.equal((await keptSasl.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
  assert.equal((await keptMtls.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
}

for (const c of CASES) {
  test(`${c.name}: rejected, logged once per connection, other connections served`, async () => {
    const baseline = brokerHolds();
    const from = lines.length;
    for (let i = 0; i < ATTEMPTS; i++) await c.attempt();
    const counts = await settle(from, baseline);
    assert.deepEqual(counts, Object.fromEntries(Object.entries(c.logs).map(([msg, n]) => [msg, n * ATTEMPTS])));
    // The refusal lines name the client (the validator's detail line, as Kafka's, does not).
    for (const l of lines.slice(from)) if (WATCHED.has(l.msg) && l.msg !== TOKEN_REFUSED) assert.match(l.client ?? '', /^127\.0\.0\.1:\d+$/, `${l.msg} names its client`);
    assert.deepEqual(brokerHolds(), baseline);
    await stillServed();
  });
}

test('broker memory stays bounded over 600 bad connections', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const baseline = brokerHolds();
  const round = async () => {
    for (const c of CASES) for (let i = 0; i < 5; i++) await c.attempt();
  };
  // A first round warms up what is made once (TLS contexts, JIT, pools); the heap is measured around the next ones.
  await round();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let r = 0; r < 10; r++) await round();
  await settle(lines.length, baseline);
  lines.length = 0;
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  // 600 connections: a leak of even 20 KiB each would pass 12 MiB.
  assert.ok(grown < 12 * 1024 * 1024, `heap grew by ${Math.round(grown / 1024)} KiB`);
  assert.deepEqual(brokerHolds(), baseline);
  await stillServed();
});
