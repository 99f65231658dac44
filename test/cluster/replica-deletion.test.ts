// A replica that leaves a broker takes its local log with it (Kafka's StopPartition with
// deleteLocalLog), on an embedded cluster of three brokers: a reassignment that removes a
// broker from a partition deletes that broker's log directory once the move completes (not
// before, while it is still a removing replica), the broker then answers NOT_LEADER_OR_FOLLOWER
// for it, and a replica given back starts from an empty log and copies everything again;
// deleting a topic deletes its logs on every broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import * as ProduceRequest from '../../src/protocol/generated/produce-request.js';
import * as FetchRequest from '../../src/protocol/generated/fetch-request.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';

const partitionOf = (c: EmbeddedCluster, topic: string) => c.store(1).topic(topic)?.partitions[0];

async function settled(c: EmbeddedCluster, topic: string, replicas: readonly number[]): Promise<void> {
  await eventually(`${topic} on ${replicas.join()}`, () => {
    const p = partitionOf(c, topic);
    return p !== undefined && p.replicas.join() === replicas.join() && p.isr.length === replicas.length && c.store(1).listPartitionReassignments(null).length === 0;
  }, { intervalMs: 20 });
}

async function produce(c: EmbeddedCluster, topic: string, from: number, count: number): Promise<void> {
  const leader = partitionOf(c, topic)!.leader;
  const w = await WireClient.connect(c.broker(leader).bootstrapServers, { apiVersions: true });
  try {
    for (let i = 0; i < count; i++) {
      const r = await w.request(ApiKey.Produce, w.version(ApiKey.Produce, 3), {
        transactionalId: null, acks: -1, timeoutMs: 30_000,
        topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: topic, partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records: encodeBatchSync([{ value: Buffer.from(`v${from + i}`) }]) }] }],
      });
      assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    }
  } finally {
    w.close();
  }
}

test('a replica moved away deletes its log once the reassignment completes; given back, it copies everything again', async () => {
  const c = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  try {
    await c.store(1).createTopic('d', 1, 2, {});
    await eventually('d is placed', () => (partitionOf(c, 'd')?.isr.length ?? 0) === 2);
    const before = partitionOf(c, 'd')!;
    const [kept, removed] = [before.replicas[0]!, before.replicas[1]!];
    const newcomer = [1, 2, 3].find((id) => !before.replicas.includes(id))!;
    await produce(c, 'd', 0, 10);
    const removedLog = c.broker(removed).logs.getLog('d', 0)!;
    const dir = removedLog.dir;
    await eventually('the replica to remove has the records', () => removedLog.logEndOffset === 10);

    // While the newcomer catches up, the removing replica is still a replica: its log stays.
    c.broker(newcomer).replication!.pauseFetchers();
    const [r] = await c.store(1).alterPartitionReassignments([{ topic: 'd', partition: 0, replicas: [kept, newcomer] }]);
    assert.equal(r!.errorCode, ErrorCode.NONE);
    await eventually('the newcomer has a log', () => c.broker(newcomer).logs.getLog('d', 0) !== undefined);
    assert.ok(partitionOf(c, 'd')!.replicas.includes(removed));
    assert.equal(c.broker(removed).logs.getLog('d', 0), removedLog, 'a removing replica keeps its log');
    c.broker(newcomer).replication!.resumeFetchers();
    await settled(c, 'd', [kept, newcomer]);

    await eventually('the removed replica deleted its log', () => c.broker(removed).logs.getLog('d', 0) === undefined && !existsSync(dir));
    assert.ok(removedLog.isClosed);
    const w = await WireClient.connect(c.broker(removed).bootstrapServers, { apiVersions: true });
    try {
      const f = await w.request(ApiKey.Fetch, 12, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0,
        topics: [{ ...FetchRequest.defaultFetchTopic(), topic: 'd', partitions: [{ ...FetchRequest.defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
      });
      assert.equal(f.responses[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    } finally {
      w.close();
    }

    // Given back: a new, empty log that copies the partition from the leader.
    await produce(c, 'd', 10, 5);
    const [back] = await c.store(1).alterPartitionReassignments([{ topic: 'd', partition: 0, replicas: [kept, newcomer, removed] }]);
    assert.equal(back!.errorCode, ErrorCode.NONE);
    await settled(c, 'd', [kept, newcomer, removed]);
    const fresh = c.broker(removed).logs.getLog('d', 0)!;
    assert.notEqual(fresh, removedLog);
    await eventually('the returning replica copied all 15 records', () => fresh.logEndOffset === 15);
  } finally {
    await c.close();
  }
});

test('a deleted topic takes its logs with it on every broker', async () => {
  const c = await startCluster({ brokers: 3, config: { 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  try {
    await c.store(1).createTopic('gone', 1, 3, {});
    await eventually('gone is placed', () => (partitionOf(c, 'gone')?.isr.length ?? 0) === 3);
    await produce(c, 'gone', 0, 3);
    const dirs = [1, 2, 3].map((id) => c.broker(id).logs.getLog('gone', 0)!.dir);
    await c.store(1).deleteTopic('gone');
    await eventually('every log of gone deleted', () => [1, 2, 3].every((id, i) => c.broker(id).logs.getLog('gone', 0) === undefined && !existsSync(dirs[i]!)));
  } finally {
    await c.close();
  }
});

test('at start-up, logs of partitions moved away or topics deleted while the broker was down are set aside as -stray, not loaded', async () => {
  const c = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  try {
    await c.store(1).createTopic('moving', 1, 3, {});
    await c.store(1).createTopic('dropped', 1, 3, {});
    await eventually('both placed', () => (partitionOf(c, 'moving')?.isr.length ?? 0) === 3 && (partitionOf(c, 'dropped')?.isr.length ?? 0) === 3);
    await produce(c, 'moving', 0, 3);
    const away = 3;
    const logDir = c.broker(away).config.logDirs()[0]!;
    await eventually('broker 3 has the records', () => c.broker(away).logs.getLog('moving', 0)?.logEndOffset === 3);
    await c.stopBroker(away);
    const [r] = await c.store(1).alterPartitionReassignments([{ topic: 'moving', partition: 0, replicas: [1, 2] }]);
    assert.equal(r!.errorCode, ErrorCode.NONE);
    await settled(c, 'moving', [1, 2]);
    await c.store(1).deleteTopic('dropped');
    await eventually('dropped is gone', () => c.store(1).topic('dropped') === undefined);

    const back = await c.startBroker(away);
    assert.equal(back.logs.getLog('moving', 0), undefined);
    assert.equal(back.logs.getLog('dropped', 0), undefined);
    const entries = readdirSync(logDir);
    assert.ok(entries.some((e) => e.startsWith('moving-0.') && e.endsWith('-stray')), `moving-0 set aside: ${entries.join(' ')}`);
    assert.ok(entries.some((e) => e.startsWith('dropped-0.') && e.endsWith('-stray')), `dropped-0 set aside: ${entries.join(' ')}`);
    assert.ok(!entries.includes('moving-0') && !entries.includes('dropped-0'));
  } finally {
    await c.close();
  }
});
