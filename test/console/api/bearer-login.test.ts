import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { json, startConsole, type ConsoleFixture } from './console-api-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

// The console on an OAUTHBEARER listener with Kafka's unsecured validator: each request's
// bearer token is what the session's client logs in with; the broker accepts or refuses it.
let f: ConsoleFixture;
before(async () => {
  const tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'connection.failed.authentication.delay.ms': 0,
    },
  });
  f = await startConsole({}, { bootstrapServers: [tb.broker.listenerAddress('SASL_PLAINTEXT')], saslMechanism: 'OAUTHBEARER' }, tb);
});
after(async () => f.close());

const b64 = (o: object) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
/** An unsecured JWS, as Kafka's OAuthBearerUnsecuredLoginCallbackHandler makes them. */
const token = (claims: object) => `${b64({ alg: 'none' })}.${b64(claims)}.`;

test('a bearer token the broker accepts acts as its subject; a missing or refused one is 401 with a Bearer challenge', async () => {
  const missing = await f.app.inject({ method: 'GET', url: '/api/v1/cluster' });
  assert.equal(missing.statusCode, 401);
  assert.match(String(missing.headers['www-authenticate']), /^Bearer /);

  const good = token({ sub: 'carol', iat: now(), exp: now() + 600 });
  const ok = await f.app.inject({ method: 'GET', url: '/api/v1/cluster', headers: { authorization: `Bearer ${good}` } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(json(ok).principal, 'User:carol');
  const created = await f.app.inject({ method: 'POST', url: '/api/v1/topics', headers: { authorization: `Bearer ${good}` }, payload: { name: 'bearer-topic' } });
  assert.equal(created.statusCode, 201, created.body);

  const expired = token({ sub: 'carol', iat: now() - 7200, exp: now() - 3600 });
  const refused = await f.app.inject({ method: 'GET', url: '/api/v1/cluster', headers: { authorization: `Bearer ${expired}` } });
  assert.equal(refused.statusCode, 401, refused.body);
  assert.match(json<{ message: string }>(refused).message, /SASL_AUTHENTICATION_FAILED|expired|exp/i);
});
