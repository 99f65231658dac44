/**
 * The same `millrace` client tool tests as against Millrace (cli-suite.ts), against Apache
 * Kafka 4.0.2 started once for this file from its Maven Central jars (test/compat/setup);
 * and, where Kafka has it first, a KIP-848 consumer group (group.protocol=consumer) of
 * Kafka's own console consumer, described by `millrace group describe` as Kafka's
 * kafka-consumer-groups.sh describes it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { repoRoot } from '../compat/setup/paths.js';
import { startTarget, type CompatTarget } from '../compat/setup/target.js';
import { eventually, ok } from './cli-harness.js';
import { registerCliSuite } from './cli-suite.js';

let target: CompatTarget;

before(async () => {
  target = await startTarget({ kind: 'kafka' });
});

after(async () => {
  await target?.stop();
});

describe('against Apache Kafka 4.0.2', () => {
  registerCliSuite(() => target.bootstrap);
});

const LIBS = path.join(repoRoot, 'bench', '.cache', 'kafka', 'libs');

/** Runs one of Kafka's tools (a main class of kafka-tools) from the jars. */
function kafkaTool(mainClass: string, args: readonly string[]) {
  return spawn('java', ['-Xmx256m', '-cp', `${LIBS}/*`, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Row { topic: string; partition: number; currentOffset: number | null; logEndOffset: number | null; lag: number | null; consumerId: string | null }

test('a KIP-848 consumer group is described from ConsumerGroupDescribe, as kafka-consumer-groups.sh describes it', async () => {
  const b = ['--bootstrap-server', target.bootstrap];
  const topic = 'cli-kip848';
  const group = 'cli-kip848-g';
  await ok(['topic', 'create', topic, '--partitions', '3', ...b]);
  await ok(['produce', topic, '--key-separator', ':', ...b], 'a:1\nb:2\nc:3\nd:4\n');
  const consumer = kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--bootstrap-server', target.bootstrap, '--topic', topic, '--group', group, '--from-beginning',
    '--consumer-property', 'group.protocol=consumer', '--consumer-property', 'auto.commit.interval.ms=200',
  ]);
  const closed = once(consumer, 'close');
  consumer.stdout.resume();
  consumer.stderr.resume();
  try {
    const ours = await eventually('the console consumer owning every partition, all committed', async () => {
      const d = JSON.parse(await ok(['group', 'describe', group, '--json', ...b])) as {
        type: string; state: string; members: { memberId: string; assignment: { topic: string; partitions: number[] }[] }[]; partitions: Row[];
      };
      const owned = d.members.flatMap((m) => m.assignment.flatMap((tp) => tp.partitions));
      return d.type === 'consumer' && d.state === 'Stable' && owned.length === 3 &&
        d.partitions.reduce((n, p) => n + (p.currentOffset ?? 0), 0) === 4 ? d : undefined;
    }, 60_000);
    assert.equal(ours.members.length, 1);
    assert.deepEqual(ours.members[0]!.assignment, [{ topic, partitions: [0, 1, 2] }]);
    const text = await ok(['group', 'describe', group, ...b]);
    assert.match(text, new RegExp(`^Group: ${group} +Type: consumer +State: Stable +Assignor: uniform`));

    const tool = kafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', ['--bootstrap-server', target.bootstrap, '--describe', '--group', group]);
    let out = '';
    tool.stdout.on('data', (d: Buffer) => (out += d.toString()));
    tool.stderr.resume();
    const [code] = (await once(tool, 'close')) as [number];
    assert.equal(code, 0);
    const theirs = out.split('\n').filter((l) => l.startsWith(`${group} `)).map((l) => l.trim().split(/\s+/))
      .map((c) => [c[1], Number(c[2]), c[3], c[4], c[5], c[6]]).sort((x, y) => (x[1] as number) - (y[1] as number));
    assert.deepEqual(ours.partitions.map((p) => [p.topic, p.partition, String(p.currentOffset), String(p.logEndOffset), String(p.lag), p.consumerId]), theirs);
  } finally {
    consumer.kill('SIGTERM');
    await closed;
  }
});
