/**
 * Delegation tokens (KIP-48) driven by Kafka 4.4.0's own clients: the Java Admin
 * (java/DelegationTokenAdmin.java) and kafka-delegation-tokens.sh (its main class,
 * DelegationTokenCommand) create, describe, renew and expire tokens for a user logged in with
 * SASL/PLAIN; the Java producer and consumer (java/SecureClient.java) authenticate with a token
 * (SCRAM-SHA-256 and SCRAM-SHA-512, tokenauth=true) and produce and consume; a token-authenticated
 * Admin may not create tokens; a token survives a broker restart; once expired, authentication
 * with it fails as Kafka's does.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { createTopics, WireClient } from '../helpers/wire-client.js';
import { runRaw, type RunResult } from './setup/exec.js';
import { runJavaSecureClient } from './clients/secure-drivers.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { compileJavaDriver, TOOL_JVM_FLAGS } from './setup/java.js';
import { repoRoot } from './setup/paths.js';

const TOPIC = 'token-compat';
const COUNT = 20;
const HOUR = 3_600_000;
const CONFIG = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";',
  'delegation.token.secret.key': 'compat-secret',
  'connection.failed.authentication.delay.ms': 0,
};

let tb: TestBroker;
let dir: string;

before(async () => {
  tb = await startTestBroker({ config: CONFIG });
  const admin = await WireClient.connect(tb.bootstrap, { apiVersions: true });
  try {
    await createTopics(admin, [{ name: TOPIC, partitions: 1 }]);
  } finally {
    admin.close();
  }
  dir = mkdtempSync(path.join(tmpdir(), 'millrace-token-compat-'));
});

after(async () => {
  await tb?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const sasl = () => tb.broker.listenerAddress('SASL_PLAINTEXT');

function properties(name: string, lines: string[]): string {
  const file = path.join(dir, `${name}.properties`);
  writeFileSync(file, [...lines, 'request.timeout.ms=10000', 'default.api.timeout.ms=20000'].join('\n') + '\n');
  return file;
}

function plainUser(user: string): string {
  return properties(user, [
    'security.protocol=SASL_PLAINTEXT',
    'sasl.mechanism=PLAIN',
    `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${user}-secret";`,
  ]);
}

/** Client properties that log in with a token, as Kafka's documentation writes them. */
function tokenUser(mechanism: string, tokenId: string, hmac: string): string {
  return properties(`token-${mechanism}`, [
    'security.protocol=SASL_PLAINTEXT',
    `sasl.mechanism=${mechanism}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${tokenId}" password="${hmac}" tokenauth="true";`,
    'max.block.ms=15000',
    'delivery.timeout.ms=15000',
  ]);
}

function kafkaLibs(): string {
  return path.join(process.env.MILLRACE_KAFKA_CACHE ?? path.join(repoRoot, 'bench', '.cache', 'kafka'), 'libs');
}

const tool = (args: string[]) => runRaw('java', [...TOOL_JVM_FLAGS, '-cp', `${kafkaLibs()}/*`, 'org.apache.kafka.tools.DelegationTokenCommand', '--bootstrap-server', sasl(), ...args], { timeoutMs: 120_000 });

interface JavaToken {
  tokenId: string;
  hmac: string;
  owner: string;
  requester: string;
  renewers: string[];
  issue: number;
  expiry: number;
  max: number;
}

/** One Java Admin call; its JSON line. */
async function admin(props: string, ...args: string[]): Promise<{ r: RunResult; out: Record<string, unknown> }> {
  const classpath = await compileJavaDriver('java-tokens', ['DelegationTokenAdmin.java'], 'the Java delegation token driver');
  const r = await runRaw('java', [...TOOL_JVM_FLAGS, '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'DelegationTokenAdmin', sasl(), props, ...args], { timeoutMs: 120_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line !== undefined, `DelegationTokenAdmin ${args.join(' ')} printed nothing: ${r.stdout}\n${r.stderr.slice(-3000)}`);
  return { r, out: JSON.parse(line) as Record<string, unknown> };
}

async function produceConsume(props: string): Promise<{ code: number | null; out: string; consumed: string[] | null }> {
  const r = await runJavaSecureClient(sasl(), TOPIC, COUNT, props, { timeoutMs: 120_000 });
  const out = r.stdout + r.stderr;
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"consumed"'));
  return { code: r.code, out, consumed: line === undefined ? null : (JSON.parse(line) as { consumed: string[] }).consumed };
}

test('the Java Admin and kafka-delegation-tokens.sh manage tokens; Java clients authenticate with them until they expire, across a restart', async () => {
  await ensureKafkaJars();
  const alice = plainUser('alice');
  const bob = plainUser('bob');

  // Created with the Java Admin: lifetime and expiry both the hour asked for (less than a day).
  const created = await admin(alice, 'create', 'User:bob', String(HOUR));
  assert.equal(created.r.code, 0, created.r.stdout + created.r.stderr);
  const a = created.out as unknown as JavaToken;
  assert.deepEqual([a.owner, a.requester, a.renewers], ['User:alice', 'User:alice', ['User:bob']]);
  assert.deepEqual([a.expiry - a.issue, a.max - a.issue], [HOUR, HOUR]);

  // Created with the tool, without renewers: the defaults (a day to expiry, seven days' lifetime).
  const made = await tool(['--command-config', alice, '--create', '--max-life-time-period', '-1']);
  assert.equal(made.code, 0, made.stdout + made.stderr);
  const idLine = /Created delegation token with tokenId : (\S+)/.exec(made.stdout);
  assert.ok(idLine !== null, made.stdout);
  const row = new RegExp(`^${idLine[1]!}\\s+(\\S+)\\s+User:alice\\s+User:alice\\s+\\[\\]`, 'm').exec(made.stdout);
  assert.ok(row !== null, made.stdout);
  const b = { tokenId: idLine[1]!, hmac: row[1]! };

  // Both described, by the Admin and by the tool, with their HMACs.
  const described = await admin(alice, 'describe');
  const tokens = (described.out as { tokens: JavaToken[] }).tokens;
  assert.deepEqual(tokens.map((t) => [t.tokenId, t.hmac]).sort(), [[a.tokenId, a.hmac], [b.tokenId, b.hmac]].sort());
  const b2 = tokens.find((t) => t.tokenId === b.tokenId)!;
  assert.deepEqual([b2.expiry - b2.issue, b2.max - b2.issue], [24 * HOUR, 7 * 24 * HOUR]);
  // The tool sends the owners it is given (an empty list without --owner-principal, which a
  // broker answers with no tokens, as KafkaApis does).
  const listed = await tool(['--command-config', alice, '--describe', '--owner-principal', 'User:alice']);
  assert.equal(listed.code, 0, listed.stdout + listed.stderr);
  assert.match(listed.stdout, /Total number of tokens : 2/);
  assert.ok(listed.stdout.includes(a.tokenId) && listed.stdout.includes(b.hmac));

  // Renewed by the renewer (Admin) and by the owner (tool).
  const renewed = await admin(bob, 'renew', a.hmac, String(HOUR / 2));
  assert.equal(renewed.r.code, 0, renewed.r.stdout + renewed.r.stderr);
  assert.ok((renewed.out.expiry as number) < a.expiry && (renewed.out.expiry as number) > a.issue);
  const toolRenew = await tool(['--command-config', alice, '--renew', '--hmac', b.hmac, '--renew-time-period', '-1']);
  assert.equal(toolRenew.code, 0, toolRenew.stdout + toolRenew.stderr);
  assert.match(toolRenew.stdout, /Completed renew operation\. New expiry date : /);
  // Bob renews no token of which he is not a renewer.
  const stranger = await admin(bob, 'renew', b.hmac, '-1');
  assert.deepEqual([stranger.r.code, stranger.out.error], [2, 'DelegationTokenOwnerMismatchException']);

  // The Java producer and consumer log in with each token (SCRAM-SHA-256 and -512, tokenauth=true).
  const byA = tokenUser('SCRAM-SHA-256', a.tokenId, a.hmac);
  const first = await produceConsume(byA);
  assert.equal(first.code, 0, first.out);
  assert.equal(first.consumed?.length, COUNT, first.out);
  const byB = tokenUser('SCRAM-SHA-512', b.tokenId, b.hmac);
  const second = await produceConsume(byB);
  assert.equal(second.code, 0, second.out);
  assert.equal(second.consumed?.length, 2 * COUNT, second.out);
  // A connection authenticated with a token may not ask for tokens.
  const nested = await admin(byA, 'create', 'User:bob', '-1');
  assert.deepEqual([nested.r.code, nested.out.error], [2, 'UnsupportedByAuthenticationException']);

  // The tokens survive a restart on the same data.
  const logDir = tb.logDir;
  await tb.close(true);
  tb = await startTestBroker({ config: CONFIG, logDir });
  const afterRestart = await produceConsume(tokenUser('SCRAM-SHA-256', a.tokenId, a.hmac));
  assert.equal(afterRestart.code, 0, afterRestart.out);
  assert.equal(afterRestart.consumed?.length, 3 * COUNT, afterRestart.out);

  // Expired at once by the tool: gone from describe, and the token authenticates no more.
  const expired = await tool(['--command-config', alice, '--expire', '--hmac', a.hmac, '--expiry-time-period', '-1']);
  assert.equal(expired.code, 0, expired.stdout + expired.stderr);
  assert.match(expired.stdout, /Completed expire operation\. New expiry date : /);
  const left = await admin(alice, 'describe');
  assert.deepEqual((left.out as { tokens: JavaToken[] }).tokens.map((t) => t.tokenId), [b.tokenId]);
  const refused = await produceConsume(tokenUser('SCRAM-SHA-256', a.tokenId, a.hmac));
  assert.notEqual(refused.code, 0, refused.out);
  assert.match(refused.out, /SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/);
  // Expired by the Admin with a period of 0: from then on, renewing it is refused as expired.
  const soon = await admin(alice, 'expire', b.hmac, '0');
  assert.equal(soon.r.code, 0, soon.r.stdout + soon.r.stderr);
  const late = await admin(alice, 'renew', b.hmac, '-1');
  assert.deepEqual([late.r.code, late.out.error], [2, 'DelegationTokenExpiredException']);
});
