// `millrace partition elect-leaders` (the bin, as a child process) against an embedded
// cluster of three brokers: kafka-leader-election.sh's flags, report and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../src/start-cluster.js';
import { Admin, KafkaClient } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';
import { cli, ok } from './cli-harness.js';

test('partition elect-leaders: elected, already elected, failures with exit code 1, flags checked', async () => {
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 } });
  const dir = mkdtempSync(join(tmpdir(), 'millrace-elect-cli-'));
  const clients: KafkaClient[] = [];
  const admin = () => {
    const c = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
    clients.push(c);
    return new Admin(c);
  };
  try {
    await admin().createTopic({ name: 't', partitions: 3, replicationFactor: 3 });
    const target = (await admin().describeTopics(['t']))[0]!.partitions.find((p) => p.replicas[0] === 2)!.partition;
    await cluster.stopBroker(2);
    await cluster.startBroker(2);
    const a = admin();
    await eventually('2 back in every ISR, not leading', async () => (await a.describeTopics(['t']))[0]!.partitions.every((p) => p.isr.includes(2) && p.leader !== 2), { retryErrors: true, intervalMs: 20 });
    const bootstrap = ['--bootstrap-server', cluster.bootstrapServers];

    assert.equal(await ok(['partition', 'elect-leaders', '--election-type', 'preferred', '--all-topic-partitions', ...bootstrap]), `Successfully completed leader election (PREFERRED) for partitions t-${target}\n`);
    assert.equal((await a.describeTopics(['t']))[0]!.partitions[target]!.leader, 2);
    assert.equal(await ok(['partition', 'elect-leaders', '--election-type', 'PREFERRED', '--all-topic-partitions', ...bootstrap]), '', 'nothing to do, nothing said (as Kafka)');
    assert.equal(await ok(['partition', 'elect-leaders', '--election-type', 'preferred', '--topic', 't', '--partition', String(target), ...bootstrap]), `Valid replica already elected for partitions t-${target}\n`);

    const file = join(dir, 'partitions.json');
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 't', partition: 0 }, { topic: 'nope', partition: 1 }] }));
    const failed = await cli(['partition', 'elect-leaders', '--election-type', 'unclean', '--path-to-json-file', file, ...bootstrap]);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, 'Valid replica already elected for partitions t-0\nError completing leader election (UNCLEAN) for partition: nope-1: UNKNOWN_TOPIC_OR_PARTITION: No such partition as nope-1\n');
    const json = JSON.parse(await ok(['partition', 'elect-leaders', '--election-type', 'preferred', '--topic', 't', '--partition', '0', '--json', ...bootstrap])) as unknown;
    assert.deepEqual(json, [{ topic: 't', partition: 0, error: 'ELECTION_NOT_NEEDED', message: 'Leader election not needed for topic partition.' }]);

    const both = await cli(['partition', 'elect-leaders', '--election-type', 'preferred', '--all-topic-partitions', '--topic', 't', '--partition', '0', ...bootstrap]);
    assert.deepEqual([both.code, both.stderr], [1, 'millrace: give exactly one of --topic with --partition, --all-topic-partitions or --path-to-json-file\n']);
    const badType = await cli(['partition', 'elect-leaders', '--election-type', 'random', '--all-topic-partitions', ...bootstrap]);
    assert.equal(badType.code, 1);
    assert.match(badType.stderr, /--election-type must be PREFERRED or UNCLEAN/);
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 0 }] }));
    const dup = await cli(['partition', 'elect-leaders', '--election-type', 'preferred', '--path-to-json-file', file, ...bootstrap]);
    assert.deepEqual([dup.code, dup.stderr], [1, `millrace: ${file}: duplicate partition t-0\n`]);
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
