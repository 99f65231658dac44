/**
 * KIP-113 against Kafka's own tools (the Apache Kafka 4.4.0 jars): a Millrace broker with two
 * log directories, a partition written by the Java console producer, then moved to the other
 * directory by kafka-reassign-partitions.sh (ReassignPartitionsCommand with `log_dirs` in the
 * reassignment JSON and --replica-alter-log-dirs-throttle, which the broker's mover honours)
 * while a second producer keeps writing. --verify reports the replica moved and clears the
 * throttle, kafka-log-dirs.sh (the Admin's describeLogDirs) finds the partition in the new
 * directory only, and the Java console consumer reads every record back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestBroker } from '../helpers/test-broker.js';
import { eventually } from '../helpers/eventually.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { runRaw, type RunResult } from './setup/exec.js';
import { repoRoot } from './setup/paths.js';
import { TOOL_JVM_FLAGS } from './setup/java.js';

function kafkaTool(mainClass: string, args: readonly string[], input?: string): Promise<RunResult> {
  const libs = path.join(process.env.MILLRACE_KAFKA_CACHE ?? path.join(repoRoot, 'bench', '.cache', 'kafka'), 'libs');
  return runRaw('java', [...TOOL_JVM_FLAGS, '-cp', `${libs}/*`, mainClass, ...args], { timeoutMs: 120_000, ...(input === undefined ? {} : { input }) });
}

/** `count` lines `k<i>:<value of about 100 bytes>` from `from`. */
function lines(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `k${from + i}:${`value-${from + i}-`.padEnd(100, 'x')}`);
}

interface LogDirsJson {
  brokers: Array<{ broker: number; logDirs: Array<{ logDir: string; error: string | null; partitions: Array<{ partition: string; size: number; offsetLag: number; isFuture: boolean }> }> }>;
}

test("Kafka's ReassignPartitionsCommand moves a replica between log directories (log_dirs, throttled) while it takes writes", async () => {
  await ensureKafkaJars();
  const base = mkdtempSync(path.join(tmpdir(), 'millrace-logdirs-java-'));
  const one = path.join(base, 'one');
  const two = path.join(base, 'two');
  // Copied in chunks of 64 KiB, so the throttle has something to hold back.
  const ab = await startTestBroker({ logDir: base, config: { 'log.dirs': `${one},${two}`, 'replica.fetch.max.bytes': 65536 } });
  const bootstrap = ab.bootstrap;
  const produce = (input: string[]) =>
    kafkaTool('org.apache.kafka.tools.ConsoleProducer', ['--bootstrap-server', bootstrap, '--topic', 'm', '--property', 'parse.key=true', '--property', 'key.separator=:', '--producer-property', 'acks=all'], input.join('\n') + '\n');
  try {
    const created = await kafkaTool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, '--create', '--topic', 'm', '--partitions', '1', '--replication-factor', '1']);
    assert.equal(created.code, 0, created.stderr);
    const before = await produce(lines(0, 4000));
    assert.equal(before.code, 0, before.stderr);
    const from = ab.broker.logs.futures.currentDir('m', 0)!;
    const to = from === path.resolve(one) ? path.resolve(two) : path.resolve(one);

    const file = path.join(base, 'move.json');
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'm', partition: 0, replicas: [ab.broker.nodeId], log_dirs: [to] }] }));
    const reassign = (...args: string[]) => kafkaTool('org.apache.kafka.tools.reassign.ReassignPartitionsCommand', ['--bootstrap-server', bootstrap, '--reassignment-json-file', file, ...args]);
    // The second producer starts with the move and writes while it runs.
    const [executed, during] = await Promise.all([reassign('--execute', '--replica-alter-log-dirs-throttle', '400000'), produce(lines(4000, 2000))]);
    assert.equal(executed.code, 0, executed.stderr + executed.stdout);
    assert.equal(during.code, 0, during.stderr);
    assert.match(executed.stdout, /The replica-alter-dir throttle limit was set to 400000 B\/s\n/);
    assert.match(executed.stdout, /Successfully started partition reassignment for m-0\n/);
    assert.ok(executed.stdout.includes(`Successfully started moving log directory to ${to} for replica m-0 with broker ${ab.broker.nodeId} \n`), executed.stdout);
    // The broker reads the bound from its dynamic config, as Kafka's BrokerConfigHandler does.
    assert.equal(ab.broker.logDirMover.quota.upperBound, 400000);

    const verified = await eventually('the move completed', async () => {
      const r = await reassign('--verify');
      assert.equal(r.code, 0, r.stderr + r.stdout);
      return r.stdout.includes('completed successfully') ? r : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    assert.match(verified.stdout, /Reassignment of partition m-0 is completed\.\n/);
    assert.ok(verified.stdout.includes(`Reassignment of replica m-0-${ab.broker.nodeId} completed successfully.`), verified.stdout);
    assert.match(verified.stdout, new RegExp(`Clearing broker-level throttles on broker ${ab.broker.nodeId}\\n`));
    const described = await kafkaTool('org.apache.kafka.tools.LogDirsCommand', ['--bootstrap-server', bootstrap, '--describe', '--topic-list', 'm']);
    assert.equal(described.code, 0, described.stderr);
    const json = JSON.parse(described.stdout.split('\n').find((l) => l.startsWith('{'))!) as LogDirsJson;
    const where = json.brokers[0]!.logDirs.map((d) => [d.logDir, d.error, d.partitions.map((p) => [p.partition, p.isFuture, p.offsetLag])]);
    assert.deepEqual(where.sort(), [[path.resolve(one), null, from === path.resolve(one) ? [] : [['m-0', false, 0]]], [path.resolve(two), null, from === path.resolve(two) ? [] : [['m-0', false, 0]]]].sort());
    assert.equal(ab.broker.logs.getLog('m', 0)!.dir, path.join(to, 'm-0'));

    // Every record, in order, read back by the Java console consumer.
    const consumed = await kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server', bootstrap, '--topic', 'm', '--from-beginning', '--max-messages', '6000', '--timeout-ms', '60000',
      '--formatter-property', 'print.key=true', '--formatter-property', 'key.separator=:',
    ]);
    assert.equal(consumed.code, 0, consumed.stderr);
    const got = consumed.stdout.trimEnd().split('\n');
    assert.deepEqual(got.filter((l) => !/^k\d+:/.test(l)), [], 'only records on stdout');
    assert.equal(got.length, 6000);
    const byKey = new Map(got.map((l) => [l.slice(0, l.indexOf(':')), l]));
    assert.deepEqual(got.slice(0, 4000), lines(0, 4000), 'the records written before the move, in order');
    assert.deepEqual(lines(4000, 2000).filter((l) => byKey.get(l.slice(0, l.indexOf(':'))) !== l), [], 'and every record written during it');
  } finally {
    await ab.close();
    rmSync(base, { recursive: true, force: true });
  }
});
