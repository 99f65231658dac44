// `millrace partition reassign` (the bin, as a child process) against an embedded cluster of
// three brokers: kafka-reassign-partitions.sh's file, reports and throttles. Apart from
// partition-elect.test.ts so the unit suite runs the two side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../src/start-cluster.js';
import { Admin, KafkaClient, ResourceType } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';
import { cli, ok } from './cli-harness.js';

test('partition reassign: --execute, --list, --verify, --cancel with kafka-reassign-partitions.sh\'s file and reports', async () => {
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 } });
  const dir = mkdtempSync(join(tmpdir(), 'millrace-reassign-cli-'));
  const client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: 'm', partitions: 1, replicationFactor: 1 });
    const from = (await admin.describeTopics(['m']))[0]!.partitions[0]!.replicas[0]!;
    const to = from === 3 ? 1 : from + 1;
    const bootstrap = ['--bootstrap-server', cluster.bootstrapServers];
    const file = join(dir, 'move.json');
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'm', partition: 0, replicas: [to] }] }));

    assert.equal(await ok(['partition', 'reassign', '--list', ...bootstrap]), 'No partition reassignments found.\n');
    assert.equal(await ok(['partition', 'reassign', '--reassignment-json-file', file, '--execute', ...bootstrap]),
      `Current partition replica assignment\n\n{"version":1,"partitions":[{"topic":"m","partition":0,"replicas":[${from}],"log_dirs":["any"]}]}\n\n` +
      'Save this to use as the --reassignment-json-file option during rollback\nSuccessfully started partition reassignment for m-0\n');
    await eventually('moved', async () => (await admin.describeTopics(['m']))[0]!.partitions[0]!.replicas.join() === String(to), { retryErrors: true, intervalMs: 20 });
    const clearing = '\nClearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic m\n';
    assert.equal(await ok(['partition', 'reassign', '--reassignment-json-file', file, '--verify', ...bootstrap]), 'Status of partition reassignment:\nReassignment of partition m-0 is completed.\n' + clearing);
    const cancelled = await cli(['partition', 'reassign', '--reassignment-json-file', file, '--cancel', ...bootstrap]);
    assert.deepEqual([cancelled.code, cancelled.stdout], [1, 'Error cancelling partition reassignment(s):\nm-0: No partition reassignment is in progress.\n']);

    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'm', partition: 0, replicas: [from] }] }));
    const stale = await cli(['partition', 'reassign', '--reassignment-json-file', file, '--verify', ...bootstrap]);
    assert.deepEqual([stale.code, stale.stdout], [1, `Status of partition reassignment:\nThere is no active reassignment of partition m-0, but replica set is [${to}] rather than [${from}].\n${clearing}`]);
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'm', partition: 0, replicas: [9] }] }));
    const refused = await cli(['partition', 'reassign', '--reassignment-json-file', file, '--execute', ...bootstrap]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /Error reassigning partition\(s\):\nm-0: The manual partition assignment includes broker 9, but no such broker is registered\.\n$/);
    const noAction = await cli(['partition', 'reassign', '--reassignment-json-file', file, ...bootstrap]);
    assert.deepEqual([noAction.code, noAction.stderr], [1, 'millrace: give exactly one of --execute, --verify, --cancel or --list\n']);
  } finally {
    client.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('partition reassign --throttle: the throttle configs kafka-reassign-partitions.sh sets, removed by --verify once done', async () => {
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 } });
  const dir = mkdtempSync(join(tmpdir(), 'millrace-reassign-throttle-cli-'));
  const client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: 'th', partitions: 1, replicationFactor: 1 });
    const from = (await admin.describeTopics(['th']))[0]!.partitions[0]!.replicas[0]!;
    const to = from === 3 ? 1 : from + 1;
    const bootstrap = ['--bootstrap-server', cluster.bootstrapServers];
    const file = join(dir, 'move.json');
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'th', partition: 0, replicas: [from, to] }] }));
    const bad = await cli(['partition', 'reassign', '--reassignment-json-file', file, '--verify', '--throttle', '100', ...bootstrap]);
    assert.deepEqual([bad.code, bad.stderr], [1, 'millrace: --throttle takes a number of bytes per second, with --execute\n']);

    assert.equal(await ok(['partition', 'reassign', '--reassignment-json-file', file, '--execute', '--throttle', '50000000', ...bootstrap]),
      `Current partition replica assignment\n\n{"version":1,"partitions":[{"topic":"th","partition":0,"replicas":[${from}],"log_dirs":["any"]}]}\n\n` +
      'Save this to use as the --reassignment-json-file option during rollback\n' +
      'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.\n' +
      'The inter-broker throttle limit was set to 50000000 B/s\nSuccessfully started partition reassignment for th-0\n');
    const topicConfig = async (name: string) => (await admin.describeConfigs(ResourceType.TOPIC, 'th', [name]))[0]?.value;
    assert.equal(await topicConfig('leader.replication.throttled.replicas'), `0:${from}`);
    assert.equal(await topicConfig('follower.replication.throttled.replicas'), `0:${to}`);
    for (const id of [from, to]) {
      const rates = await admin.describeConfigs(ResourceType.BROKER, String(id), ['leader.replication.throttled.rate', 'follower.replication.throttled.rate']);
      assert.deepEqual(rates.map((c) => [c.name, c.value, c.source]), [
        ['follower.replication.throttled.rate', '50000000', 'DYNAMIC_BROKER_CONFIG'],
        ['leader.replication.throttled.rate', '50000000', 'DYNAMIC_BROKER_CONFIG'],
      ]);
      assert.equal(cluster.broker(id).replication!.throttles.leader.upperBound, 50_000_000);
    }
    await eventually('moved', async () => {
      const p = (await admin.describeTopics(['th']))[0]!.partitions[0]!;
      return p.replicas.join() === `${from},${to}` && p.isr.length === 2;
    }, { retryErrors: true, intervalMs: 20 });
    assert.equal(await ok(['partition', 'reassign', '--reassignment-json-file', file, '--verify', ...bootstrap]),
      'Status of partition reassignment:\nReassignment of partition th-0 is completed.\n\nClearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic th\n');
    assert.equal(await topicConfig('leader.replication.throttled.replicas'), '');
    assert.equal(await topicConfig('follower.replication.throttled.replicas'), '');
    for (const id of [from, to]) {
      const [rate] = await admin.describeConfigs(ResourceType.BROKER, String(id), ['leader.replication.throttled.rate']);
      assert.equal(rate!.source, 'DEFAULT_CONFIG');
      assert.equal(cluster.broker(id).replication!.throttles.leader.upperBound, Number.MAX_SAFE_INTEGER);
    }
  } finally {
    client.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
