// Replication throttles on an embedded cluster of three brokers (Kafka's ReplicationQuotaManager):
// a replica added by a reassignment copies a throttled partition only while the leader's
// (`leader.replication.throttled.rate`) or the follower's (`follower.replication.throttled.rate`)
// measured rate is within its bound; an in-sync replica of a throttled partition is never held
// back; lifting the rate lets the reassignment complete. Replication time runs on a manual clock,
// so the rate's windows move only when the test moves them: what is asserted is the bytes the
// quota let through for the time that passed, and that nothing more moves while it is exceeded
// (counted in fetches and fetch-loop turns, never in time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type EmbeddedCluster } from '../../../src/start-cluster.js';
import { ManualClock } from '../../../src/cluster/kv/clock.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import * as ProduceRequest from '../../../src/protocol/generated/produce-request.js';
import type { FetchRequest } from '../../../src/protocol/generated/fetch-request.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { eventually } from '../../helpers/eventually.js';
import { WireClient } from '../../helpers/wire-client.js';

const BATCHES = 12;
const VALUE = Buffer.alloc(1000, 0x61);
const RATE = 2000;

interface Setup {
  cluster: EmbeddedCluster;
  clock: ManualClock;
  clients: WireClient[];
}

async function setup(): Promise<Setup> {
  const clock = new ManualClock(Date.now());
  const cluster = await startCluster({
    brokers: 3,
    clock,
    // One batch per follower fetch (replica.fetch.max.bytes below a batch: KIP-74 sends the first whole).
    config: { 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20, 'replica.fetch.max.bytes': 1, 'auto.leader.rebalance.enable': false },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
  return { cluster, clock, clients: [] };
}

async function end(s: Setup): Promise<void> {
  for (const c of s.clients) c.close();
  await s.cluster.close();
}

const partitionOf = (s: Setup, topic: string) => s.cluster.store(1).topic(topic)?.partitions[0];
const logEnd = (s: Setup, nodeId: number, topic: string) => s.cluster.broker(nodeId).logs.getLog(topic, 0)?.logEndOffset ?? -1;

async function produce(s: Setup, nodeId: number, topic: string, batches: number, acks = -1): Promise<void> {
  const c = await WireClient.connect(s.cluster.broker(nodeId).bootstrapServers, { apiVersions: true });
  s.clients.push(c);
  for (let i = 0; i < batches; i++) {
    const r = await c.request(ApiKey.Produce, c.version(ApiKey.Produce, 3), {
      transactionalId: null,
      acks,
      timeoutMs: 30_000,
      topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: topic, partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records: encodeBatchSync([{ value: VALUE }]) }] }],
    });
    assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  }
}

/** A topic of one partition whose replicas are exactly `replicas`, led by the first. */
async function topicOn(s: Setup, name: string, replicas: number[]): Promise<void> {
  await s.cluster.store(1).createTopic(name, 1, 1, {});
  await eventually(`${name} exists`, () => (partitionOf(s, name)?.leader ?? -1) >= 0);
  const [r] = await s.cluster.store(1).alterPartitionReassignments([{ topic: name, partition: 0, replicas }]);
  assert.equal(r!.errorCode, ErrorCode.NONE);
  await eventually(`${name} on ${replicas.join()}`, async () => {
    const p = partitionOf(s, name);
    if (p === undefined || p.replicas.join() !== replicas.join() || p.isr.length !== replicas.length) return false;
    if (p.leader !== replicas[0]) await s.cluster.store(1).electLeaders(0, [{ topic: name, partition: 0 }]).catch(() => {});
    return p.leader === replicas[0];
  }, { intervalMs: 20 });
}

/** Counts the Fetch requests broker `nodeId` receives from follower `replicaId`. */
function countFollowerFetches(s: Setup, nodeId: number, replicaId: number): { count: number } {
  const counter = { count: 0 };
  const service = s.cluster.broker(nodeId).fetch;
  const original = service.fetch.bind(service);
  service.fetch = (request: FetchRequest, version: number) => {
    if ((version >= 15 ? request.replicaState.replicaId : request.replicaId) === replicaId) counter.count++;
    return original(request, version);
  };
  return counter;
}

/** The size of one produced batch as stored. */
function batchSize(s: Setup, nodeId: number, topic: string): number {
  const log = s.cluster.broker(nodeId).logs.getLog(topic, 0)!;
  return log.bytesBetween(0, 1);
}

test('leader.replication.throttled.rate: a replica being added receives only what the rate allows for the time passed; an in-sync replica is not held back', async () => {
  const s = await setup();
  try {
    const [leader, follower] = [1, 2];
    await topicOn(s, 'synced', [leader, follower]);
    await topicOn(s, 'moved', [leader]);
    await produce(s, leader, 'moved', BATCHES);
    const batch = batchSize(s, leader, 'moved');

    const throttles = s.cluster.broker(leader).replication!.throttles;
    await s.cluster.store(1).setBrokerConfigs(String(leader), { 'leader.replication.throttled.rate': String(RATE) });
    await s.cluster.store(1).setTopicConfigs('moved', { 'leader.replication.throttled.replicas': `0:${leader}` });
    await s.cluster.store(1).setTopicConfigs('synced', { 'leader.replication.throttled.replicas': '*' });
    await eventually('the leader holds the throttle', () => throttles.leader.upperBound === RATE && throttles.leader.isThrottled('moved', 0) && throttles.leader.isThrottled('synced', 0));

    const fetches = countFollowerFetches(s, leader, follower);
    const [r] = await s.cluster.store(1).alterPartitionReassignments([{ topic: 'moved', partition: 0, replicas: [leader, follower] }]);
    assert.equal(r!.errorCode, ErrorCode.NONE);
    await eventually('the rate is over the bound', () => throttles.leader.isQuotaExceeded(s.clock.now()));
    // The leader counts a response's bytes when it sends it; wait until the follower has appended it.
    await eventually('the follower holds what the leader sent', () => logEnd(s, follower, 'moved') * batch === throttles.leader.recordedBytes);
    const stalledAt = logEnd(s, follower, 'moved');
    const seen = fetches.count;
    await eventually('five more fetches by the follower', () => fetches.count >= seen + 5);
    assert.equal(logEnd(s, follower, 'moved'), stalledAt, 'nothing more is sent while the rate is over the bound');
    assert.ok(stalledAt > 0 && stalledAt < BATCHES, `some batches moved, not all: ${stalledAt}`);
    // The clock has not moved: one window's worth of bytes, plus the one fetch that went over.
    assert.ok(throttles.leader.recordedBytes > RATE && throttles.leader.recordedBytes <= RATE + batch, `${throttles.leader.recordedBytes} bytes let through`);

    // Two seconds later the rate allows about two seconds' worth, counted from the first byte.
    await s.clock.advance(2000);
    await eventually('more moved, then the bound again', () => logEnd(s, follower, 'moved') > stalledAt && throttles.leader.isQuotaExceeded(s.clock.now()));
    await eventually('the follower holds what the leader sent', () => logEnd(s, follower, 'moved') * batch === throttles.leader.recordedBytes);
    const seen2 = fetches.count;
    await eventually('five more fetches by the follower', () => fetches.count >= seen2 + 5);
    const movedBytes = throttles.leader.recordedBytes;
    assert.ok(movedBytes <= 2 * RATE + batch, `${movedBytes} bytes in two seconds at ${RATE} B/s`);
    assert.equal(logEnd(s, follower, 'moved') * batch, movedBytes, 'the bytes counted are the bytes the follower holds');

    // An in-sync follower of a throttled partition is not throttled: acks=all completes.
    await produce(s, leader, 'synced', 2);
    assert.equal(logEnd(s, follower, 'synced'), 2);

    // Lifted: the new replica catches up and the reassignment completes.
    await s.cluster.store(1).setBrokerConfigs(String(leader), {});
    await eventually('the reassignment completed', () => {
      const p = partitionOf(s, 'moved');
      return p !== undefined && p.isr.includes(follower) && s.cluster.store(1).listPartitionReassignments(null).length === 0 && logEnd(s, follower, 'moved') === BATCHES;
    }, { intervalMs: 20 });
  } finally {
    await end(s);
  }
});

test('follower.replication.throttled.rate: the follower leaves a throttled partition out of its fetches while over the bound', async () => {
  const s = await setup();
  try {
    const [leader, follower] = [1, 3];
    await topicOn(s, 'pulled', [leader]);
    await produce(s, leader, 'pulled', BATCHES);
    const batch = batchSize(s, leader, 'pulled');
    const throttles = s.cluster.broker(follower).replication!.throttles;
    await s.cluster.store(1).setBrokerConfigs('', { 'follower.replication.throttled.rate': String(RATE) });
    await s.cluster.store(1).setTopicConfigs('pulled', { 'follower.replication.throttled.replicas': `0:${follower}` });
    await eventually('the follower holds the throttle', () => throttles.follower.upperBound === RATE && throttles.follower.isThrottled('pulled', 0));

    // Each turn of the follower's fetch loop asks whether the quota is exceeded.
    let turns = 0;
    const isQuotaExceeded = throttles.isQuotaExceeded.bind(throttles);
    throttles.isQuotaExceeded = () => {
      const over = isQuotaExceeded();
      if (over) turns++;
      return over;
    };
    const [r] = await s.cluster.store(1).alterPartitionReassignments([{ topic: 'pulled', partition: 0, replicas: [leader, follower] }]);
    assert.equal(r!.errorCode, ErrorCode.NONE);
    await eventually('the follower is over its bound', () => turns > 0);
    const stalledAt = logEnd(s, follower, 'pulled');
    const seen = turns;
    await eventually('five more turns of the fetch loop', () => turns >= seen + 5);
    assert.equal(logEnd(s, follower, 'pulled'), stalledAt);
    assert.ok(stalledAt > 0 && stalledAt < BATCHES, `some batches moved, not all: ${stalledAt}`);
    assert.ok(throttles.follower.recordedBytes > RATE && throttles.follower.recordedBytes <= RATE + batch, `${throttles.follower.recordedBytes} bytes fetched`);
    assert.equal(s.cluster.broker(leader).replication!.throttles.leader.recordedBytes, 0, 'the leader throttles nothing');

    await s.cluster.store(1).setBrokerConfigs('', {});
    await eventually('the reassignment completed', () => {
      const p = partitionOf(s, 'pulled');
      return p !== undefined && p.isr.includes(follower) && logEnd(s, follower, 'pulled') === BATCHES;
    }, { intervalMs: 20 });
  } finally {
    await end(s);
  }
});
