/**
 * Issue 16's client proof for @platformatic/kafka 1.x (setup/platformatic.ts; the driver is
 * clients/secure-platformatic.mjs, run on the Node running the tests): one Millrace broker with
 * a SASL_SSL listener serving PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (Kafka's
 * unsecured validator: the client takes a ready token, and makes none of its own) and an SSL
 * listener that requires client certificates; certificates are made at test time with openssl.
 * The client produces 20 records and reads them back as a group member over each of them, and
 * is refused with a wrong password (PLAIN and SCRAM) and with an expired token.
 *
 * Every mechanism the issue lists is one @platformatic/kafka 1.35 has (its SASLMechanisms:
 * PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER; GSSAPI only through a custom authenticator).
 * A refused OAUTHBEARER token comes back, as from Kafka, as RFC 7628's JSON error in a
 * successful SaslAuthenticate response; the client sees it only with its
 * `saslOAuthBearer.jwtValidateAuthenticationBytes` validator, which the driver sets.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { createTopics, WireClient } from '../helpers/wire-client.js';
import { makePki, type IssuedCert, type TestPki } from '../helpers/certs.js';
import { runRaw } from './setup/exec.js';
import { parseSecureDriver, type SecureOutcome } from './clients/secure-drivers.js';
import { clientsDir } from './setup/paths.js';
import { ensurePlatformaticKafka } from './setup/platformatic.js';

const COUNT = 20;
const EXPECTED = Array.from({ length: COUNT }, (_, i) => `v${i}`);

let pki: TestPki;
let server: IssuedCert;
let clientCert: IssuedCert;
let tb: TestBroker;
let admin: WireClient;

interface Sasl {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
  username?: string;
  password?: string;
  token?: string;
}

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** An unsecured JWS (alg none, no signature), as Kafka's unsecured login module makes them. */
const unsecuredToken = (sub: string, expSeconds: number) => {
  const now = Math.floor(Date.now() / 1000);
  return `${b64url({ alg: 'none' })}.${b64url({ sub, iat: now, exp: now + expSeconds })}.`;
};

before(async () => {
  pki = makePki();
  server = pki.issue('server', '/CN=localhost', { server: true });
  clientCert = pki.issue('client', '/O=Acme/CN=platformatic-client');
  tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': server.keystorePath,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': pki.caPath,
      'listener.name.ssl.ssl.client.auth': 'required',
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'offsets.topic.replication.factor': 1,
      'connection.failed.authentication.delay.ms': 10,
      // the consumers join fresh groups: no 3 s wait for more members (as setup/target.ts)
      'group.initial.rebalance.delay.ms': 0,
    },
  });
  admin = await WireClient.connect(tb.bootstrap, { apiVersions: true });
  // bob's SCRAM credentials for both hashes (mechanism 1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512), one request each (Kafka refuses two changes of one user in one request).
  for (const [mechanism, hash, length] of [[1, 'sha256', 32], [2, 'sha512', 64]] as const) {
    const salt = randomBytes(16);
    const alter = await admin.request(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [{ name: 'bob', mechanism, iterations: 4096, salt, saltedPassword: pbkdf2Sync('bob-secret', salt, 4096, length, hash) }],
    });
    assert.equal(alter.results[0]!.errorCode, 0);
  }
});

after(async () => {
  admin.close();
  await tb.close();
  pki.cleanup();
});

async function platformatic(listener: 'SASL_SSL' | 'SSL', topic: string, sasl: Sasl | null): Promise<SecureOutcome> {
  const modules = await ensurePlatformaticKafka();
  await createTopics(admin, [{ name: topic, partitions: 2 }]);
  const config = sasl === null
    ? { ca: pki.caPath, cert: clientCert.certPath, key: clientCert.keyPath }
    : { ca: pki.caPath, sasl };
  const r = await runRaw(process.execPath, [path.join(clientsDir, 'secure-platformatic.mjs'), tb.broker.listenerAddress(listener), topic, String(COUNT), JSON.stringify(config)], {
    timeoutMs: 90_000,
    env: { ...process.env, COMPAT_NODE_MODULES: modules },
  });
  return parseSecureDriver('@platformatic/kafka', r);
}

/** The records as read: a group member gets both partitions, each in order; compare as sets. */
const sorted = (values: string[]) => [...values].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));

const MODES: Array<[string, Sasl]> = [
  ['PLAIN', { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' }],
  ['SCRAM-SHA-256', { mechanism: 'SCRAM-SHA-256', username: 'bob', password: 'bob-secret' }],
  ['SCRAM-SHA-512', { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'bob-secret' }],
];

for (const [name, sasl] of MODES) {
  test(`@platformatic/kafka produces and consumes over SASL_SSL ${name}`, async () => {
    const outcome = await platformatic('SASL_SSL', `pk-secure-${name}`, sasl);
    assert.equal(outcome.produced, COUNT);
    assert.deepEqual(sorted(outcome.consumed), EXPECTED);
  });

  test(`@platformatic/kafka is refused over SASL_SSL ${name} with a wrong password`, async () => {
    await assert.rejects(platformatic('SASL_SSL', `pk-refused-${name}`, { ...sasl, password: 'not-the-password' }), /SASL authentication failed/);
  });
}

test('@platformatic/kafka produces and consumes over SASL_SSL OAUTHBEARER (an unsecured token)', async () => {
  const outcome = await platformatic('SASL_SSL', 'pk-secure-OAUTHBEARER', { mechanism: 'OAUTHBEARER', token: unsecuredToken('carol', 3600) });
  assert.equal(outcome.produced, COUNT);
  assert.deepEqual(sorted(outcome.consumed), EXPECTED);
});

test('@platformatic/kafka is refused over SASL_SSL OAUTHBEARER with an expired token', async () => {
  await assert.rejects(platformatic('SASL_SSL', 'pk-refused-OAUTHBEARER', { mechanism: 'OAUTHBEARER', token: unsecuredToken('carol', -60) }), /SASL authentication failed/);
});

test('@platformatic/kafka produces and consumes over mTLS', async () => {
  const outcome = await platformatic('SSL', 'pk-secure-mtls', null);
  assert.equal(outcome.produced, COUNT);
  assert.deepEqual(sorted(outcome.consumed), EXPECTED);
});
