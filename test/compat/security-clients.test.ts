/**
 * Issue 16's client proof for listeners, TLS and SASL: one Millrace broker with a PLAINTEXT
 * listener (set-up), a SASL_SSL listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER
 * with Kafka's unsecured validator, each client logging in with its own unsecured token) and an
 * SSL listener that requires client certificates; certificates are made at test time with openssl.
 * - Kafka's own kafka-configs.sh (ConfigCommand from the Apache Kafka 4.4.0 jars) adds and
 *   deletes SCRAM credentials (AlterUserScramCredentials), and the Java client logs in with them;
 * - kcat (librdkafka), the Java client, kafkajs and confluent-kafka (PyPI) each produce 20
 *   records and read them back over SASL_SSL with each mechanism and over mTLS, with the
 *   settings an application of each client writes (@platformatic/kafka: security-platformatic.test.ts);
 * - a wrong password is refused to each of them, with PLAIN and both SCRAMs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { createTopics, WireClient } from '../helpers/wire-client.js';
import { makePki, type IssuedCert, type TestPki } from '../helpers/certs.js';
import { ensureApt } from './setup/apt.js';
import { runRaw } from './setup/exec.js';
import { parseSecureDriver, runJavaSecureClient, type SecureOutcome as Outcome } from './clients/secure-drivers.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { clientsDir } from './setup/paths.js';
import { ensureConfluentKafkaVenv } from './setup/python.js';
import { runKafkaTool } from './setup/kafka-tool.js';

const COUNT = 20;
const EXPECTED = Array.from({ length: COUNT }, (_, i) => `v${i}`);

let pki: TestPki;
let server: IssuedCert;
let clientCert: IssuedCert;
let tb: TestBroker;
let admin: WireClient;

/** One way to connect: which listener, and the security settings in each client's words. */
interface Mode {
  name: string;
  listener: 'SASL_SSL' | 'SSL';
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER' | null;
  user: string;
  password: string;
}

const MODES: Mode[] = [
  { name: 'SASL_SSL PLAIN', listener: 'SASL_SSL', mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' },
  { name: 'SASL_SSL SCRAM-SHA-512', listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', user: 'bob', password: 'bob-secret' },
  { name: 'SASL_SSL SCRAM-SHA-256', listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', user: 'bob', password: 'bob-secret' },
  // The user is the token's subject; there is no password.
  { name: 'SASL_SSL OAUTHBEARER', listener: 'SASL_SSL', mechanism: 'OAUTHBEARER', user: 'dave', password: '' },
  { name: 'mTLS', listener: 'SSL', mechanism: null, user: '', password: '' },
];

before(async () => {
  pki = makePki();
  server = pki.issue('server', '/CN=localhost', { server: true });
  clientCert = pki.issue('client', '/O=Acme/CN=compat-client');
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
  // bob's credentials, so the SCRAM tests do not depend on the kafka-configs.sh ones (carol's).
  // One mechanism per request: Kafka refuses two changes of one user in one (DUPLICATE_RESOURCE).
  for (const [mechanism, hash, bytes] of [[2, 'sha512', 64], [1, 'sha256', 32]] as const) {
    const salt = randomBytes(16);
    const alter = await admin.request(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [{ name: 'bob', mechanism, iterations: 8192, salt, saltedPassword: pbkdf2Sync('bob-secret', salt, 8192, bytes, hash) }],
    });
    assert.equal(alter.results[0]!.errorCode, 0);
  }
});

after(async () => {
  admin.close();
  await tb.close();
  pki.cleanup();
});

/** librdkafka's settings (kcat -X, confluent-kafka's dict). */
function librdkafkaConf(mode: Mode, password = mode.password): Record<string, string> {
  const conf: Record<string, string> = { 'security.protocol': mode.listener === 'SSL' ? 'ssl' : 'sasl_ssl', 'ssl.ca.location': pki.caPath };
  if (mode.mechanism === 'OAUTHBEARER') {
    Object.assign(conf, { 'sasl.mechanisms': 'OAUTHBEARER', 'enable.sasl.oauthbearer.unsecure.jwt': 'true', 'sasl.oauthbearer.config': `principal=${mode.user}` });
  } else if (mode.mechanism !== null) Object.assign(conf, { 'sasl.mechanisms': mode.mechanism, 'sasl.username': mode.user, 'sasl.password': password });
  else Object.assign(conf, { 'ssl.certificate.location': clientCert.certPath, 'ssl.key.location': clientCert.keyPath });
  return conf;
}

/** The Java client's settings, as a client.properties file. */
function javaProperties(mode: Mode, password = mode.password): string {
  const lines = ['ssl.truststore.type=PEM', `ssl.truststore.location=${pki.caPath}`];
  if (mode.mechanism === null) {
    lines.push('security.protocol=SSL', 'ssl.keystore.type=PEM', `ssl.keystore.location=${clientCert.keystorePath}`);
  } else if (mode.mechanism === 'OAUTHBEARER') {
    lines.push('security.protocol=SASL_SSL', 'sasl.mechanism=OAUTHBEARER', `sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${mode.user}";`);
  } else {
    const module = mode.mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    lines.push('security.protocol=SASL_SSL', `sasl.mechanism=${mode.mechanism}`, `sasl.jaas.config=${module} required username="${mode.user}" password="${password}";`);
  }
  const file = path.join(pki.dir, `java-${mode.listener}-${mode.mechanism ?? 'mtls'}-${password}.properties`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** An unsecured JWS (alg none, no signature) for `sub`, valid for an hour, as Kafka's unsecured login module makes them. */
function unsecuredToken(sub: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none' })}.${b64({ sub, iat: now, exp: now + 3600 })}.`;
}

type Client = (bootstrap: string, topic: string, mode: Mode, password?: string) => Promise<Outcome>;

const CLIENTS: Record<string, Client> = {
  async kcat(bootstrap, topic, mode, password) {
    await ensureApt(['kcat']);
    const x = Object.entries(librdkafkaConf(mode, password)).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
    const p = await runRaw('kcat', ['-b', bootstrap, ...x, '-X', 'enable.idempotence=true', '-X', 'message.timeout.ms=15000', '-P', '-t', topic], { input: `${EXPECTED.join('\n')}\n`, timeoutMs: 60_000 });
    if (p.code !== 0) throw new Error(`kcat -P: ${p.stderr}`);
    const c = await runRaw('kcat', ['-b', bootstrap, ...x, '-C', '-t', topic, '-o', 'beginning', '-e', '-c', String(COUNT), '-f', '%s\\n'], { timeoutMs: 60_000 });
    if (c.code !== 0) throw new Error(`kcat -C: ${c.stderr}`);
    return { produced: COUNT, consumed: c.stdout.split('\n').filter((l) => l !== '') };
  },
  async java(bootstrap, topic, mode, password) {
    return parseSecureDriver('java', await runJavaSecureClient(bootstrap, topic, COUNT, javaProperties(mode, password), { timeoutMs: 120_000 }));
  },
  async kafkajs(bootstrap, topic, mode, password = mode.password) {
    const { readFileSync } = await import('node:fs');
    const ssl = mode.mechanism === null
      ? { ca: [readFileSync(pki.caPath, 'utf8')], cert: readFileSync(clientCert.certPath, 'utf8'), key: readFileSync(clientCert.keyPath, 'utf8') }
      : { ca: [readFileSync(pki.caPath, 'utf8')] };
    const sasl = mode.mechanism === null ? undefined
      : mode.mechanism === 'OAUTHBEARER' ? { mechanism: 'oauthbearer' as const, oauthBearerProvider: async () => ({ value: unsecuredToken(mode.user) }) }
      : mode.mechanism === 'PLAIN' ? { mechanism: 'plain' as const, username: mode.user, password }
      : mode.mechanism === 'SCRAM-SHA-256' ? { mechanism: 'scram-sha-256' as const, username: mode.user, password }
      : { mechanism: 'scram-sha-512' as const, username: mode.user, password };
    const kafka = new Kafka({ brokers: [bootstrap], clientId: 'compat-kafkajs', ssl, ...(sasl === undefined ? {} : { sasl }), logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: EXPECTED.map((value) => ({ value })) });
    } finally {
      await producer.disconnect();
    }
    const consumer = kafka.consumer({ groupId: `compat-kafkajs-${topic}` });
    const consumed: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`kafkajs read ${consumed.length} of ${COUNT}`)), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            consumed.push(message.value!.toString());
            if (consumed.length >= COUNT) {
              clearTimeout(timer);
              resolve();
            }
          },
        }).catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return { produced: COUNT, consumed };
  },
  async 'confluent-kafka'(bootstrap, topic, mode, password) {
    const python = await ensureConfluentKafkaVenv();
    const r = await runRaw(python, [path.join(clientsDir, 'secure_client_confluent.py'), bootstrap, topic, String(COUNT), JSON.stringify(librdkafkaConf(mode, password))], { timeoutMs: 120_000 });
    return parseSecureDriver('confluent-kafka', r);
  },
};

for (const [client, run] of Object.entries(CLIENTS)) {
  for (const mode of MODES) {
    test(`${client} produces and consumes over ${mode.name}`, async () => {
      const topic = `secure-${client}-${mode.name.replace(/[^A-Za-z0-9]/g, '-')}`;
      await createTopics(admin, [{ name: topic, partitions: 1 }]);
      const outcome = await run(tb.broker.listenerAddress(mode.listener), topic, mode);
      assert.equal(outcome.produced, COUNT);
      assert.deepEqual(outcome.consumed, EXPECTED);
    });
  }
  for (const mode of MODES.filter((m) => m.password !== '')) {
    test(`${client} is refused over ${mode.name} with a wrong password`, async () => {
      const topic = `secure-${client}-refused-${mode.name.replace(/[^A-Za-z0-9]/g, '-')}`;
      await createTopics(admin, [{ name: topic, partitions: 1 }]);
      // Refused as a failed login (each client words it its own way), not for any other reason.
      await assert.rejects(run(tb.broker.listenerAddress('SASL_SSL'), topic, mode, 'not-the-password'), /[Aa]uthentication/);
    });
  }
}

test("Kafka's kafka-configs.sh adds and deletes SCRAM credentials", async () => {
  await ensureKafkaJars();
  const configs = (args: string[]) => runKafkaTool('org.apache.kafka.tools.ConfigCommand', ['--bootstrap-server', tb.bootstrap, ...args], { timeoutMs: 120_000 });
  // One mechanism per command: Kafka refuses two changes of one user in one request (DUPLICATE_RESOURCE).
  for (const config of ['SCRAM-SHA-512=[iterations=8192,password=bob-secret]', 'SCRAM-SHA-256=[password=carol-secret]']) {
    const add = await configs(['--alter', '--add-config', config, '--entity-type', 'users', '--entity-name', 'carol']);
    assert.equal(add.code, 0, add.stderr + add.stdout);
    assert.match(add.stdout, /Completed updating config for user carol/);
  }
  const twice = await configs(['--alter', '--add-config', 'SCRAM-SHA-512=[password=x],SCRAM-SHA-256=[password=y]', '--entity-type', 'users', '--entity-name', 'carol']);
  assert.notEqual(twice.code, 0);
  assert.match(twice.stdout + twice.stderr, /A user credential cannot be altered twice in the same request/);
  // Read the credentials back with the API kafka-configs.sh --describe uses for them (its quota half is test/compat/quotas-configs-java.test.ts).
  const described = await admin.request(ApiKey.DescribeUserScramCredentials, 0, { users: [{ name: 'carol' }] });
  assert.deepEqual(described.results[0]!.credentialInfos.map((c) => [c.mechanism, c.iterations]).sort(), [[1, 4096], [2, 8192]]);
  const del = await configs(['--alter', '--delete-config', 'SCRAM-SHA-256', '--entity-type', 'users', '--entity-name', 'carol']);
  assert.equal(del.code, 0, del.stderr + del.stdout);
  const after = await admin.request(ApiKey.DescribeUserScramCredentials, 0, { users: [{ name: 'carol' }] });
  assert.deepEqual(after.results[0]!.credentialInfos.map((c) => c.mechanism), [2]);
  // A password set by kafka-configs.sh authenticates: the Java client logs in as carol.
  const topic = 'secure-configs-carol';
  await createTopics(admin, [{ name: topic, partitions: 1 }]);
  const outcome = await CLIENTS.java!(tb.broker.listenerAddress('SASL_SSL'), topic, { name: 'carol', listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', user: 'carol', password: 'bob-secret' });
  assert.deepEqual(outcome.consumed, EXPECTED);
});

