// Kafka's client security settings read into connection options (clientOptionsFromProperties),
// and the principal an embedded broker gives each login made with them: PLAIN, SCRAM,
// unsecured OAUTHBEARER over SASL_SSL, and a client certificate's subject over mTLS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KafkaClient, type ClientOptions } from '../../src/client/client.js';
import { clientOptionsFromProperties } from '../../src/client/properties.js';
import { unsecuredOAuthBearer } from '../../src/client/oauthbearer-unsecured.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { saltedPassword, scramMechanism } from '../../src/common/scram.js';
import { makePki, type IssuedCert, type TestPki } from '../helpers/certs.js';
import { principalsOn, startTestBroker, type TestBroker } from '../helpers/test-broker.js';

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTH = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const BASE: ClientOptions = { bootstrapServers: ['localhost:9092'] };

function options(entries: Record<string, string>): ClientOptions {
  return clientOptionsFromProperties(new Map(Object.entries(entries)), BASE, 'test');
}

function claimsOf(token: string): Record<string, unknown> {
  const [header, claims, signature] = token.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')), { alg: 'none' });
  assert.equal(signature, '');
  return JSON.parse(Buffer.from(claims!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

test('settings to options: PLAINTEXT adds nothing, SSL the TLS options, SASL the login', () => {
  assert.deepEqual(options({ 'security.protocol': 'plaintext' }), BASE);
  // Settings of a layer the protocol does not use are ignored, as Kafka ignores them.
  assert.deepEqual(options({ 'ssl.truststore.location': '/x.jks', 'sasl.mechanism': 'GSSAPI', 'sasl.login.callback.handler.class': 'x.Y' }), BASE);
  const ssl = options({ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': '-----BEGIN CERTIFICATE----- QUJD -----END CERTIFICATE-----' });
  assert.equal(ssl.tls?.ca, '-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----');
  assert.deepEqual([ssl.tls?.minVersion, ssl.tls?.maxVersion], ['TLSv1.2', 'TLSv1.3']);
  // https (the default) leaves node's host name check in place; empty replaces it with none.
  assert.equal(ssl.tls?.checkServerIdentity, undefined);
  const unchecked = options({ 'security.protocol': 'SSL', 'ssl.endpoint.identification.algorithm': '' });
  assert.equal(unchecked.tls?.checkServerIdentity?.('127.0.0.1', {} as never), undefined);
  assert.equal(ssl.sasl, undefined);
  const scram = options({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': `${SCRAM} required username="bob" password="b\\"ob";` });
  assert.deepEqual([scram.tls, scram.sasl], [undefined, { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'b"ob' }]);
  // PlainLoginModule and ScramLoginModule hold the same options; Kafka's clients take either.
  const plain = options({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${SCRAM} required username="a" password="p";` });
  assert.deepEqual(plain.sasl, { mechanism: 'PLAIN', username: 'a', password: 'p' });
});

test('refusals name the setting', () => {
  const refused: Array<[Record<string, string>, RegExp]> = [
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.jaas.config': `${PLAIN} required username="a" password="p";` }, /: test: sasl.jaas.config: sasl.mechanism OAUTHBEARER needs org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule, not .*PlainLoginModule$/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'com.sun.security.auth.module.Krb5LoginModule required;' }, /sasl.mechanism PLAIN needs .*PlainLoginModule, not com.sun.security.auth.module.Krb5LoginModule/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': `${SCRAM} required username="a" password="p" tokenauth="true";` }, /tokenauth \(delegation tokens\) is not supported/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${PLAIN} required username="a"` }, /sasl.jaas.config: JAAS config entry not terminated by semi-colon/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.token.endpoint.url': 'https://idp/token' }, /sasl.oauthbearer.token.endpoint.url is not supported by the millrace client/],
    [{ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': '/x.p12' }, /ssl.truststore.type PKCS12 is not supported/],
    [{ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': 'x' }, /ssl.keystore.key and ssl.keystore.certificate.chain go together/],
  ];
  for (const [entries, message] of refused) assert.throws(() => options(entries), message, JSON.stringify(entries));
});

test('the unsecured OAUTHBEARER token as OAuthBearerUnsecuredLoginCallbackHandler makes it', () => {
  const jaas = new Map([
    ['unsecuredLoginStringClaim_sub', 'carol'], ['unsecuredLoginNumberClaim_level', '3'], ['unsecuredLoginListClaim_scope', '|read|write'],
    ['unsecuredLoginLifetimeSeconds', '60'], ['unsecuredLoginExtension_traceId', '123'],
  ]);
  const login = unsecuredOAuthBearer(jaas, () => 1_700_000_000_500);
  assert.deepEqual(claimsOf(login.token()), { exp: 1_700_000_060.5, iat: 1_700_000_000.5, sub: 'carol', level: 3, scope: ['read', 'write'] });
  assert.deepEqual([...login.extensions], [['traceId', '123']]);
  const principal = unsecuredOAuthBearer(new Map([['unsecuredLoginPrincipalClaimName', 'user'], ['unsecuredLoginStringClaim_user', 'dave']]), () => 0);
  assert.equal(claimsOf(principal.token()).user, 'dave');
  assert.throws(() => unsecuredOAuthBearer(new Map([['unsecuredLoginStringClaim_sub', 'c'], ['unsecuredLoginNumberClaim_exp', '1']])), /Cannot explicitly set the 'exp' claim/);
  assert.throws(() => unsecuredOAuthBearer(new Map([['unsecuredLoginStringClaim_sub', 'c'], ['unsecuredLoginExtension_a1', 'x']])), /Extension name a1 is invalid/);
  assert.throws(() => unsecuredOAuthBearer(new Map([['unsecuredLoginStringClaim_sub', 'c'], ['unsecuredLoginLifetimeSeconds', 'soon']])), /For input string: "soon"/);
});

let pki: TestPki;
let client: IssuedCert;
let tb: TestBroker;

before(async () => {
  pki = makePki();
  const server = pki.issue('server', '/CN=localhost', { server: true });
  client = pki.issue('client', '/CN=app1/OU=payments');
  tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': server.keystorePath,
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `${PLAIN} required user_alice="alice-secret";`,
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': `${OAUTH} required;`,
      'listener.name.ssl.ssl.client.auth': 'required',
      'listener.name.ssl.ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.truststore.location': pki.caPath,
    },
  });
  const m = scramMechanism('SCRAM-SHA-256')!;
  const salt = randomBytes(16);
  const r = await tb.client.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions: [{ name: 'bob', mechanism: m.type, iterations: 4096, salt, saltedPassword: saltedPassword(m, 'bob-secret', salt, 4096) }] });
  assert.equal(r.results[0]!.errorCode, 0);
});

after(async () => {
  await tb?.close();
  pki?.cleanup();
});

/**
 * Connects with the settings and returns the principals of the broker's connections on
 * `listener` meanwhile (earlier tests' connections may not have closed yet: look for one).
 */
async function principalsWith(listener: string, entries: Record<string, string>): Promise<string[]> {
  const c = new KafkaClient(clientOptionsFromProperties(new Map(Object.entries({ 'bootstrap.servers': tb.broker.listenerAddress(listener), ...entries })), BASE));
  try {
    await c.metadata([]);
    return principalsOn(tb, listener);
  } finally {
    c.close();
  }
}

test('each login is the principal the broker authenticates', async () => {
  const trust = { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pki.caPath };
  const sasl = (mechanism: string, jaas: string) => ({ ...trust, 'security.protocol': 'SASL_SSL', 'sasl.mechanism': mechanism, 'sasl.jaas.config': jaas });
  assert.ok((await principalsWith('SASL_SSL', sasl('PLAIN', `${PLAIN} required username="alice" password="alice-secret";`))).includes('User:alice'));
  assert.ok((await principalsWith('SASL_SSL', sasl('SCRAM-SHA-256', `${SCRAM} required username="bob" password="bob-secret";`))).includes('User:bob'));
  assert.ok((await principalsWith('SASL_SSL', sasl('OAUTHBEARER', `${OAUTH} required unsecuredLoginStringClaim_sub="carol";`))).includes('User:carol'));
  const mtls = { ...trust, 'security.protocol': 'SSL', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': client.keystorePath };
  assert.deepEqual(await principalsWith('SSL', mtls), ['User:OU=payments,CN=app1']);
});
