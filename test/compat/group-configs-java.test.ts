/**
 * Issue 17's group and client metrics configs proof: Kafka 4.4's own kafka-configs.sh
 * (ConfigCommand, --entity-type groups and client-metrics) and kafka-client-metrics.sh
 * (ClientMetricsCommand: --alter, --describe, --list, --delete) run the same steps against the
 * Millrace broker and against an Apache Kafka 4.4.0 broker started from the Maven Central jars,
 * and print the same: the configs set, their values, sources and synonyms, Kafka's error for a
 * value outside the broker's bounds, the subscriptions listed. The one difference allowed is
 * the order of subscriptions, which Kafka takes from a hash set.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureKafkaJars } from './setup/kafka.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { startTarget, type CompatTarget } from './setup/target.js';

let millrace: CompatTarget | undefined;
let kafka: CompatTarget | undefined;

before(async () => {
  await ensureKafkaJars();
  millrace = await startTarget({ kind: 'millrace' });
  kafka = await startTarget({ kind: 'kafka' });
});

after(async () => {
  await millrace?.stop();
  await kafka?.stop();
});

const CONFIGS = 'org.apache.kafka.tools.ConfigCommand';
const CLIENT_METRICS = 'org.apache.kafka.tools.ClientMetricsCommand';

/** [tool, arguments, whether Kafka's output orders subscriptions by a hash set]. */
const STEPS: ReadonlyArray<readonly [string, readonly string[], boolean?]> = [
  [CONFIGS, ['--alter', '--entity-type', 'groups', '--entity-name', 'grp', '--add-config', 'consumer.session.timeout.ms=50000,share.auto.offset.reset=earliest']],
  [CONFIGS, ['--describe', '--entity-type', 'groups', '--entity-name', 'grp']],
  [CONFIGS, ['--describe', '--entity-type', 'groups', '--entity-name', 'grp', '--all']],
  [CONFIGS, ['--describe', '--entity-type', 'groups']],
  [CONFIGS, ['--alter', '--entity-type', 'groups', '--entity-name', 'grp', '--add-config', 'consumer.session.timeout.ms=99999']],
  [CONFIGS, ['--alter', '--entity-type', 'groups', '--entity-name', 'grp', '--delete-config', 'share.auto.offset.reset']],
  [CONFIGS, ['--describe', '--entity-type', 'groups', '--entity-name', 'grp']],
  [CLIENT_METRICS, ['--alter', '--name', 'sub1', '--metrics', 'org.apache.kafka.producer.,org.apache.kafka.consumer.', '--interval', '1000']],
  [CLIENT_METRICS, ['--alter', '--name', 'sub2', '--metrics', '*', '--interval', '60000', '--match', 'client_id=app-.*']],
  [CLIENT_METRICS, ['--describe', '--name', 'sub1']],
  [CLIENT_METRICS, ['--describe'], true],
  [CLIENT_METRICS, ['--list'], true],
  [CLIENT_METRICS, ['--alter', '--name', 'sub1', '--interval', '10']],
  [CLIENT_METRICS, ['--delete', '--name', 'sub2']],
  [CLIENT_METRICS, ['--list']],
  [CONFIGS, ['--describe', '--entity-type', 'client-metrics', '--entity-name', 'sub1']],
];

/** Runs every step against `bootstrap`; one text per step: exit code and output, the broker's address and log timestamps taken out. */
async function run(bootstrap: string): Promise<string[]> {
  const out: string[] = [];
  for (const [tool, args, hashOrdered] of STEPS) {
    const r = await runKafkaTool(tool, ['--bootstrap-server', bootstrap, ...args], { timeoutMs: 120_000 });
    const lines = `${r.stdout}\n${r.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '' && !/SLF4J|^\s*at |^\S+ WARN /.test(l))
      .map((l) => l.replaceAll(bootstrap, '<bootstrap>').replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ''));
    // Subscriptions come in hash-set order from Kafka: compare them as a set of blocks.
    const text = hashOrdered === true ? blocks(lines).sort().join('\n') : lines.join('\n');
    out.push(`${tool.split('.').pop()} ${args.join(' ')} -> ${r.code}\n${text}`);
  }
  return out;
}

/** Groups lines into one block per subscription (a header line and its indented configs). */
function blocks(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.startsWith('  ') && out.length > 0) out[out.length - 1] += `\n${l}`;
    else out.push(l);
  }
  return out;
}

test("kafka-configs.sh --entity-type groups and kafka-client-metrics.sh print the same against Millrace as against Kafka 4.4.0", async () => {
  const ours = await run(millrace!.bootstrap);
  const theirs = await run(kafka!.bootstrap);
  // What Millrace printed, in substance (so a change on both sides cannot pass unseen).
  assert.match(ours[0]!, /-> 0\nCompleted updating config for group grp\./);
  assert.match(ours[1]!, /consumer\.session\.timeout\.ms=50000 sensitive=false synonyms=\{DYNAMIC_GROUP_CONFIG:consumer\.session\.timeout\.ms=50000, DEFAULT_CONFIG:group\.consumer\.session\.timeout\.ms=45000\}/);
  assert.match(ours[2]!, /streams\.assignor\.name=sticky sensitive=false synonyms=\{DEFAULT_CONFIG:group\.streams\.assignors=sticky\}/);
  assert.match(ours[4]!, /-> 1\n[^]*InvalidConfigurationException: consumer\.session\.timeout\.ms must be in the range 45000 to 60000 inclusive\./);
  assert.doesNotMatch(ours[6]!, /share\.auto\.offset\.reset/);
  assert.match(ours[9]!, /Client metrics configs for sub1 are:\n {2}interval\.ms=1000\n {2}match=\n {2}metrics=org\.apache\.kafka\.producer\.,org\.apache\.kafka\.consumer\./);
  assert.match(ours[11]!, /-> 0\nsub1\nsub2$/);
  assert.match(ours[12]!, /-> 1\nError while executing client metrics command : Invalid value 10 for interval\.ms, interval must be between 100 and 3600000 \(1 hour\)/);
  assert.match(ours[14]!, /-> 0\nsub1$/);
  assert.match(ours[15]!, /interval\.ms=1000 sensitive=false synonyms=\{DYNAMIC_CLIENT_METRICS_CONFIG:interval\.ms=1000\}/);
  for (let i = 0; i < STEPS.length; i++) assert.equal(ours[i], theirs[i], `step ${i}: ${STEPS[i]![1].join(' ')}`);
});
