/**
 * Kafka's own kafka-leader-election.sh (org.apache.kafka.tools.LeaderElectionCommand from the
 * Apache Kafka 4.4.0 jars) against an embedded Millrace cluster of three brokers: a broker
 * stopped and started again is back in the ISRs; the tool's preferred election gives it its
 * partition back, and it reports already-elected partitions and failures as against Kafka.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCluster } from '../../src/start-cluster.js';
import { Admin, KafkaClient } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';
import { ensureKafkaJars } from './setup/kafka.js';
import type { RunResult } from './setup/exec.js';
import { runKafkaTool } from './setup/kafka-tool.js';

/** Runs a main class of Kafka's tools from the jars tools/kafka/fetch.sh keeps (MILLRACE_KAFKA_CACHE, as fetch.sh reads it). */
function kafkaTool(mainClass: string, args: readonly string[]): Promise<RunResult> {
  return runKafkaTool(mainClass, [...args], { timeoutMs: 120_000 });
}

test("Kafka's LeaderElectionCommand: preferred election, already elected, unknown partition", async () => {
  await ensureKafkaJars();
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 } });
  const dir = mkdtempSync(path.join(tmpdir(), 'millrace-elect-java-'));
  const clients: KafkaClient[] = [];
  const admin = () => {
    const c = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
    clients.push(c);
    return new Admin(c);
  };
  const elect = (...args: string[]) => kafkaTool('org.apache.kafka.tools.LeaderElectionCommand', ['--bootstrap-server', cluster.bootstrapServers, ...args]);
  try {
    await admin().createTopic({ name: 't', partitions: 3, replicationFactor: 3 });
    const target = (await admin().describeTopics(['t']))[0]!.partitions.find((p) => p.replicas[0] === 2)!.partition;
    await cluster.stopBroker(2);
    await cluster.startBroker(2);
    const a = admin();
    await eventually('2 back in every ISR, not leading', async () => (await a.describeTopics(['t']))[0]!.partitions.every((p) => p.isr.includes(2) && p.leader !== 2), { retryErrors: true, intervalMs: 20 });

    const all = await elect('--election-type', 'preferred', '--all-topic-partitions');
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, `Successfully completed leader election (PREFERRED) for partitions t-${target}\n`);
    await eventually('2 leads again', async () => (await a.describeTopics(['t']))[0]!.partitions[target]!.leader === 2, { retryErrors: true });

    const again = await elect('--election-type', 'preferred', '--topic', 't', '--partition', String(target));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `Valid replica already elected for partitions t-${target}\n`);

    const file = path.join(dir, 'partitions.json');
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 't', partition: 0 }, { topic: 'nope', partition: 1 }] }));
    const failed = await elect('--election-type', 'unclean', '--path-to-json-file', file);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^Valid replica already elected for partitions t-0\n/);
    assert.match(failed.stdout, /Error completing leader election \(UNCLEAN\) for partition: nope-1: org\.apache\.kafka\.common\.errors\.UnknownTopicOrPartitionException: No such partition as nope-1/);
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
