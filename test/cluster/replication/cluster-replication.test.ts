// Replication between brokers of an embedded cluster (startCluster: three brokers in this
// process on one MemoryKv): followers copy the leader's batches byte for byte, the high
// watermark follows the ISR, acks=all waits for it (and times out), min.insync.replicas
// refuses, the ISR shrinks and expands, and a leader failover loses no acknowledged write
// while the old leader truncates its unacknowledged tail; a leader whose metadata session is lost
// stops leading at once. Replication time runs on a manual
// clock; the brokers' own I/O is real, so conditions are awaited, never timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type EmbeddedCluster } from '../../../src/start-cluster.js';
import { ManualClock } from '../../../src/cluster/kv/clock.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import * as ProduceRequest from '../../../src/protocol/generated/produce-request.js';
import * as FetchRequest from '../../../src/protocol/generated/fetch-request.js';
import type { PartitionProduceResponse } from '../../../src/protocol/generated/produce-response.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import type { Partition } from '../../../src/broker/partition.js';
import type { PartitionLog } from '../../../src/storage/partition-log.js';
import { eventually } from '../../helpers/eventually.js';
import { WireClient } from '../../helpers/wire-client.js';

interface Setup {
  cluster: EmbeddedCluster;
  clock: ManualClock;
  clients: WireClient[];
  end(): Promise<void>;
}

async function setup(config: Record<string, string | number> = {}, metadata: { metadataClock?: ManualClock; sessionTtlSeconds?: number } = {}): Promise<Setup> {
  const clock = new ManualClock(Date.now());
  const cluster = await startCluster({
    brokers: 3,
    clock,
    config: { 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20, ...config },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
    ...metadata,
  });
  const s: Setup = {
    cluster,
    clock,
    clients: [],
    async end() {
      for (const c of s.clients) c.close();
      await cluster.close();
    },
  };
  return s;
}

function partitionOn(s: Setup, nodeId: number, topic: string): Partition | undefined {
  const b = s.cluster.broker(nodeId);
  return b.partitions.get(b.metadata.topic(topic), 0);
}

function logOn(s: Setup, nodeId: number, topic: string): PartitionLog {
  const log = partitionOn(s, nodeId, topic)?.log;
  assert.ok(log !== undefined, `broker ${nodeId} has a log of ${topic}`);
  return log;
}

/** The partition's entry in a running broker's image. */
function state(s: Setup, topic: string) {
  const id = [...s.cluster.brokers.keys()][0]!;
  const p = s.cluster.store(id).topic(topic)?.partitions[0];
  assert.ok(p !== undefined, `${topic} is known`);
  return p;
}

/** Every running replica has taken the role the image gives it. */
function rolesTaken(s: Setup, topic: string): boolean {
  for (const [id, b] of s.cluster.brokers) {
    const pm = b.metadata.topic(topic)?.partitions[0];
    if (pm === undefined) return false;
    const p = partitionOn(s, id, topic)!;
    if (pm.leader === id ? p.leaderState?.leaderEpoch !== pm.leaderEpoch : p.followedLeader !== pm.leader || p.appliedLeaderEpoch !== pm.leaderEpoch) return false;
  }
  return true;
}

async function makeTopic(s: Setup, name: string, configs: Record<string, string> = {}): Promise<void> {
  await s.cluster.store(1).createTopic(name, 1, 3, configs);
  await eventually(`every replica of ${name} in its role`, () => rolesTaken(s, name));
}

async function client(s: Setup, nodeId: number): Promise<WireClient> {
  const c = await WireClient.connect(s.cluster.broker(nodeId).bootstrapServers, { apiVersions: true });
  s.clients.push(c);
  return c;
}

function produce(c: WireClient, topic: string, value: string, acks: number, timeoutMs = 30_000): Promise<PartitionProduceResponse> {
  const records = encodeBatchSync([{ value: Buffer.from(value) }]);
  return c
    .request(ApiKey.Produce, c.version(ApiKey.Produce, 3), {
      transactionalId: null,
      acks,
      timeoutMs,
      topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: topic, partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records }] }],
    })
    .then((r) => r.responses[0]!.partitionResponses[0]!);
}

/** A consumer's fetch (replica id -1) of everything from offset 0: what consumers may see. */
async function consume(c: WireClient, topic: string): Promise<{ highWatermark: number; values: string[] }> {
  const r = await c.request(ApiKey.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [{ ...FetchRequest.defaultFetchTopic(), topic, partitions: [{ ...FetchRequest.defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = r.responses[0]!.partitions[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE);
  return { highWatermark: Number(p.highWatermark), values: values(p.records ?? Buffer.alloc(0)) };
}

function values(records: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at < records.length; ) {
    const batch = decodeBatchSync(records, at);
    for (const r of batch.records) out.push(Buffer.from(r.value!).toString());
    at += batch.sizeInBytes;
  }
  return out;
}

/** The bytes of a replica's whole log. */
function logBytes(log: PartitionLog): Buffer {
  return Buffer.from(log.read(log.logStartOffset, 1 << 30, { isolation: 'logEnd' }).records);
}

test('followers copy the leader\'s batches byte for byte; the high watermark follows the ISR; acks=all is answered once the ISR has the data', async () => {
  const s = await setup();
  try {
    await makeTopic(s, 'copied');
    const p = state(s, 'copied');
    assert.deepEqual([...p.replicas].sort(), [1, 2, 3]);
    const leader = await client(s, p.leader);
    for (let i = 0; i < 5; i++) {
      const r = await produce(leader, 'copied', `v${i}`, -1);
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(Number(r.baseOffset), i);
      // acks=all answered: every ISR member has the batch, so the high watermark covers it.
      assert.ok(logOn(s, p.leader, 'copied').highWatermark >= i + 1);
      for (const id of p.isr) assert.ok(logOn(s, id, 'copied').logEndOffset >= i + 1, `broker ${id} has offset ${i}`);
    }
    const leaderBytes = logBytes(logOn(s, p.leader, 'copied'));
    await eventually('every follower at the leader\'s high watermark', () => [1, 2, 3].every((id) => logOn(s, id, 'copied').highWatermark === 5));
    for (const id of [1, 2, 3]) {
      assert.ok(logBytes(logOn(s, id, 'copied')).equals(leaderBytes), `broker ${id}'s log is the leader's, byte for byte`);
      assert.deepEqual(partitionOn(s, id, 'copied')!.epochCache(logOn(s, id, 'copied')).epochEntries(), [{ epoch: 0, startOffset: 0 }]);
    }
    assert.deepEqual((await consume(leader, 'copied')).values, ['v0', 'v1', 'v2', 'v3', 'v4']);

    // Only replicas fetch as followers, and only from the leader (Partition.followerReplicaOrThrow).
    const asReplica = async (c: WireClient, replicaId: number) => {
      const topicId = s.cluster.store(p.leader).topic('copied')!.id;
      const r = await c.request(ApiKey.Fetch, 17, {
        replicaState: { replicaId, replicaEpoch: -1n },
        maxWaitMs: 0,
        topics: [{ ...FetchRequest.defaultFetchTopic(), topicId, partitions: [{ ...FetchRequest.defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
      });
      return r.responses[0]!.partitions[0]!.errorCode;
    };
    const follower = p.replicas.find((id) => id !== p.leader)!;
    assert.equal(await asReplica(leader, 99), ErrorCode.NOT_LEADER_OR_FOLLOWER, 'not a replica');
    assert.equal(await asReplica(await client(s, follower), p.leader), ErrorCode.NOT_LEADER_OR_FOLLOWER, 'not the leader');
    assert.equal(await asReplica(leader, follower), ErrorCode.NONE);
  } finally {
    await s.end();
  }
});

test('acks=all waits for a stalled follower of the ISR and times out with REQUEST_TIMED_OUT; consumers never see above the high watermark; the follower catching up completes a waiting append', async () => {
  const s = await setup();
  try {
    await makeTopic(s, 'waiting');
    const p = state(s, 'waiting');
    const [stalled] = p.replicas.filter((id) => id !== p.leader);
    const leader = await client(s, p.leader);
    // Responses come in request order per connection: a consumer beside a waiting produce needs its own.
    const reader = await client(s, p.leader);
    assert.equal((await produce(leader, 'waiting', 'acked', -1)).errorCode, ErrorCode.NONE);

    s.cluster.broker(stalled!).replication!.pauseFetchers();
    const timedOut = produce(leader, 'waiting', 'not-acked', -1, 1000);
    const purgatory = s.cluster.broker(p.leader).replication!.purgatory;
    await eventually('the append waits for the ISR', () => purgatory.size === 1);
    const leaderLog = logOn(s, p.leader, 'waiting');
    assert.equal(leaderLog.logEndOffset, 2);
    assert.equal(leaderLog.highWatermark, 1, 'the stalled follower holds the high watermark');
    const seen = await consume(reader, 'waiting');
    assert.equal(seen.highWatermark, 1);
    assert.deepEqual(seen.values, ['acked'], 'a consumer reads up to the high watermark only');

    await s.clock.advance(1000);
    const r = await timedOut;
    assert.equal(r.errorCode, ErrorCode.REQUEST_TIMED_OUT);
    assert.equal(Number(r.baseOffset), 1, 'the append happened; only its replication is unconfirmed');

    const acks1 = await produce(leader, 'waiting', 'leader-only', 1);
    assert.equal(acks1.errorCode, ErrorCode.NONE, 'acks=1 does not wait for the ISR');
    const completes = produce(leader, 'waiting', 'completes', -1, 60_000);
    await eventually('the append waits again', () => purgatory.size === 1);
    s.cluster.broker(stalled!).replication!.resumeFetchers();
    const done = await completes;
    assert.equal(done.errorCode, ErrorCode.NONE);
    assert.equal(leaderLog.highWatermark, 4);
    assert.deepEqual((await consume(reader, 'waiting')).values, ['acked', 'not-acked', 'leader-only', 'completes']);
  } finally {
    await s.end();
  }
});

test('a follower that stops fetching leaves the ISR after replica.lag.time.max.ms; min.insync.replicas then refuses acks=all; it rejoins once caught up', async () => {
  const s = await setup();
  try {
    await makeTopic(s, 'isr', { 'min.insync.replicas': '3' });
    const p = state(s, 'isr');
    const [, lagging] = p.replicas.filter((id) => id !== p.leader);
    const leader = await client(s, p.leader);
    assert.equal((await produce(leader, 'isr', 'all-three', -1)).errorCode, ErrorCode.NONE);

    s.cluster.broker(lagging!).replication!.pauseFetchers();
    // acks=1 goes in; the lagging follower does not fetch it, so it is no longer caught up.
    assert.equal((await produce(leader, 'isr', 'behind', 1)).errorCode, ErrorCode.NONE);
    assert.equal(logOn(s, p.leader, 'isr').highWatermark, 1, 'the lagging follower holds the high watermark');
    await s.clock.advance(30_001);
    s.cluster.broker(p.leader).replication!.maybeShrinkIsr();
    await eventually('the lagging follower out of the ISR', () => !state(s, 'isr').isr.includes(lagging!));
    const shrunk = state(s, 'isr');
    assert.equal(shrunk.leaderEpoch, p.leaderEpoch, 'the leader stays');
    assert.equal(shrunk.partitionEpoch, p.partitionEpoch! + 1, 'an AlterPartition bumps the partition epoch');
    assert.equal(logOn(s, p.leader, 'isr').highWatermark, 1, 'under min.insync.replicas the high watermark stays');

    const refused = await produce(leader, 'isr', 'refused', -1);
    assert.equal(refused.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
    assert.equal(logOn(s, p.leader, 'isr').logEndOffset, 2, 'refused before the append');

    s.cluster.broker(lagging!).replication!.resumeFetchers();
    await eventually('the follower back in the ISR', () => state(s, 'isr').isr.length === 3);
    assert.equal(state(s, 'isr').partitionEpoch, p.partitionEpoch! + 2);
    await eventually('the high watermark past the acks=1 record', () => logOn(s, p.leader, 'isr').highWatermark === 2);
    assert.equal((await produce(leader, 'isr', 'accepted', -1)).errorCode, ErrorCode.NONE);
    await eventually('all replicas alike', () => [1, 2, 3].every((id) => logBytes(logOn(s, id, 'isr')).equals(logBytes(logOn(s, p.leader, 'isr')))));
  } finally {
    await s.end();
  }
});

test('leader failover: a new leader from the ISR keeps every acknowledged write, and the old leader truncates its unacknowledged tail when it returns', async () => {
  const s = await setup();
  try {
    await makeTopic(s, 'failover');
    const p = state(s, 'failover');
    const old = p.leader;
    const followers = p.replicas.filter((id) => id !== old);
    const c = await client(s, old);
    for (const v of ['a0', 'a1', 'a2']) assert.equal((await produce(c, 'failover', v, -1)).errorCode, ErrorCode.NONE);

    // The followers stop fetching: what the leader takes now (acks=1) is on the leader alone.
    for (const id of followers) s.cluster.broker(id).replication!.pauseFetchers();
    for (const v of ['lost0', 'lost1']) assert.equal((await produce(c, 'failover', v, 1)).errorCode, ErrorCode.NONE);
    c.close();
    assert.equal(logOn(s, old, 'failover').logEndOffset, 5);

    await s.cluster.stopBroker(old);
    await eventually('a new leader', () => {
      const q = state(s, 'failover');
      return q.leader !== old && q.leader !== -1 && rolesTaken(s, 'failover');
    });
    const q = state(s, 'failover');
    assert.ok(followers.includes(q.leader), 'elected from the ISR');
    assert.equal(q.leaderEpoch, p.leaderEpoch + 1);
    assert.ok(!q.isr.includes(old), 'the stopped broker left the ISR');
    for (const id of followers) s.cluster.broker(id).replication!.resumeFetchers();

    const next = await client(s, q.leader);
    const r = await produce(next, 'failover', 'b3', -1);
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(Number(r.baseOffset), 3, 'the new leader continues after the acknowledged writes');

    await s.cluster.startBroker(old);
    await eventually('the old leader follows the new one', () => rolesTaken(s, 'failover'));
    await eventually('the old leader back in the ISR', () => state(s, 'failover').isr.length === 3);
    const leaderLog = logOn(s, q.leader, 'failover');
    await eventually('every replica has the new leader\'s log', () => [1, 2, 3].every((id) => logBytes(logOn(s, id, 'failover')).equals(logBytes(leaderLog))));
    assert.deepEqual(values(logBytes(logOn(s, old, 'failover'))), ['a0', 'a1', 'a2', 'b3'], 'the unacknowledged tail is gone, nothing acknowledged is');
    assert.deepEqual(partitionOn(s, old, 'failover')!.epochCache(logOn(s, old, 'failover')).epochEntries(), [
      { epoch: p.leaderEpoch, startOffset: 0 },
      { epoch: q.leaderEpoch, startOffset: 3 },
    ]);
    assert.deepEqual((await consume(next, 'failover')).values, ['a0', 'a1', 'a2', 'b3']);
  } finally {
    await s.end();
  }
});

test('a follower left behind the leader\'s log start (records deleted while it was out of the ISR) starts again at the leader\'s log start', async () => {
  const s = await setup();
  try {
    await makeTopic(s, 'behind');
    const p = state(s, 'behind');
    const [, lagging] = p.replicas.filter((id) => id !== p.leader);
    const c = await client(s, p.leader);
    assert.equal((await produce(c, 'behind', 'x0', -1)).errorCode, ErrorCode.NONE);
    s.cluster.broker(lagging!).replication!.pauseFetchers();
    for (const v of ['x1', 'x2', 'x3']) assert.equal((await produce(c, 'behind', v, 1)).errorCode, ErrorCode.NONE);
    await s.clock.advance(30_001);
    s.cluster.broker(p.leader).replication!.maybeShrinkIsr();
    await eventually('the lagging follower out of the ISR', () => !state(s, 'behind').isr.includes(lagging!));
    const leaderLog = logOn(s, p.leader, 'behind');
    await eventually('the high watermark at the log end', () => leaderLog.highWatermark === 4);
    leaderLog.maybeIncrementLogStartOffset(3, 'test');
    assert.equal(logOn(s, lagging!, 'behind').logEndOffset, 1);

    s.cluster.broker(lagging!).replication!.resumeFetchers();
    await eventually('the follower back in the ISR', () => state(s, 'behind').isr.length === 3);
    const followerLog = logOn(s, lagging!, 'behind');
    await eventually('the follower has the leader\'s log', () => followerLog.logEndOffset === 4);
    assert.equal(followerLog.logStartOffset, 3, 'it starts where the leader\'s log starts');
    assert.ok(logBytes(followerLog).equals(logBytes(leaderLog)));
    assert.deepEqual(values(logBytes(followerLog)), ['x3']);
    assert.deepEqual(partitionOn(s, lagging!, 'behind')!.epochCache(followerLog).epochEntries(), [{ epoch: p.leaderEpoch, startOffset: 3 }]);
    const inSync = p.replicas.find((id) => id !== p.leader && id !== lagging)!;
    await eventually('the in-sync follower\'s log start follows the leader\'s', () => logOn(s, inSync, 'behind').logStartOffset === 3);
  } finally {
    await s.end();
  }
});

test('controlled shutdown: the leader hands leadership to an ISR member and leaves the ISR while it is still registered, then stops', async () => {
  const s = await setup();
  try {
    await makeTopic(s, 'handover');
    const p = state(s, 'handover');
    const old = p.leader;
    const watcher = p.replicas.find((id) => id !== old)!;
    const c = await client(s, old);
    for (const v of ['h0', 'h1']) assert.equal((await produce(c, 'handover', v, -1)).errorCode, ErrorCode.NONE);
    c.close();

    const store = s.cluster.store(watcher);
    const seen: Array<{ leader: number; isr: readonly number[]; oldRegistered: boolean; oldShuttingDown: boolean }> = [];
    const stop = store.subscribe(() => {
      const q = store.topic('handover')!.partitions[0]!;
      const reg = store.image.brokers.get(old);
      seen.push({ leader: q.leader, isr: q.isr, oldRegistered: reg !== undefined, oldShuttingDown: reg?.record.shuttingDown === true });
    });
    await s.cluster.stopBroker(old);
    stop();
    const moved = seen.find((x) => x.leader !== old);
    assert.ok(moved !== undefined, 'leadership moved');
    assert.ok(moved.oldRegistered && moved.oldShuttingDown, 'before the old leader\'s registration went');
    assert.ok(!moved.isr.includes(old), 'and it left the ISR at once');
    assert.ok(p.isr.includes(moved.leader) && moved.leader !== -1, 'the new leader comes from the ISR');
    const next = await client(s, moved.leader);
    assert.deepEqual((await consume(next, 'handover')).values, ['h0', 'h1']);
  } finally {
    await s.end();
  }
});

test('a leader whose metadata session is lost is fenced: it leads nothing (a waiting acks=all is held, not acknowledged; new writes are refused) until it registers again, then follows the leader the controller chose and answers the held write NOT_LEADER_OR_FOLLOWER', async () => {
  const metadataClock = new ManualClock(Date.now());
  const s = await setup({}, { metadataClock, sessionTtlSeconds: 3 });
  const kv = s.cluster.kv;
  const grant = kv.grantLease.bind(kv);
  let release!: () => void;
  const registrationsHeld = new Promise<void>((resolve) => (release = resolve));
  try {
    await makeTopic(s, 'fencing');
    const before = state(s, 'fencing');
    const old = before.leader;
    const followers = before.replicas.filter((id) => id !== old);
    const atOld = await client(s, old);
    const other = await client(s, old);
    assert.equal((await produce(atOld, 'fencing', 'acked', -1)).errorCode, ErrorCode.NONE);
    // A write waiting for followers that have stopped fetching, when the session goes.
    for (const id of followers) s.cluster.broker(id).replication!.pauseFetchers();
    const waiting = produce(atOld, 'fencing', 'waiting', -1);
    await eventually('the append waits for the ISR', () => s.cluster.broker(old).replication!.purgatory.size === 1);

    // The old leader's lease goes (as after a network cut) and it cannot register again yet.
    kv.grantLease = async (ttl: number) => {
      await registrationsHeld;
      return grant(ttl);
    };
    await kv.revokeLease(s.cluster.store(old).sessionLease!);
    await metadataClock.advance(1_100); // its next keep-alive hears the lease is gone
    await eventually('the old leader fenced', () => s.cluster.broker(old).partitions.fenced);
    assert.equal(partitionOn(s, old, 'fencing')!.leaderState, null);
    // Held as a Kafka leader cut off from its controller holds it: not acknowledged, not said to be unwritten.
    let settled: number | null = null;
    void waiting.then((r) => (settled = r.errorCode));
    assert.equal(s.cluster.broker(old).replication!.purgatory.size, 1, 'the waiting write is held');
    assert.equal((await produce(other, 'fencing', 'refused', 1)).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'no write is taken while fenced');

    for (const id of followers) s.cluster.broker(id).replication!.resumeFetchers();
    await eventually('another replica leads at a newer epoch', () => {
      const p = s.cluster.store(followers[0]!).topic('fencing')?.partitions[0];
      return p !== undefined && p.leader !== old && p.leader >= 0 && p.leaderEpoch > before.leaderEpoch;
    });
    const now = s.cluster.store(followers[0]!).topic('fencing')!.partitions[0]!;
    assert.equal((await produce(await client(s, now.leader), 'fencing', 'after', 1)).errorCode, ErrorCode.NONE);
    assert.equal(settled, null, 'still held while fenced');

    release();
    kv.grantLease = grant;
    await eventually('registered again, the old leader follows the new one', () => {
      const p = partitionOn(s, old, 'fencing');
      return !s.cluster.broker(old).partitions.fenced && p !== undefined && p.leaderState === null && p.followedLeader === now.leader;
    });
    assert.equal(settled === null ? (await waiting).errorCode : settled, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'answered once it knows another leads');
  } finally {
    release();
    kv.grantLease = grant;
    await s.end();
  }
});
