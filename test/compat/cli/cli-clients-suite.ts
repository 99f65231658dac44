/**
 * The `millrace` client tools with third-party clients, against one broker (Millrace in
 * cli-millrace-clients.test.ts, Apache Kafka 4.4.0 in cli-kafka.test.ts): kcat (librdkafka)
 * reads what the tools write, writes what they read, and shares a consumer group with
 * `millrace consume --group`; a KIP-848 group of Kafka's own console consumer is described as
 * kafka-consumer-groups.sh describes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { ensureApt } from '../setup/apt.js';
import { ensureKafkaJars } from '../setup/kafka.js';
import { repoRoot } from '../setup/paths.js';
import { eventually } from '../../helpers/eventually.js';
import { CLI_POLL, finished, ok, spawnCli } from '../../cli/cli-harness.js';
import { type JsonGroup, keyedLines, type Row, unique } from '../../cli/cli-suite.js';
import { TOOL_JVM_FLAGS } from '../setup/java.js';
import { runKafkaTool } from '../setup/kafka-tool.js';

/**
 * Starts one of Kafka's tools (a main class of kafka-tools) from the jars the compat set-up fetches,
 * as a process of its own: the console consumer runs until it is stopped with SIGTERM (its shutdown
 * hook closes it, leaving the group), which the warm tool runner cannot give it.
 */
function kafkaTool(mainClass: string, args: readonly string[]) {
  const libs = path.join(repoRoot, 'bench', '.cache', 'kafka', 'libs');
  return spawn('java', [...TOOL_JVM_FLAGS, '-cp', `${libs}/*`, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs kcat with the arguments and stdin, resolving with its output; fails on a non-zero exit. */
async function kcat(args: readonly string[], input = ''): Promise<string> {
  const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr}`);
  return stdout;
}

export function registerCliClientSuite(bootstrap: () => string): void {
  const b = () => ['--bootstrap-server', bootstrap()];
  const groupJson = async (group: string) => JSON.parse(await ok(['group', 'describe', group, '--json', ...b()])) as JsonGroup;

  test('kcat reads what the CLI produced; the CLI prints what kcat produced', async () => {
    await ensureApt(['kcat']);
    const topic = unique('cli-kcat');
    await ok(['topic', 'create', topic, '--partitions', '2', ...b()]);
    await ok(['produce', topic, '--key-separator', '=', '--header', 'origin=millrace', '--compression', 'lz4', ...b()], 'a=1\nb=2\nc=3\n');
    const read = await kcat(['-b', bootstrap(), '-C', '-t', topic, '-e', '-q', '-f', '%k %s %h\n']);
    assert.deepEqual(read.trimEnd().split('\n').sort(), ['a 1 origin=millrace', 'b 2 origin=millrace', 'c 3 origin=millrace']);

    const fromKcat = unique('cli-from-kcat');
    await ok(['topic', 'create', fromKcat, '--partitions', '3', ...b()]);
    await kcat(['-b', bootstrap(), '-P', '-t', fromKcat, '-K', ':', '-H', 'by=kcat', '-z', 'snappy'], keyedLines(1, 20));
    const printed = await ok(['consume', fromKcat, '--from-beginning', '--exit-at-end', '--format', '%k:%s %h', ...b()]);
    assert.deepEqual(printed.trimEnd().split('\n').sort(), keyedLines(1, 20).trimEnd().split('\n').map((l) => `${l} by=kcat`).sort());
  });

  test('a millrace member and a kcat member share one consumer group', async () => {
    await ensureApt(['kcat']);
    const topic = unique('cli-shared');
    const group = unique('cli-shared-g');
    await ok(['topic', 'create', topic, '--partitions', '4', ...b()]);
    const ours = spawnCli(['consume', topic, '--group', group, '--commit-interval-ms', '300', '--format', '%p %k', ...b()]);
    const theirs = spawn('kcat', ['-b', bootstrap(), '-G', group, '-q', '-X', 'auto.commit.interval.ms=300', '-f', '%p %k\n', topic], { stdio: ['ignore', 'pipe', 'pipe'] });
    const theirsClosed = once(theirs, 'close');
    let theirOut = '';
    theirs.stdout.on('data', (d: Buffer) => (theirOut += d.toString()));
    theirs.stderr.resume();
    try {
      // both members in, every partition assigned: two each under the range assignor
      const g = await eventually('two members sharing four partitions', async () => {
        const d = await groupJson(group);
        const owned = d.members.map((m) => m.assignment.reduce((n, tp) => n + tp.partitions.length, 0));
        return d.state === 'Stable' && d.members.length === 2 && owned.every((n) => n === 2) ? d : undefined;
      }, CLI_POLL);
      assert.deepEqual(g.members.map((m) => m.clientId).sort(), ['millrace-consumer', 'rdkafka']);
      await ok(['produce', topic, '--key-separator', ':', ...b()], keyedLines(1, 40));
      const done = await eventually('every record consumed and committed', async () => {
        const d = await groupJson(group);
        return d.partitions.length === 4 && d.partitions.every((p) => p.lag === 0) &&
          d.partitions.reduce((n, p) => n + (p.currentOffset ?? 0), 0) === 40 ? d : undefined;
      }, CLI_POLL);
      // the table names the topic and both members
      assert.deepEqual(new Set(done.partitions.map((p) => p.topic)), new Set([topic]));
      assert.equal(new Set(done.partitions.map((p) => p.clientId)).size, 2);
    } finally {
      ours.kill('SIGINT');
      theirs.kill('SIGINT');
    }
    const ourResult = await finished(ours);
    await theirsClosed;
    assert.equal(ourResult.code, 0, ourResult.stderr);
    const lines = [...ourResult.stdout.trimEnd().split('\n'), ...theirOut.trimEnd().split('\n')].filter((l) => l !== '');
    assert.equal(lines.length, 40, 'every record printed once by one of the members');
    assert.deepEqual(lines.map((l) => l.split(' ')[1]).sort(), keyedLines(1, 40).trimEnd().split('\n').map((l) => l.split(':')[0]).sort());
    const ourPartitions = new Set(ourResult.stdout.trimEnd().split('\n').map((l) => l.split(' ')[0]));
    const theirPartitions = new Set(theirOut.trimEnd().split('\n').map((l) => l.split(' ')[0]));
    assert.equal([...ourPartitions].filter((p) => theirPartitions.has(p)).length, 0, 'no partition read by both');
  });

  test('a KIP-848 consumer group is described from ConsumerGroupDescribe, as kafka-consumer-groups.sh describes it', async () => {
    await ensureKafkaJars();
    const topic = unique('cli-kip848');
    const group = unique('cli-kip848-g');
    await ok(['topic', 'create', topic, '--partitions', '3', ...b()]);
    await ok(['produce', topic, '--key-separator', ':', ...b()], 'a:1\nb:2\nc:3\nd:4\n');
    const consumer = kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server', bootstrap(), '--topic', topic, '--group', group, '--from-beginning',
      '--consumer-property', 'group.protocol=consumer', '--consumer-property', 'auto.commit.interval.ms=200',
    ]);
    const closed = once(consumer, 'close');
    consumer.stdout.resume();
    consumer.stderr.resume();
    try {
      const ours = await eventually('the console consumer owning every partition, all committed', async () => {
        const d = JSON.parse(await ok(['group', 'describe', group, '--json', ...b()])) as {
          type: string; state: string; members: { memberId: string; assignment: { topic: string; partitions: number[] }[] }[]; partitions: Row[];
        };
        const owned = d.members.flatMap((m) => m.assignment.flatMap((tp) => tp.partitions));
        return d.type === 'consumer' && d.state === 'Stable' && owned.length === 3 &&
          d.partitions.reduce((n, p) => n + (p.currentOffset ?? 0), 0) === 4 ? d : undefined;
      }, { ...CLI_POLL, timeoutMs: 60_000 });
      assert.equal(ours.members.length, 1);
      assert.deepEqual(ours.members[0]!.assignment, [{ topic, partitions: [0, 1, 2] }]);
      const text = await ok(['group', 'describe', group, ...b()]);
      assert.match(text, new RegExp(`^Group: ${group} +Type: consumer +State: Stable +Assignor: uniform`));

      const tool = await runKafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', ['--bootstrap-server', bootstrap(), '--describe', '--group', group]);
      assert.equal(tool.code, 0, tool.stderr);
      const theirs = tool.stdout.split('\n').filter((l) => l.startsWith(`${group} `)).map((l) => l.trim().split(/\s+/))
        .map((c) => [c[1], Number(c[2]), c[3], c[4], c[5], c[6]]).sort((x, y) => (x[1] as number) - (y[1] as number));
      assert.deepEqual(ours.partitions.map((p) => [p.topic, p.partition, String(p.currentOffset), String(p.logEndOffset), String(p.lag), p.consumerId]), theirs);
    } finally {
      consumer.kill('SIGTERM');
      await closed;
    }
  });
}
