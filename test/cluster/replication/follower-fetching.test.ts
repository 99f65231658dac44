// Fetching from the closest replica (KIP-392) on an embedded cluster of three brokers in
// three racks, with RackAwareReplicaSelector: the leader names an in-sync follower of the
// consumer's rack as its preferred read replica (and sends no records), keeps consumers of its
// own rack, of no rack or of an unknown rack; the follower serves consumers of Fetch v11+ up
// to its high watermark (long polls included), refuses older versions and ListOffsets, and
// answers epoch and offset errors as Kafka does; a follower out of the ISR is no longer named.
// Replication time runs on a manual clock; conditions are awaited, never timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type EmbeddedCluster } from '../../../src/start-cluster.js';
import { ManualClock } from '../../../src/cluster/kv/clock.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import * as ProduceRequest from '../../../src/protocol/generated/produce-request.js';
import * as FetchRequest from '../../../src/protocol/generated/fetch-request.js';
import * as ListOffsetsRequest from '../../../src/protocol/generated/list-offsets-request.js';
import type { PartitionData } from '../../../src/protocol/generated/fetch-response.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import { RACK_AWARE_REPLICA_SELECTOR } from '../../../src/cluster/replication/replica-selector.js';
import { eventually } from '../../helpers/eventually.js';
import { WireClient } from '../../helpers/wire-client.js';

const RACKS = ['rack-a', 'rack-b', 'rack-c'];

interface Setup {
  cluster: EmbeddedCluster;
  clock: ManualClock;
  clients: WireClient[];
}

async function setup(config: Record<string, string | number | boolean> = {}, selector = true): Promise<Setup> {
  const clock = new ManualClock(Date.now());
  const cluster = await startCluster({
    brokers: 3,
    racks: RACKS,
    clock,
    config: { 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20, 'auto.leader.rebalance.enable': false, ...(selector ? { 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR } : {}), ...config },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
  return { cluster, clock, clients: [] };
}

async function end(s: Setup): Promise<void> {
  for (const c of s.clients) c.close();
  await s.cluster.close();
}

function state(s: Setup, topic: string) {
  const p = s.cluster.store(1).topic(topic)?.partitions[0];
  assert.ok(p !== undefined, `${topic} is known`);
  return p;
}

function logOn(s: Setup, nodeId: number, topic: string) {
  const log = s.cluster.broker(nodeId).logs.getLog(topic, 0);
  assert.ok(log !== undefined, `broker ${nodeId} has a log of ${topic}`);
  return log;
}

async function client(s: Setup, nodeId: number): Promise<WireClient> {
  const c = await WireClient.connect(s.cluster.broker(nodeId).bootstrapServers, { apiVersions: true });
  s.clients.push(c);
  return c;
}

async function produce(c: WireClient, topic: string, values: string[], acks = -1): Promise<void> {
  const records = encodeBatchSync(values.map((v) => ({ value: Buffer.from(v) })));
  const r = await c.request(ApiKey.Produce, c.version(ApiKey.Produce, 3), {
    transactionalId: null,
    acks,
    timeoutMs: 30_000,
    topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: topic, partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records }] }],
  });
  assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
}

interface ConsumerFetch {
  version?: number;
  rackId?: string;
  fetchOffset?: number;
  currentLeaderEpoch?: number;
  maxWaitMs?: number;
}

/** A consumer's fetch (replica id -1) of partition 0. */
async function fetch(c: WireClient, topic: string, o: ConsumerFetch = {}): Promise<PartitionData> {
  const version = o.version ?? c.version(ApiKey.Fetch);
  const topicId = topicIds.get(topic) ?? Buffer.alloc(16);
  const r = await c.request(ApiKey.Fetch, version, {
    replicaId: -1,
    maxWaitMs: o.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    rackId: o.rackId ?? '',
    topics: [{
      ...FetchRequest.defaultFetchTopic(), topic, topicId,
      partitions: [{ ...FetchRequest.defaultFetchPartition(), partition: 0, fetchOffset: BigInt(o.fetchOffset ?? 0), currentLeaderEpoch: o.currentLeaderEpoch ?? -1, partitionMaxBytes: 1 << 20 }],
    }],
  });
  assert.equal(r.errorCode, ErrorCode.NONE);
  return r.responses[0]!.partitions[0]!;
}

const topicIds = new Map<string, Buffer>();

function values(records: Buffer | null): string[] {
  const out: string[] = [];
  if (records === null) return out;
  for (let at = 0; at < records.length; ) {
    const batch = decodeBatchSync(records, at);
    for (const r of batch.records) out.push(Buffer.from(r.value!).toString());
    at += batch.sizeInBytes;
  }
  return out;
}

async function makeTopic(s: Setup, name: string): Promise<void> {
  await s.cluster.store(1).createTopic(name, 1, 3, {});
  const topic = await eventually(`${name} is served by every broker`, () => {
    for (const b of s.cluster.brokers.values()) {
      const pm = b.metadata.topic(name)?.partitions[0];
      if (pm === undefined || pm.isr.length !== 3) return null;
    }
    return s.cluster.store(1).topic(name)!;
  });
  topicIds.set(name, topic.id);
}

/** Every follower has learnt the high watermark `hw` from the leader. */
async function followersAt(s: Setup, topic: string, hw: number): Promise<void> {
  const p = state(s, topic);
  await eventually(`the followers of ${topic} know high watermark ${hw}`, () => p.replicas.every((id) => logOn(s, id, topic).highWatermark === hw));
}

test('the leader names an in-sync follower of the consumer\'s rack, and that follower serves the consumer up to its high watermark', async () => {
  const s = await setup();
  try {
    await makeTopic(s, 'near');
    const p = state(s, 'near');
    const leaderId = p.leader;
    const followerId = p.replicas.find((id) => id !== leaderId)!;
    const leader = await client(s, leaderId);
    await produce(leader, 'near', ['a', 'b', 'c']);
    await followersAt(s, 'near', 3);
    // The leader knows each follower's log end only from its next fetch.
    await eventually('the leader knows the follower has everything', () => s.cluster.broker(leaderId).partitions.get(s.cluster.store(1).topic('near'), 0)!.leaderState!.followers.get(followerId)!.logEndOffset === 3);

    const redirected = await fetch(leader, 'near', { rackId: RACKS[followerId - 1]! });
    assert.equal(redirected.errorCode, ErrorCode.NONE);
    assert.equal(redirected.preferredReadReplica, followerId, 'sent to the follower of its rack');
    assert.deepEqual(values(redirected.records), [], 'and no records with it');
    assert.equal(Number(redirected.highWatermark), 3);

    for (const rackId of [RACKS[leaderId - 1]!, '', 'rack-elsewhere']) {
      const here = await fetch(leader, 'near', { rackId });
      assert.equal(here.preferredReadReplica, -1, `a consumer in ${JSON.stringify(rackId)} reads from the leader`);
      assert.deepEqual(values(here.records), ['a', 'b', 'c']);
    }
    // Before v11 there is no rack: the leader serves.
    const old = await fetch(leader, 'near', { version: 10, rackId: RACKS[followerId - 1]! });
    assert.equal(old.preferredReadReplica, -1);
    assert.deepEqual(values(old.records), ['a', 'b', 'c']);
    // Past every follower's log end only the leader qualifies; the read there is out of range.
    const beyond = await fetch(leader, 'near', { rackId: RACKS[followerId - 1]!, fetchOffset: 4 });
    assert.equal(beyond.preferredReadReplica, -1);
    assert.equal(beyond.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);

    const follower = await client(s, followerId);
    const served = await fetch(follower, 'near', { rackId: RACKS[followerId - 1]!, currentLeaderEpoch: p.leaderEpoch });
    assert.equal(served.errorCode, ErrorCode.NONE);
    assert.equal(served.preferredReadReplica, -1);
    assert.deepEqual(values(served.records), ['a', 'b', 'c']);
    assert.equal(Number(served.highWatermark), 3);

    // A long poll at the follower ends when the follower's high watermark moves.
    const waiting = fetch(follower, 'near', { rackId: RACKS[followerId - 1]!, fetchOffset: 3, maxWaitMs: 30_000 });
    await produce(leader, 'near', ['d']);
    const polled = await waiting;
    assert.equal(polled.errorCode, ErrorCode.NONE);
    assert.deepEqual(values(polled.records), ['d']);
    assert.equal(Number(polled.highWatermark), 4);

    assert.equal((await fetch(follower, 'near', { version: 10 })).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'before v11 only the leader serves consumers');
    assert.equal((await fetch(follower, 'near', { fetchOffset: 10 })).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal((await fetch(follower, 'near', { currentLeaderEpoch: p.leaderEpoch + 1 })).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);

    const offsets = await follower.request(ApiKey.ListOffsets, follower.version(ApiKey.ListOffsets), {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ ...ListOffsetsRequest.defaultListOffsetsTopic(), name: 'near', partitions: [{ ...ListOffsetsRequest.defaultListOffsetsPartition(), partitionIndex: 0, timestamp: -1n }] }],
    });
    assert.equal(offsets.topics[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'ListOffsets stays with the leader');

    // A new leader: a consumer still at the old epoch is fenced by the follower that knows the new one.
    await s.cluster.stopBroker(leaderId);
    const moved = await eventually('a new leader', () => {
      const now = s.cluster.store(followerId).topic('near')?.partitions[0];
      return now !== undefined && now.leader >= 0 && now.leader !== leaderId ? now : null;
    });
    const stillFollower = p.replicas.find((id) => id !== leaderId && id !== moved.leader)!;
    const f2 = await client(s, stillFollower);
    await eventually('the remaining follower knows the new epoch', () => s.cluster.store(stillFollower).topic('near')!.partitions[0]!.leaderEpoch === moved.leaderEpoch);
    assert.equal((await fetch(f2, 'near', { currentLeaderEpoch: p.leaderEpoch })).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    const current = await fetch(f2, 'near', { currentLeaderEpoch: moved.leaderEpoch, rackId: RACKS[stillFollower - 1]! });
    assert.equal(current.errorCode, ErrorCode.NONE);
  } finally {
    await end(s);
  }
});

test('a follower that left the ISR is no longer named; a broker without a replica does not serve consumers', async () => {
  const s = await setup({ 'replica.lag.time.max.ms': 1000 });
  try {
    await makeTopic(s, 'lagging');
    const p = state(s, 'lagging');
    const leaderId = p.leader;
    const [stalled, other] = p.replicas.filter((id) => id !== leaderId) as [number, number];
    const leader = await client(s, leaderId);
    await produce(leader, 'lagging', ['x']);
    await followersAt(s, 'lagging', 1);
    await eventually('the leader names the follower', async () => (await fetch(leader, 'lagging', { rackId: RACKS[stalled - 1]! })).preferredReadReplica === stalled);

    s.cluster.broker(stalled).replication!.pauseFetchers();
    await produce(leader, 'lagging', ['y'], 1);
    await eventually('the stalled follower left the ISR', async () => {
      await s.clock.advance(600);
      return !state(s, 'lagging').isr.includes(stalled);
    });
    const back = await fetch(leader, 'lagging', { rackId: RACKS[stalled - 1]! });
    assert.equal(back.preferredReadReplica, -1, 'out of the ISR: the consumer stays with the leader');
    assert.deepEqual(values(back.records), ['x', 'y']);
    const near = await fetch(leader, 'lagging', { rackId: RACKS[other - 1]! });
    assert.equal(near.preferredReadReplica, other, 'the in-sync follower is still named');
    s.cluster.broker(stalled).replication!.resumeFetchers();

    // A topic whose one replica is elsewhere: this broker holds no replica of it.
    await s.cluster.store(1).createTopic('single', 1, 1, {});
    const single = await eventually('single is created', () => s.cluster.store(1).topic('single')?.partitions[0]);
    topicIds.set('single', s.cluster.store(1).topic('single')!.id);
    const elsewhere = [1, 2, 3].find((id) => id !== single.leader)!;
    const c = await client(s, elsewhere);
    assert.equal((await fetch(c, 'single', { rackId: RACKS[elsewhere - 1]! })).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  } finally {
    await end(s);
  }
});

test('replica.selector.class: an unknown class stops the broker from starting; unset, the leader serves every consumer', async () => {
  await assert.rejects(
    startCluster({ brokers: 1, config: { 'replica.selector.class': 'com.example.NearestSelector' } }),
    /replica\.selector\.class: class com\.example\.NearestSelector cannot be found/,
  );
  const s = await setup({}, false);
  try {
    await makeTopic(s, 'plain');
    const p = state(s, 'plain');
    const followerId = p.replicas.find((id) => id !== p.leader)!;
    const leader = await client(s, p.leader);
    await produce(leader, 'plain', ['only']);
    await followersAt(s, 'plain', 1);
    const r = await fetch(leader, 'plain', { rackId: RACKS[followerId - 1]! });
    assert.equal(r.preferredReadReplica, -1);
    assert.deepEqual(values(r.records), ['only']);
  } finally {
    await end(s);
  }
});
