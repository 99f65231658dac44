import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { principalsOn, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';

const LISTENER = 'SASL_PLAINTEXT';

function reauthBroker(extra: Record<string, string | number> = {}): Promise<TestBroker> {
  return startTestBroker({
    config: {
      listeners: `PLAINTEXT://127.0.0.1:0,${LISTENER}://127.0.0.1:0`,
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN,OAUTHBEARER',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a" user_bob="b";',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'connection.failed.authentication.delay.ms': 10,
      ...extra,
    },
  });
}

const plain = (user: string, password: string) => Buffer.from(`\u0000${user}\u0000${password}`, 'utf8');
const b64 = (o: object) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
const bearer = (sub: string, exp: number) => Buffer.from(`n,,\u0001auth=Bearer ${b64({ alg: 'none' })}.${b64({ sub, exp })}.\u0001\u0001`, 'utf8');

async function login(c: WireClient, mechanism: string, token: Buffer) {
  const hs = await c.request(ApiKey.SaslHandshake, 1, { mechanism });
  assert.equal(hs.errorCode, 0);
  return c.request(ApiKey.SaslAuthenticate, 2, { authBytes: token });
}

test('connections.max.reauth.ms: session_lifetime_ms answered, re-authentication on the same connection, requests before and after', async () => {
  const tb = await reauthBroker({ 'connections.max.reauth.ms': 60_000 });
  const c = await WireClient.connect(tb.broker.listenerAddress(LISTENER));
  try {
    const first = await login(c, 'PLAIN', plain('alice', 'a'));
    assert.deepEqual([first.errorCode, first.sessionLifetimeMs], [0, 60_000n]);
    assert.equal((await c.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
    const again = await login(c, 'PLAIN', plain('alice', 'a'));
    assert.deepEqual([again.errorCode, again.sessionLifetimeMs], [0, 60_000n]);
    assert.equal((await c.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
    assert.deepEqual(principalsOn(tb, LISTENER), ['User:alice']);
  } finally {
    c.close();
    await tb.close();
  }
});

test('re-authentication may not change the principal or the mechanism', async () => {
  const tb = await reauthBroker({ 'connections.max.reauth.ms': 60_000 });
  const address = tb.broker.listenerAddress(LISTENER);
  try {
    const c = await WireClient.connect(address);
    assert.equal((await login(c, 'PLAIN', plain('alice', 'a'))).errorCode, 0);
    const other = await login(c, 'PLAIN', plain('bob', 'b'));
    assert.deepEqual([other.errorCode, other.errorMessage], [ErrorCode.SASL_AUTHENTICATION_FAILED, 'Cannot change principals during re-authentication from User.alice: User.bob']);
    await c.waitClosed();

    const d = await WireClient.connect(address);
    assert.equal((await login(d, 'PLAIN', plain('alice', 'a'))).errorCode, 0);
    const switched = await login(d, 'OAUTHBEARER', bearer('alice', Math.floor(Date.now() / 1000) + 600));
    assert.deepEqual([switched.errorCode, switched.errorMessage], [ErrorCode.SASL_AUTHENTICATION_FAILED, "SASL mechanism 'OAUTHBEARER' requested by client is not supported for re-authentication of mechanism 'PLAIN'"]);
    await d.waitClosed();
  } finally {
    await tb.close();
  }
});

test('an expired session: any request but a re-authentication closes the connection', async () => {
  const tb = await reauthBroker({ 'connections.max.reauth.ms': 200 });
  const address = tb.broker.listenerAddress(LISTENER);
  try {
    const c = await WireClient.connect(address);
    assert.deepEqual((await login(c, 'PLAIN', plain('alice', 'a'))).sessionLifetimeMs, 200n);
    await sleep(400);
    await assert.rejects(c.request(ApiKey.Metadata, 12, { topics: null }));
    await c.waitClosed();

    // Re-authenticating after the session ended is still allowed, and renews it.
    const d = await WireClient.connect(address);
    assert.equal((await login(d, 'PLAIN', plain('alice', 'a'))).errorCode, 0);
    await sleep(400);
    const renewed = await login(d, 'PLAIN', plain('alice', 'a'));
    assert.deepEqual([renewed.errorCode, renewed.sessionLifetimeMs], [0, 200n]);
    assert.equal((await d.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
    d.close();
  } finally {
    await tb.close();
  }
});

test('an OAUTHBEARER token that expires before connections.max.reauth.ms bounds the session', async () => {
  const tb = await reauthBroker({ 'connections.max.reauth.ms': 3_600_000 });
  const c = await WireClient.connect(tb.broker.listenerAddress(LISTENER));
  try {
    const auth = await login(c, 'OAUTHBEARER', bearer('alice', Math.floor(Date.now() / 1000) + 30));
    assert.equal(auth.errorCode, 0);
    assert.ok(auth.sessionLifetimeMs > 0n && auth.sessionLifetimeMs <= 30_000n, String(auth.sessionLifetimeMs));
  } finally {
    c.close();
    await tb.close();
  }
});

test('without connections.max.reauth.ms a PLAIN session has no lifetime and a second handshake is ILLEGAL_SASL_STATE', async () => {
  const tb = await reauthBroker();
  const c = await WireClient.connect(tb.broker.listenerAddress(LISTENER));
  try {
    assert.deepEqual((await login(c, 'PLAIN', plain('alice', 'a'))).sessionLifetimeMs, 0n);
    const hs = await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.equal(hs.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  } finally {
    c.close();
    await tb.close();
  }
});
