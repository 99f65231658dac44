// Metadata at a broker whose session is lost and not yet renewed (the window the cluster fault
// test hit after a network cut): it answers, listing the live brokers of its image — not
// itself, as Kafka's getAliveBrokerNodes leaves a fenced broker out — instead of failing the
// request because it is not in the metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { ManualClock } from '../../src/cluster/kv/clock.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';

test('a broker between a lost session and its new registration answers Metadata without itself', async () => {
  const metadataClock = new ManualClock(Date.now());
  const cluster = await startCluster({ brokers: 3, metadataClock, sessionTtlSeconds: 3 });
  const kv = cluster.kv;
  const grant = kv.grantLease.bind(kv);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let c: WireClient | null = null;
  try {
    const address = cluster.broker(1).bootstrapServers;
    c = await WireClient.connect(address, { apiVersions: true });
    kv.grantLease = async (ttl: number) => {
      await held;
      return grant(ttl);
    };
    await kv.revokeLease(cluster.store(1).sessionLease!);
    await metadataClock.advance(1_100); // its next keep-alive hears the lease is gone
    await eventually('broker 1 fenced', () => cluster.broker(1).partitions.fenced);
    const md = await c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual(md.brokers.map((b) => b.nodeId).sort(), [2, 3]);
  } finally {
    release();
    kv.grantLease = grant;
    c?.close();
    await cluster.close();
  }
});
