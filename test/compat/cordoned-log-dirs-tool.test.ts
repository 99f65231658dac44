/**
 * KIP-1066 (cordoned log directories, metadata.version 4.3-IV0) against Kafka's own tools and
 * Java Admin (the Apache Kafka 4.4.0 jars), the same steps on Millrace and on an Apache Kafka
 * 4.4.0 broker, each with two log directories: kafka-configs.sh sets `cordoned.log.dirs` on
 * the broker (and is refused as a cluster default, with a directory not in log.dirs, and with
 * `*` among others), the Admin's describeLogDirs (java/LogDirsAdmin.java) shows the directory
 * cordoned, kafka-topics.sh's new partitions all land in the other directory, and with `*`
 * (every directory cordoned) topic creation is refused. What each prints is logged side by
 * side; messages, exit codes and placements must match, directory names aside.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunResult } from './setup/exec.js';
import { runRaw } from './setup/exec.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { compileJavaDriver, TOOL_JVM_FLAGS } from './setup/java.js';
import { startTarget, type CompatTarget } from './setup/target.js';
import { eventually } from '../helpers/eventually.js';

interface Side {
  target: CompatTarget;
  one: string;
  two: string;
}

let base: string;
let millrace: Side | undefined;
let kafka: Side | undefined;

async function side(kind: string): Promise<Side> {
  const one = path.join(base, kind, 'one');
  const two = path.join(base, kind, 'two');
  mkdirSync(one, { recursive: true });
  mkdirSync(two, { recursive: true });
  return { target: await startTarget({ kind, config: { 'log.dirs': `${one},${two}` } }), one, two };
}

before(async () => {
  await ensureKafkaJars();
  base = mkdtempSync(path.join(tmpdir(), 'millrace-cordon-compat-'));
  millrace = await side('millrace');
  kafka = await side('kafka');
});

after(async () => {
  await millrace?.target.stop();
  await kafka?.target.stop();
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
});

/** What a tool printed, without log4j/SLF4J noise and stack frames, each side's address, directories and log times masked. */
function printed(r: RunResult, s: Side): string {
  return (r.stdout + r.stderr)
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^SLF4J|log4j|^\s+at /.test(l))
    .join('\n')
    .replaceAll(s.target.bootstrap, 'BOOTSTRAP')
    .replaceAll(s.one, 'ONE')
    .replaceAll(s.two, 'TWO')
    .replaceAll(path.dirname(s.one), 'BASE')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME');
}

async function tool(t: { diagnostic(m: string): void }, s: Side, mainClass: string, args: (s: Side) => string[]): Promise<{ code: number | null; text: string }> {
  const r = await runKafkaTool(mainClass, ['--bootstrap-server', s.target.bootstrap, ...args(s)], { timeoutMs: 120_000 });
  const text = printed(r, s);
  t.diagnostic(`  ${s.target.name} (exit ${r.code}): ${text.replace(/\n/g, ' / ')}`);
  return { code: r.code, text };
}

/** Runs a tool on Millrace, then on Kafka (one JVM at a time); both answers. */
async function both(t: { diagnostic(m: string): void }, mainClass: string, args: (s: Side) => string[]) {
  t.diagnostic(`$ ${mainClass} ${args({ target: millrace!.target, one: 'ONE', two: 'TWO' }).join(' ')}`);
  const ours = await tool(t, millrace!, mainClass, args);
  const theirs = await tool(t, kafka!, mainClass, args);
  return { ours, theirs };
}

const CONFIGS = 'org.apache.kafka.tools.ConfigCommand';
const TOPICS = 'org.apache.kafka.tools.TopicCommand';
const setOnBroker = (value: (s: Side) => string) => (s: Side) => ['--alter', '--entity-type', 'brokers', '--entity-name', '1', '--add-config', `cordoned.log.dirs=${value(s)}`];

/** The Admin's describeLogDirs: `<dir> cordoned=<b> partitions=<n>` per directory, directories named. */
async function logDirs(t: { diagnostic(m: string): void }, s: Side): Promise<string[]> {
  const classpath = await compileJavaDriver('java-log-dirs', ['LogDirsAdmin.java'], 'the Java log dirs driver');
  const r = await runRaw('java', [...TOOL_JVM_FLAGS, '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'LogDirsAdmin', s.target.bootstrap], { timeoutMs: 120_000 });
  const text = printed(r, s);
  t.diagnostic(`  describeLogDirs on ${s.target.name} (exit ${r.code}): ${text.replace(/\n/g, ' / ')}`);
  assert.equal(r.code, 0, text);
  return text.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.replace(/^\d+ /, ''));
}

test('cordoned.log.dirs through kafka-configs.sh, the Admin and kafka-topics.sh on Millrace and Kafka 4.4.0', async (t) => {
  // Refused: as a cluster default, a directory not in log.dirs, `*` with another entry.
  const asDefault = await both(t, CONFIGS, (s) => ['--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', `cordoned.log.dirs=${s.one}`]);
  assert.equal(asDefault.ours.code, asDefault.theirs.code);
  assert.equal(asDefault.ours.text, asDefault.theirs.text);
  const unknown = await both(t, CONFIGS, setOnBroker((s) => path.join(path.dirname(s.one), 'three')));
  assert.notEqual(unknown.theirs.code, 0);
  assert.equal(unknown.ours.code, unknown.theirs.code);
  assert.equal(unknown.ours.text, unknown.theirs.text);
  const starAndMore = await both(t, CONFIGS, setOnBroker((s) => `[*,${s.one}]`));
  assert.notEqual(starAndMore.theirs.code, 0);
  assert.equal(starAndMore.ours.text, starAndMore.theirs.text);

  // Before: nothing cordoned.
  for (const s of [millrace!, kafka!]) assert.deepEqual((await logDirs(t, s)).map((l) => l.replace(/ partitions=\d+/, '')), ['ONE cordoned=false', 'TWO cordoned=false']);

  // ONE cordoned: the Admin says so, and every new partition goes to TWO.
  const cordonOne = await both(t, CONFIGS, setOnBroker((s) => s.one));
  assert.equal(cordonOne.ours.code, 0, cordonOne.ours.text);
  assert.equal(cordonOne.ours.text, cordonOne.theirs.text);
  const described = await both(t, CONFIGS, () => ['--describe', '--entity-type', 'brokers', '--entity-name', '1']);
  assert.equal(described.ours.text, described.theirs.text);
  const created = await both(t, TOPICS, () => ['--create', '--topic', 'spread', '--partitions', '6', '--replication-factor', '1']);
  assert.equal(created.ours.code, 0, created.ours.text);
  assert.equal(created.ours.text, created.theirs.text);
  const after = new Map<string, string[]>();
  for (const s of [millrace!, kafka!]) {
    // Kafka's broker makes the replicas as the metadata reaches it: wait for all six.
    const dirs = await eventually(`six partitions in ${s.target.name}'s log dirs`, async () => {
      const d = await logDirs(t, s);
      return d.reduce((n, l) => n + Number(/ partitions=(\d+)$/.exec(l)?.[1] ?? 0), 0) === 6 ? d : null;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    after.set(s.target.name, dirs);
  }
  assert.deepEqual(after.get(millrace!.target.name), ['ONE cordoned=true partitions=0', 'TWO cordoned=false partitions=6']);
  assert.deepEqual(after.get(millrace!.target.name), after.get(kafka!.target.name));

  // Every directory cordoned (`*`): no broker takes new replicas.
  const all = await both(t, CONFIGS, setOnBroker(() => '*'));
  assert.equal(all.ours.code, 0, all.ours.text);
  for (const s of [millrace!, kafka!]) assert.deepEqual((await logDirs(t, s)).map((l) => l.replace(/ partitions=\d+/, '')), ['ONE cordoned=true', 'TWO cordoned=true']);
  const refused = await both(t, TOPICS, () => ['--create', '--topic', 'nowhere', '--partitions', '1', '--replication-factor', '1']);
  assert.notEqual(refused.theirs.code, 0);
  assert.equal(refused.ours.code, refused.theirs.code);
  assert.equal(refused.ours.text, refused.theirs.text);

  // Uncordoned again: topics are created.
  const cleared = await both(t, CONFIGS, () => ['--alter', '--entity-type', 'brokers', '--entity-name', '1', '--delete-config', 'cordoned.log.dirs']);
  assert.equal(cleared.ours.text, cleared.theirs.text);
  const again = await both(t, TOPICS, () => ['--create', '--topic', 'again', '--partitions', '1', '--replication-factor', '1']);
  assert.equal(again.ours.code, 0, again.ours.text);
  assert.equal(again.ours.text, again.theirs.text);
});
