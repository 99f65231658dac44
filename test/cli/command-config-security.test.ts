// `--command-config` with Kafka's client security settings, through the real bin against an
// embedded broker: every SASL mechanism over SASL_SSL, mTLS on an SSL listener that requires
// client certificates (PEM key store file with an encrypted key, and inline), the host name
// check of ssl.endpoint.identification.algorithm, and what fails: a wrong password, an
// untrusted server, no client certificate, settings this client cannot honour.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePki, type IssuedCert, type TestPki } from '../helpers/certs.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { cli, ok } from './cli-harness.js';

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTH = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

let pki: TestPki;
let tb: TestBroker;
let dir: string;
let client: IssuedCert;
let wrongName: IssuedCert;

before(async () => {
  pki = makePki();
  const server = pki.issue('server', '/CN=localhost', { server: true });
  client = pki.issue('client', '/CN=app1/OU=payments', { keyPassword: 'key-secret' });
  // A self-signed server certificate without 127.0.0.1 in it: trusted, but not for this host.
  wrongName = pki.selfSigned('elsewhere', '/CN=elsewhere.example');
  tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0,ELSEWHERE://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,ELSEWHERE:SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': server.keystorePath,
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `${PLAIN} required user_alice="alice-secret";`,
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': `${OAUTH} required;`,
      'listener.name.ssl.ssl.client.auth': 'required',
      'listener.name.ssl.ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.truststore.location': pki.caPath,
      'listener.name.elsewhere.ssl.keystore.location': wrongName.keystorePath,
      'connection.failed.authentication.delay.ms': 0,
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'millrace-cli-security-'));
  const admin = ['--bootstrap-server', tb.bootstrap];
  await ok(['user', 'add', 'bob', '--mechanism', 'SCRAM-SHA-256', '--password', 'bob-256', ...admin]);
  await ok(['user', 'add', 'bob', '--mechanism', 'SCRAM-SHA-512', '--password', 'bob-512', ...admin]);
  await ok(['topic', 'create', 'secured', '--partitions', '2', ...admin]);
});

after(async () => {
  await tb?.close();
  pki?.cleanup();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

let files = 0;
/** Writes a properties file for `listener` with these lines and returns its path. */
function config(listener: string, lines: readonly string[]): string {
  const file = join(dir, `client-${files++}.properties`);
  writeFileSync(file, [`bootstrap.servers=${tb.broker.listenerAddress(listener)}`, ...lines, ''].join('\n'));
  return file;
}

function saslSsl(mechanism: string, jaas: string): string {
  return config('SASL_SSL', ['security.protocol=SASL_SSL', ...trustLines(), `sasl.mechanism=${mechanism}`, `sasl.jaas.config=${jaas}`]);
}

test('SASL_SSL with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and unsecured OAUTHBEARER', async () => {
  const logins: Array<[string, string]> = [
    ['PLAIN', `${PLAIN} required username="alice" password="alice-secret";`],
    ['SCRAM-SHA-256', `${SCRAM} required username="bob" password="bob-256";`],
    ['SCRAM-SHA-512', `${SCRAM} required username="bob" password="bob-512";`],
    ['OAUTHBEARER', `${OAUTH} required unsecuredLoginStringClaim_sub="carol" unsecuredLoginListClaim_scope=",read,write";`],
  ];
  for (const [mechanism, jaas] of logins) {
    assert.match(await ok(['topic', 'list', '--command-config', saslSsl(mechanism, jaas)]), /^secured$/m, mechanism);
  }
  // The data path too: records produced and consumed through partition leaders found over SASL_SSL.
  const scram = saslSsl('SCRAM-SHA-512', `${SCRAM} required username="bob" password="bob-512";`);
  await ok(['produce', 'secured', '--command-config', scram], 'one\ntwo\nthree\n');
  const consumed = await ok(['consume', 'secured', '--from-beginning', '--exit-at-end', '--command-config', scram]);
  assert.deepEqual(consumed.trim().split('\n').sort(), ['one', 'three', 'two']);
});

test('a wrong password or an unknown user fails with the broker\'s message and exit code 1', async () => {
  const wrong = await cli(['topic', 'list', '--command-config', saslSsl('SCRAM-SHA-256', `${SCRAM} required username="bob" password="bob-512";`)]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^millrace: SASL SCRAM-SHA-256 authentication to 127\.0\.0\.1:\d+: SASL_AUTHENTICATION_FAILED \(Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256\)\n$/);
  const plain = await cli(['topic', 'list', '--command-config', saslSsl('PLAIN', `${PLAIN} required username="mallory" password="guess";`)]);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /^millrace: SASL PLAIN authentication to .*: SASL_AUTHENTICATION_FAILED \(Authentication failed: Invalid username or password\)\n$/);
});

test('mTLS: a PEM key store file with an encrypted key, or inline key and chain; refused without one', async () => {
  const keystoreFile = config('SSL', ['security.protocol=SSL', ...trustLines(), 'ssl.keystore.type=PEM', `ssl.keystore.location=${client.keystorePath}`, 'ssl.key.password=key-secret']);
  assert.match(await ok(['topic', 'list', '--command-config', keystoreFile]), /^secured$/m);
  // Inline PEM values spread over continuation lines arrive on one line, as in Kafka's files.
  const inline = config('SSL', ['security.protocol=SSL', 'ssl.truststore.type=PEM', `ssl.truststore.certificates=${continued(pki.caCert)}`,
    'ssl.keystore.type=PEM', `ssl.keystore.key=${continued(client.key)}`, `ssl.keystore.certificate.chain=${continued(client.cert)}`, 'ssl.key.password=key-secret']);
  assert.match(await ok(['topic', 'list', '--command-config', inline]), /^secured$/m);
  const noCertificate = await cli(['topic', 'list', '--command-config', config('SSL', ['security.protocol=SSL', ...trustLines(), 'request.timeout.ms=5000'])]);
  assert.equal(noCertificate.code, 1);
  assert.match(noCertificate.stderr, /^millrace: connection to 127\.0\.0\.1:\d+ failed: tlsv13 alert certificate required: the broker requires a client certificate \(ssl\.keystore\.location or ssl\.keystore\.key\)\n$/);
  const badKeyPassword = await cli(['topic', 'list', '--command-config', config('SSL', ['security.protocol=SSL', ...trustLines(), 'ssl.keystore.type=PEM', `ssl.keystore.location=${client.keystorePath}`, 'ssl.key.password=nope'])]);
  assert.equal(badKeyPassword.code, 1);
  assert.match(badKeyPassword.stderr, /cannot read the private key \(is ssl.key.password right\?\)/);
});

test('the server is checked: trust store, then host name unless ssl.endpoint.identification.algorithm is empty', async () => {
  const untrusted = await cli(['topic', 'list', '--command-config', config('SASL_SSL', ['security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN', `sasl.jaas.config=${PLAIN} required username="alice" password="alice-secret";`])]);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /^millrace: cannot connect to 127\.0\.0\.1:\d+: self-signed certificate in certificate chain\n$/);
  const trustElsewhere = ['security.protocol=SSL', 'ssl.truststore.type=PEM', `ssl.truststore.location=${wrongName.certPath}`];
  const hostChecked = await cli(['topic', 'list', '--command-config', config('ELSEWHERE', trustElsewhere)]);
  assert.equal(hostChecked.code, 1);
  assert.match(hostChecked.stderr, /^millrace: cannot connect to 127\.0\.0\.1:\d+: Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list: \(the host name check of ssl\.endpoint\.identification\.algorithm=https; empty skips it\)\n$/);
  assert.match(await ok(['topic', 'list', '--command-config', config('ELSEWHERE', [...trustElsewhere, 'ssl.endpoint.identification.algorithm='])]), /^secured$/m);
});

test('settings the client cannot honour are refused by name before connecting', async () => {
  const refused: Array<[string[], RegExp]> = [
    [['security.protocol=SSL', 'ssl.truststore.location=/etc/kafka/truststore.jks'], /ssl.truststore.type JKS is not supported: Millrace reads PEM trust stores \(ssl.truststore.type=PEM\)/],
    [['security.protocol=SSL', 'ssl.keystore.location=/etc/kafka/keystore.jks', 'ssl.keystore.password=x'], /ssl.keystore.type JKS is not supported/],
    [['security.protocol=SASL_SSL', 'sasl.mechanism=GSSAPI'], /sasl.mechanism GSSAPI is not supported by the millrace client: set sasl.mechanism to one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER/],
    [['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN'], /sasl.jaas.config is not set/],
    [['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-256', `sasl.jaas.config=${SCRAM} required username="bob";`], /ScramLoginModule needs username and password options for SCRAM-SHA-256/],
    [['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=OAUTHBEARER', `sasl.jaas.config=${OAUTH} required;`], /No principal name in JWT claim: sub \(set unsecuredLoginStringClaim_sub\)/],
    [['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=OAUTHBEARER', 'sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler'], /sasl.login.callback.handler.class is not supported by the millrace client/],
    [['security.protocol=TLS'], /security.protocol TLS is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/],
  ];
  for (const [lines, message] of refused) {
    const file = config('PLAINTEXT', lines);
    const r = await cli(['topic', 'list', '--command-config', file]);
    assert.equal(r.code, 1, lines.join(' '));
    assert.match(r.stderr, new RegExp(`^millrace: --command-config ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `), lines.join(' '));
    assert.match(r.stderr, message, lines.join(' '));
  }
});

function trustLines(): string[] {
  return ['ssl.truststore.type=PEM', `ssl.truststore.location=${pki.caPath}`];
}

/** A PEM value as a properties file spreads it: one line per PEM line, joined by backslashes. */
function continued(pem: string): string {
  return pem.trim().split('\n').join(' \\\n    ');
}
