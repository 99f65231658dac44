/**
 * Issue 16's client proof for SASL/OAUTHBEARER: one Millrace broker with a SASL_PLAINTEXT
 * listener serving OAUTHBEARER with Kafka's default (unsecured, development-only) validator.
 * - the Java client (kafka-clients 4.4) logs in with Kafka's OAuthBearerLoginModule and its
 *   unsecured token (`unsecuredLoginStringClaim_sub`), produces and consumes; a second broker
 *   with a short `connections.max.reauth.ms` makes it re-authenticate (KIP-368) on its open
 *   connections during the run;
 * - kcat (librdkafka) logs in with its own unsecured JWT (`enable.sasl.oauthbearer.unsecure.jwt`,
 *   `sasl.oauthbearer.config=principal=...`);
 * - a token the broker refuses (a required scope the token lacks) fails each client.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { createTopics, WireClient } from '../helpers/wire-client.js';
import { ensureApt } from './setup/apt.js';
import { runRaw } from './setup/exec.js';
import { parseSecureDriver, runJavaSecureClient, type SecureOutcome as Outcome } from './clients/secure-drivers.js';

const COUNT = 20;
const EXPECTED = Array.from({ length: COUNT }, (_, i) => `v${i}`);
const JAAS = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;';

let dir: string;
let tb: TestBroker;
let admin: WireClient;

function oauthBroker(extra: Record<string, string | number> = {}): Promise<TestBroker> {
  return startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': JAAS,
      'offsets.topic.replication.factor': 1,
      'connection.failed.authentication.delay.ms': 10,
      ...extra,
    },
  });
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'millrace-oauth-compat-'));
  tb = await oauthBroker();
  admin = await WireClient.connect(tb.bootstrap, { apiVersions: true });
});

after(async () => {
  admin.close();
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The Java client with Kafka's unsecured OAUTHBEARER login, as an application configures it. */
async function java(bootstrap: string, topic: string, claims: string, pauseMs = 0): Promise<Outcome> {
  const file = path.join(dir, `${topic}.properties`);
  writeFileSync(file, [
    'security.protocol=SASL_PLAINTEXT',
    'sasl.mechanism=OAUTHBEARER',
    `sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ${claims};`,
    '',
  ].join('\n'));
  return parseSecureDriver('java', await runJavaSecureClient(bootstrap, topic, COUNT, file, { pauseMs, timeoutMs: 180_000 }));
}

async function kcat(bootstrap: string, topic: string, principal: string, extra: string[] = []): Promise<Outcome> {
  await ensureApt(['kcat']);
  const x = ['-X', 'security.protocol=sasl_plaintext', '-X', 'sasl.mechanisms=OAUTHBEARER', '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', `sasl.oauthbearer.config=principal=${principal}`, ...extra];
  const p = await runRaw('kcat', ['-b', bootstrap, ...x, '-X', 'message.timeout.ms=15000', '-P', '-t', topic], { input: `${EXPECTED.join('\n')}\n`, timeoutMs: 60_000 });
  if (p.code !== 0) throw new Error(`kcat -P: ${p.stderr}`);
  const c = await runRaw('kcat', ['-b', bootstrap, ...x, '-C', '-t', topic, '-o', 'beginning', '-e', '-c', String(COUNT), '-f', '%s\\n'], { timeoutMs: 60_000 });
  if (c.code !== 0) throw new Error(`kcat -C: ${c.stderr}`);
  return { produced: COUNT, consumed: c.stdout.split('\n').filter((l) => l !== '') };
}

test('the Java client produces and consumes with OAUTHBEARER (unsecured login)', async () => {
  const topic = 'oauth-java';
  await createTopics(admin, [{ name: topic, partitions: 1 }]);
  const outcome = await java(tb.broker.listenerAddress('SASL_PLAINTEXT'), topic, 'unsecuredLoginStringClaim_sub="alice"');
  assert.deepEqual([outcome.produced, outcome.consumed], [COUNT, EXPECTED]);
});

test('kcat (librdkafka) produces and consumes with OAUTHBEARER (its unsecured JWT)', async () => {
  const topic = 'oauth-kcat';
  await createTopics(admin, [{ name: topic, partitions: 1 }]);
  const outcome = await kcat(tb.broker.listenerAddress('SASL_PLAINTEXT'), topic, 'alice');
  assert.deepEqual(outcome.consumed, EXPECTED);
});

test('a token without the required scope is refused to the Java client and to kcat', async () => {
  const strict = await oauthBroker({
    'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorRequiredScope="kafka";',
  });
  const setup = await WireClient.connect(strict.bootstrap, { apiVersions: true });
  try {
    const address = strict.broker.listenerAddress('SASL_PLAINTEXT');
    await createTopics(setup, [{ name: 'oauth-refused', partitions: 1 }]);
    await assert.rejects(java(address, 'oauth-refused', 'unsecuredLoginStringClaim_sub="alice"'), /insufficient_scope|SaslAuthenticationException/);
    await assert.rejects(kcat(address, 'oauth-refused', 'alice'), /Delivery failed|insufficient_scope|Authentication/);
    // With the scope the same clients are let in.
    const ok = await java(address, 'oauth-refused', 'unsecuredLoginStringClaim_sub="alice" unsecuredLoginListClaim_scope=",kafka"');
    assert.deepEqual(ok.consumed, EXPECTED);
  } finally {
    setup.close();
    await strict.close();
  }
});

test('the Java client re-authenticates (KIP-368) on its open connections when connections.max.reauth.ms is short', async () => {
  // The broker's debug log, kept in memory: each successful re-authentication is one line.
  const reauthenticated: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => { if (line.includes('SASL re-authentication succeeded')) reauthenticated.push(line); } });
  const short = await startTestBroker({
    logger,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': JAAS,
      'offsets.topic.replication.factor': 1,
      'connections.max.reauth.ms': 2000,
    },
  });
  const setup = await WireClient.connect(short.bootstrap, { apiVersions: true });
  try {
    await createTopics(setup, [{ name: 'oauth-reauth', partitions: 1 }]);
    // 20 sends and 20 polls 250 ms apart: about 10 s on connections whose sessions last 2 s.
    const outcome = await java(short.broker.listenerAddress('SASL_PLAINTEXT'), 'oauth-reauth', 'unsecuredLoginStringClaim_sub="alice"', 250);
    assert.deepEqual([outcome.produced, outcome.consumed], [COUNT, EXPECTED]);
    assert.ok(reauthenticated.length >= 2, `re-authentications seen: ${reauthenticated.length}`);
    assert.ok(reauthenticated.every((l) => (JSON.parse(l) as { principal: string }).principal === 'User:alice'));
  } finally {
    setup.close();
    await short.close();
  }
});
