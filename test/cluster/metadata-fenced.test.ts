// Metadata at a broker whose session is lost and not yet renewed (the window the cluster fault
// test hit after a network cut): it answers, listing the live brokers of its image — not
// itself, as Kafka's getAliveBrokerNodes leaves a fenced broker out — instead of failing the
// request because it is not in the metadata. The partitions it led are LEADER_NOT_AVAILABLE
// with no leader (Kafka's answer for a leader without a live endpoint), and it serves no
// consumer reads, not even as a follower: librdkafka 2.0 (no leader epochs) followed the stale
// leader to it, read past its log end, got OFFSET_OUT_OF_RANGE and reset to the earliest offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { ManualClock } from '../../src/cluster/kv/clock.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import * as FetchRequest from '../../src/protocol/generated/fetch-request.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';

test('a broker between a lost session and its new registration answers Metadata without itself, its partitions without a leader, and serves no reads', async () => {
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
    // Three partitions, three replicas each: broker 1 leads one and follows the others.
    await cluster.store(1).createTopic('fenced', 3, 3, {});
    const topic = await eventually('the topic is in sync on broker 1', () => {
      const t = cluster.broker(1).metadata.topic('fenced');
      return t !== undefined && t.partitions.every((p) => p.isr.length === 3) ? t : null;
    });
    assert.ok(topic.partitions.some((p) => p.leader === 1), 'broker 1 leads a partition');
    kv.grantLease = async (ttl: number) => {
      await held;
      return grant(ttl);
    };
    await kv.revokeLease(cluster.store(1).sessionLease!);
    await metadataClock.advance(1_100); // its next keep-alive hears the lease is gone
    await eventually('broker 1 fenced', () => cluster.broker(1).partitions.fenced);
    const md = await c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.deepEqual(md.brokers.map((b) => b.nodeId).sort(), [2, 3]);
    // Each partition as broker 1's image has it then: those it still names as their leader
    // have none in the answer; the others (led again elsewhere) keep their leader.
    const image = cluster.broker(1).metadata.topic('fenced')!;
    for (const p of md.topics.find((t) => t.name === 'fenced')!.partitions) {
      const leader = image.partitions[p.partitionIndex]!.leader;
      assert.deepEqual([p.errorCode, p.leaderId], leader === 1 ? [ErrorCode.LEADER_NOT_AVAILABLE, -1] : [ErrorCode.NONE, leader]);
    }
    // A consumer's read (Fetch v12: followers may serve it, KIP-392) of every partition, no leader epoch.
    const fetched = await c.request(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, rackId: '',
      topics: [{
        ...FetchRequest.defaultFetchTopic(), topic: 'fenced',
        partitions: [0, 1, 2].map((partition) => ({ ...FetchRequest.defaultFetchPartition(), partition, fetchOffset: 0n, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 })),
      }],
    });
    assert.deepEqual(fetched.responses[0]!.partitions.map((p) => p.errorCode), [0, 1, 2].map(() => ErrorCode.NOT_LEADER_OR_FOLLOWER));

    // Its fetchers go on fetching, caught up; the leaders do not propose it for their ISRs
    // (Kafka's isReplicaIsrEligible): it is not registered, and each proposal would be refused.
    const proposals: number[][] = [];
    const fetchesFrom1 = [0, 0, 0, 0];
    for (const id of [2, 3]) {
      const store = cluster.store(id);
      const alter = store.alterPartition.bind(store);
      store.alterPartition = (req) => {
        if (req.newIsr.includes(1)) proposals.push([...req.newIsr]);
        return alter(req);
      };
      const rm = cluster.broker(id).replication!;
      const onFetch = rm.onFollowerFetch.bind(rm);
      rm.onFollowerFetch = (partition, log, replicaId, fetchOffset, logStart) => {
        onFetch(partition, log, replicaId, fetchOffset, logStart);
        if (replicaId === 1 && log.logEndOffset === fetchOffset) fetchesFrom1[id]!++;
      };
    }
    await eventually('the controller took broker 1 out of every ISR', () =>
      cluster.broker(2).metadata.topic('fenced')!.partitions.every((p) => !p.isr.includes(1)));
    await eventually('broker 1 fetched caught up from both leaders', () => fetchesFrom1[2]! >= 3 && fetchesFrom1[3]! >= 3);
    assert.deepEqual(proposals, []);
  } finally {
    release();
    kv.grantLease = grant;
    c?.close();
    await cluster.close();
  }
});
