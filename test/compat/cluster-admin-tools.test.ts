/**
 * Kafka's own kafka-topics.sh (org.apache.kafka.tools.TopicCommand from the Apache Kafka 4.4.0
 * jars) against an embedded Millrace cluster of three brokers and against a real Apache Kafka
 * of three brokers (tools/kafka/kafka-process.js startKafkaCluster: one controller-only node
 * and three broker-only nodes), the same commands on both, the `--describe` output compared
 * field by field: for a fresh topic of 3 partitions with replication factor 3, again after
 * broker 1 has stopped (leaders moved, ISRs shrunk), and again after broker 2 has stopped too
 * (the ISRs below min.insync.replicas=2, so broker 2 is each partition's Elr, KIP-966).
 *
 * What differs by design and is not compared:
 * - TopicId: a random UUID per topic on either system.
 * - Which replica list each partition gets: Kafka's KRaft controller places replicas with its
 *   StripedReplicaPlacer from a random start, Millrace with AdminUtils' rack-unaware
 *   assignment from a random start and shift. Both give each broker one partition to lead and
 *   put every broker in every partition (3 brokers, RF 3): that shape is compared.
 * Everything else the tool prints — the field names and their order on each line,
 * PartitionCount, ReplicationFactor, Configs (both brokers run with Kafka's shipped
 * log.segment.bytes, which Kafka's TopicCommand lists as segment.bytes since its source is a
 * static broker config), the leader and ISR each partition has relative to its replica list,
 * and the Elr / LastKnownElr fields Kafka 4.4 prints — must match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { eventually } from '../helpers/eventually.js';
import { ensureKafkaJars } from './setup/kafka.js';
import type { RunResult } from './setup/exec.js';
import { repoRoot } from './setup/paths.js';
import { runKafkaTool } from './setup/kafka-tool.js';

interface KafkaClusterModule {
  startKafkaCluster(options: { brokers: number; config?: Record<string, string | number | boolean> }): Promise<{
    bootstrap: string;
    dir: string;
    broker(nodeId: number): { stop(): Promise<unknown> };
    stop(): Promise<void>;
  }>;
}

/** Runs TopicCommand from the jars tools/kafka/fetch.sh keeps (MILLRACE_KAFKA_CACHE, as fetch.sh reads it). */
function topics(bootstrap: string, args: readonly string[]): Promise<RunResult> {
  return runKafkaTool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, ...args], { timeoutMs: 120_000 });
}

/** One tab-separated line of `--describe` as [field, value] pairs in the order printed. */
type Line = Array<[string, string]>;

interface Described {
  topic: Line;
  partitions: Line[];
}

function parseLine(text: string): Line {
  return text.trim().split('\t').map((f) => {
    const i = f.indexOf(':');
    assert.ok(i > 0, `not a field: ${JSON.stringify(f)} in ${JSON.stringify(text)}`);
    return [f.slice(0, i), f.slice(i + 1).trim()];
  });
}

function parseDescribe(stdout: string): Described {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length > 0, 'describe printed nothing');
  return { topic: parseLine(lines[0]!), partitions: lines.slice(1).map(parseLine) };
}

const field = (line: Line, name: string): string => {
  const f = line.find(([k]) => k === name);
  assert.ok(f !== undefined, `no ${name} in ${JSON.stringify(line)}`);
  return f[1];
};
const ids = (s: string): number[] => (s === '' ? [] : s.split(',').map(Number));

/**
 * What must be equal between the two systems: every field name in order, the topic line's
 * values but the id, and per partition its replica set and where its leader and ISR members
 * stand in its replica list once the `stopped` broker is left out of it (so that the two
 * systems' different replica orders compare: "the leader is the first live replica, the ISR is
 * the live replicas in replica order" reads the same on both).
 */
function comparable(d: Described, ...stopped: number[]): unknown {
  return {
    topicFields: d.topic.map(([k]) => k),
    topic: d.topic.filter(([k]) => k !== 'TopicId'),
    partitions: d.partitions.map((p) => {
      const replicas = ids(field(p, 'Replicas'));
      const live = replicas.filter((r) => !stopped.includes(r));
      const at = (id: number) => live.indexOf(id);
      return {
        fields: p.map(([k]) => k),
        topic: field(p, 'Topic'),
        partition: field(p, 'Partition'),
        replicaSet: [...replicas].sort(),
        leaderAt: at(Number(field(p, 'Leader'))),
        isrAt: ids(field(p, 'Isr')).map(at),
        elr: field(p, 'Elr'),
        lastKnownElr: field(p, 'LastKnownElr'),
      };
    }),
  };
}

const leaders = (d: Described): number[] => d.partitions.map((p) => Number(field(p, 'Leader'))).sort();

async function describe(bootstrap: string): Promise<Described> {
  const r = await topics(bootstrap, ['--describe', '--topic', 't']);
  assert.equal(r.code, 0, r.stderr);
  return parseDescribe(r.stdout);
}

/**
 * Creates t, describes it, stops broker 1 and describes it again once 1 left every ISR, then
 * stops broker 2 and describes it once 2 left every ISR too.
 */
async function scenario(bootstrap: string, stopBroker: (nodeId: number) => Promise<unknown>): Promise<[Described, Described, Described]> {
  const created = await topics(bootstrap, ['--create', '--topic', 't', '--partitions', '3', '--replication-factor', '3', '--config', 'min.insync.replicas=2']);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'Created topic t.\n');
  const fresh = await eventually('every replica of t in its ISR', async () => {
    const d = await describe(bootstrap);
    return d.partitions.length === 3 && d.partitions.every((p) => ids(field(p, 'Isr')).length === 3) ? d : undefined;
  }, { intervalMs: 500, timeoutMs: 60_000 });
  const without = async (stopped: number): Promise<Described> => {
    await stopBroker(stopped);
    return eventually(`broker ${stopped} out of every ISR`, async () => {
      const d = await describe(bootstrap);
      return d.partitions.every((p) => !ids(field(p, 'Isr')).includes(stopped) && field(p, 'Leader') !== String(stopped)) ? d : undefined;
    }, { intervalMs: 500, timeoutMs: 60_000 });
  };
  const without1 = await without(1);
  const without12 = await without(2);
  return [fresh, without1, without12];
}

test("Kafka's TopicCommand --describe: a 3-broker Millrace prints what a 3-broker Apache Kafka prints", async () => {
  await ensureKafkaJars();
  // both with Kafka's shipped server.properties value, which the Kafka cluster gets from kafka-process.js
  const config = { 'log.segment.bytes': 1073741824 };

  let millrace: [Described, Described, Described];
  let cluster: EmbeddedCluster | undefined;
  try {
    cluster = await startCluster({ brokers: 3, config });
    const c = cluster;
    millrace = await scenario(c.bootstrapServers, (id) => c.stopBroker(id));
  } finally {
    await cluster?.close();
  }

  // plain ESM outside the TypeScript build: import it from the repository, not from dist/
  const { startKafkaCluster } = (await import(pathToFileURL(path.join(repoRoot, 'tools', 'kafka', 'kafka-process.js')).href)) as KafkaClusterModule;
  const kafka = await startKafkaCluster({ brokers: 3 });
  let apache: [Described, Described, Described];
  try {
    apache = await scenario(kafka.bootstrap, (id) => kafka.broker(id).stop());
  } finally {
    await kafka.stop();
  }

  // the fresh topic: every field; each partition led by its first replica, the ISR all replicas
  // in replica order, and the three partitions led by the three brokers
  assert.deepEqual(comparable(millrace[0]), comparable(apache[0]));
  assert.equal(field(apache[0].topic, 'Configs'), 'min.insync.replicas=2,segment.bytes=1073741824');
  assert.deepEqual(leaders(apache[0]), [1, 2, 3]);
  assert.deepEqual(leaders(millrace[0]), [1, 2, 3]);
  for (const p of [...millrace[0].partitions, ...apache[0].partitions]) {
    assert.equal(field(p, 'Leader'), String(ids(field(p, 'Replicas'))[0]));
    assert.deepEqual(ids(field(p, 'Isr')), ids(field(p, 'Replicas')));
  }
  // broker 1 stopped: on both, each partition led by its first live replica, the ISR the live
  // replicas in replica order, Elr and LastKnownElr empty (the ISR of 2 is not below min.insync.replicas=2)
  assert.deepEqual(comparable(millrace[1], 1), comparable(apache[1], 1));
  for (const p of [...millrace[1].partitions, ...apache[1].partitions]) {
    const live = ids(field(p, 'Replicas')).filter((r) => r !== 1);
    assert.equal(field(p, 'Leader'), String(live[0]));
    assert.deepEqual(ids(field(p, 'Isr')), live);
  }
  // broker 2 stopped too: the ISR is broker 3 alone, below min.insync.replicas=2, so broker 2,
  // which left it then, is each partition's Elr (KIP-966); 1 left while the ISR was still at 2
  // and is in neither list. Broker 3 leads everything.
  assert.deepEqual(comparable(millrace[2], 1, 2), comparable(apache[2], 1, 2));
  for (const p of [...millrace[2].partitions, ...apache[2].partitions]) {
    assert.equal(field(p, 'Leader'), '3');
    assert.equal(field(p, 'Isr'), '3');
    assert.equal(field(p, 'Elr'), '2');
    assert.equal(field(p, 'LastKnownElr'), '');
  }
});
