/**
 * Kafka's own kafka-reassign-partitions.sh (org.apache.kafka.tools.reassign.ReassignPartitionsCommand
 * from the Apache Kafka 4.4.0 jars) against an embedded Millrace cluster of three brokers:
 * --execute moves a replica, --verify sees it completed (and clears throttles), --list finds no
 * reassignment left, and the records are on the new replica; --execute --throttle sets the
 * replication throttle configs (and the brokers act on them), --verify removes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCluster } from '../../src/start-cluster.js';
import { Admin, KafkaClient, Producer, ResourceType } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';
import { ensureKafkaJars } from './setup/kafka.js';
import type { RunResult } from './setup/exec.js';
import { runKafkaTool } from './setup/kafka-tool.js';

/** Runs a main class of Kafka's tools from the jars tools/kafka/fetch.sh keeps (MILLRACE_KAFKA_CACHE, as fetch.sh reads it). */
function kafkaTool(mainClass: string, args: readonly string[]): Promise<RunResult> {
  return runKafkaTool(mainClass, [...args], { timeoutMs: 120_000 });
}

test("Kafka's ReassignPartitionsCommand: --execute, --verify, --list, --throttle", async () => {
  await ensureKafkaJars();
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 } });
  const dir = mkdtempSync(path.join(tmpdir(), 'millrace-reassign-java-'));
  const client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
  const reassign = (...args: string[]) => kafkaTool('org.apache.kafka.tools.reassign.ReassignPartitionsCommand', ['--bootstrap-server', cluster.bootstrapServers, ...args]);
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: 'm', partitions: 1, replicationFactor: 1 });
    const from = (await admin.describeTopics(['m']))[0]!.partitions[0]!.replicas[0]!;
    const to = from === 3 ? 1 : from + 1;
    const producer = new Producer(client, { acks: -1, lingerMs: 1 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'm', partition: 0, value: Buffer.from(`v${i}`) })));
    await producer.close();
    const file = path.join(dir, 'move.json');
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'm', partition: 0, replicas: [to, from] }] }));

    const executed = await reassign('--reassignment-json-file', file, '--execute');
    assert.equal(executed.code, 0, executed.stderr);
    assert.match(executed.stdout, new RegExp(`^Current partition replica assignment\\n\\n\\{"version":1,"partitions":\\[\\{"topic":"m","partition":0,"replicas":\\[${from}\\],"log_dirs":\\["[^"]+"\\]\\}\\]\\}\\n`));
    assert.match(executed.stdout, /Successfully started partition reassignment for m-0\n$/);
    await eventually('moved and in sync', async () => {
      const p = (await admin.describeTopics(['m']))[0]!.partitions[0]!;
      return p.replicas.join() === `${to},${from}` && p.isr.length === 2;
    }, { retryErrors: true, intervalMs: 20 });

    const verified = await reassign('--reassignment-json-file', file, '--verify');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^Status of partition reassignment:\nReassignment of partition m-0 is completed\.\n/);
    const listed = await reassign('--list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, 'No partition reassignments found.\n');
    assert.equal(cluster.broker(to).logs.getLog('m', 0)?.logEndOffset, 20, 'the new replica holds the records');

    // --throttle: the tool sets the topic and broker throttle configs through IncrementalAlterConfigs,
    // the brokers act on them, and --verify removes them once the move is done.
    const third = [1, 2, 3].find((id) => id !== from && id !== to)!;
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'm', partition: 0, replicas: [to, from, third] }] }));
    const throttled = await reassign('--reassignment-json-file', file, '--execute', '--throttle', '10000000');
    assert.equal(throttled.code, 0, throttled.stderr);
    assert.match(throttled.stdout, /Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed\.\nThe inter-broker throttle limit was set to 10000000 B\/s\nSuccessfully started partition reassignment for m-0\n$/);
    const topicConfigs = new Map((await admin.describeConfigs(ResourceType.TOPIC, 'm')).map((c) => [c.name, c.value]));
    assert.equal(topicConfigs.get('leader.replication.throttled.replicas'), [`0:${to}`, `0:${from}`].sort().join(','));
    assert.equal(topicConfigs.get('follower.replication.throttled.replicas'), `0:${third}`);
    for (const id of [1, 2, 3]) {
      const rates = await admin.describeConfigs(ResourceType.BROKER, String(id), ['leader.replication.throttled.rate', 'follower.replication.throttled.rate']);
      assert.deepEqual(rates.map((c) => c.value), ['10000000', '10000000'], `broker ${id}`);
      assert.equal(cluster.broker(id).replication!.throttles.follower.upperBound, 10_000_000);
    }
    assert.equal(cluster.broker(third).replication!.throttles.follower.isThrottled('m', 0), true, 'the added replica is throttled as a follower');
    assert.equal(cluster.broker(to).replication!.throttles.leader.isThrottled('m', 0), true, 'the leader is throttled as a leader');
    await eventually('the third replica in sync', async () => (await admin.describeTopics(['m']))[0]!.partitions[0]!.isr.length === 3, { retryErrors: true, intervalMs: 20 });
    const cleared = await reassign('--reassignment-json-file', file, '--verify');
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /Reassignment of partition m-0 is completed\.\n\nClearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic m\n$/);
    const after = new Map((await admin.describeConfigs(ResourceType.TOPIC, 'm')).map((c) => [c.name, c.value]));
    assert.equal(after.get('leader.replication.throttled.replicas'), '');
    assert.equal(after.get('follower.replication.throttled.replicas'), '');
    for (const id of [1, 2, 3]) assert.equal(cluster.broker(id).replication!.throttles.follower.upperBound, Number.MAX_SAFE_INTEGER);
  } finally {
    client.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
