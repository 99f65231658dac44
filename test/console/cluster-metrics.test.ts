// Replication's metrics and readiness in an embedded 3-broker cluster: a follower that stops
// fetching leaves the ISR (one shrink, one under-replicated partition on the leader), comes
// back (one expansion); a broker whose metadata session is lost is not ready until it has
// registered again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { ManualClock } from '../../src/cluster/kv/clock.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { ConsoleMetrics } from '../../src/console/metrics/console-metrics.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import { parsePrometheusText, sampleValue, type Exposition } from '../helpers/prometheus-text.js';

async function scrape(metrics: ConsoleMetrics): Promise<Exposition> {
  return parsePrometheusText(await metrics.scrape());
}

function partitionState(cluster: EmbeddedCluster, topic: string) {
  const p = cluster.store(1).topic(topic)?.partitions[0];
  assert.ok(p !== undefined);
  return p;
}

test('ISR shrinks and expands, under-replicated partitions and leader counts as the leader reports them', async () => {
  const clock = new ManualClock(Date.now());
  const cluster = await startCluster({ brokers: 3, clock, config: { 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: 'silent' });
  const clients: WireClient[] = [];
  try {
    await cluster.store(1).createTopic('watched', 1, 3, {});
    await eventually('the leader in its role', () => {
      const p = cluster.store(1).topic('watched')?.partitions[0];
      return p !== undefined && cluster.broker(p.leader).partitions.get(cluster.broker(p.leader).metadata.topic('watched'), 0)?.leaderState !== null;
    });
    const p = partitionState(cluster, 'watched');
    const leader = cluster.broker(p.leader);
    const lagging = p.replicas.find((id) => id !== p.leader)!;
    const metrics = new ConsoleMetrics(leader);
    for (const b of cluster.brokers.values()) assert.equal(b.notReadyReason(), null);

    let m = await scrape(metrics);
    assert.equal(sampleValue(m, 'millrace_replica_manager_under_replicated_partitions'), 0);
    assert.equal(sampleValue(m, 'millrace_replica_manager_isr_shrinks_total'), 0);
    assert.equal(sampleValue(m, 'millrace_replica_manager_isr_expands_total'), 0);
    assert.ok(sampleValue(m, 'millrace_replica_manager_leader_count') >= 1);
    const followerMetrics = await scrape(new ConsoleMetrics(cluster.broker(lagging)));
    assert.ok(sampleValue(followerMetrics, 'millrace_replica_manager_partition_count') >= 1);

    const c = await WireClient.connect(leader.bootstrapServers, { apiVersions: true });
    clients.push(c);
    cluster.broker(lagging).replication!.pauseFetchers();
    const res = await c.request(ApiKey.Produce, c.version(ApiKey.Produce, 3), {
      transactionalId: null, acks: 1, timeoutMs: 5000,
      topicData: [{ name: 'watched', topicId: Buffer.alloc(16), partitionData: [{ index: 0, records: encodeBatchSync([{ value: Buffer.from('behind') }]) }] }],
    });
    assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    await clock.advance(30_001);
    leader.replication!.maybeShrinkIsr();
    await eventually('the shrink counted', async () => sampleValue(await scrape(metrics), 'millrace_replica_manager_isr_shrinks_total') === 1);
    m = await scrape(metrics);
    assert.equal(partitionState(cluster, 'watched').isr.includes(lagging), false);
    assert.equal(sampleValue(m, 'millrace_replica_manager_under_replicated_partitions'), 1);

    cluster.broker(lagging).replication!.resumeFetchers();
    await eventually('the expansion counted', async () => sampleValue(await scrape(metrics), 'millrace_replica_manager_isr_expands_total') === 1);
    await eventually('nothing under-replicated', async () => sampleValue(await scrape(metrics), 'millrace_replica_manager_under_replicated_partitions') === 0);
    m = await scrape(metrics);
    assert.equal(sampleValue(m, 'millrace_replica_manager_isr_shrinks_total'), 1);
    const controller = cluster.broker(leader.metadata.controllerId);
    assert.equal(sampleValue(await scrape(new ConsoleMetrics(controller)), 'millrace_controller_offline_partitions'), 0);
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
  }
});

test('a broker whose metadata session is lost is not ready until it registers again', async () => {
  const metadataClock = new ManualClock(Date.now());
  const cluster = await startCluster({ brokers: 3, logLevel: 'silent', metadataClock, sessionTtlSeconds: 3 });
  const kv = cluster.kv;
  const grant = kv.grantLease.bind(kv);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  try {
    const broker = cluster.broker(2);
    assert.equal(broker.notReadyReason(), null);
    kv.grantLease = async (ttl: number) => {
      await held;
      return grant(ttl);
    };
    await kv.revokeLease(cluster.store(2).sessionLease!);
    await metadataClock.advance(1_100);
    const reason = await eventually('broker 2 not ready', () => broker.notReadyReason());
    assert.match(reason, /not registered|fenced/);
    release();
    kv.grantLease = grant;
    await eventually('broker 2 ready again', () => broker.notReadyReason() === null);
  } finally {
    release();
    kv.grantLease = grant;
    await cluster.close();
  }
});
