/**
 * Fetching from the closest replica (KIP-392) with the Java client (kafka-clients 4.4.0,
 * CompatConsumer.java with `client.rack`) against a three-broker embedded cluster in three
 * racks with `replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector`:
 * a consumer in a follower's rack is sent there by the leader (preferred_read_replica) and
 * reads every record from that follower. Which broker served what is counted on the brokers
 * themselves: every consumer Fetch each one answered, with the record bytes it sent.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import type { FetchRequest } from '../../src/protocol/generated/fetch-request.js';
import type { FetchResponse } from '../../src/protocol/generated/fetch-response.js';
import * as ProduceRequest from '../../src/protocol/generated/produce-request.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { RACK_AWARE_REPLICA_SELECTOR } from '../../src/cluster/replication/replica-selector.js';
import { startCluster, type EmbeddedCluster } from '../../src/start-cluster.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import { ensureJavaClient } from './setup/java.js';
import { killDrivers, runDriver } from './clients/run.js';

const RACKS = ['rack-a', 'rack-b', 'rack-c'];
const RECORDS = 60;

let cluster: EmbeddedCluster | undefined;

after(async () => {
  killDrivers();
  await cluster?.close();
});

interface Served {
  /** Consumer fetches answered. */
  fetches: number;
  /** Record bytes sent to consumers. */
  recordBytes: number;
  /** Partitions answered with a preferred read replica, and which. */
  redirectedTo: number[];
}

/** Counts what a broker's fetch path answers consumers (replica id -1). */
function countConsumerFetches(c: EmbeddedCluster, nodeId: number): Served {
  const served: Served = { fetches: 0, recordBytes: 0, redirectedTo: [] };
  const service = c.broker(nodeId).fetch;
  const original = service.fetch.bind(service);
  const note = (response: FetchResponse): FetchResponse => {
    served.fetches++;
    for (const t of response.responses) {
      for (const p of t.partitions) {
        served.recordBytes += p.records?.length ?? 0;
        if (p.preferredReadReplica >= 0) served.redirectedTo.push(p.preferredReadReplica);
      }
    }
    return response;
  };
  service.fetch = (request: FetchRequest, version: number) => {
    const replicaId = version >= 15 ? request.replicaState.replicaId : request.replicaId;
    const answer = original(request, version);
    if (replicaId >= 0) return answer;
    return answer instanceof Promise ? answer.then(note) : note(answer);
  };
  return served;
}

test('a Java consumer with client.rack reads every record from the in-sync follower of its rack', async () => {
  const java = ensureJavaClient();
  java.catch(() => {}); // compiled while the cluster starts; a failure shows below
  cluster = await startCluster({
    brokers: 3,
    racks: RACKS,
    config: { 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR, 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50 },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
  const c = cluster;
  await c.store(1).createTopic('closest', 1, 3, {});
  const p = await eventually('closest has its three replicas in sync', () => {
    const pm = c.store(1).topic('closest')?.partitions[0];
    return pm !== undefined && pm.leader >= 0 && pm.isr.length === 3 ? pm : null;
  });
  const follower = p.replicas.find((id) => id !== p.leader)!;

  const producer = await WireClient.connect(c.broker(p.leader).bootstrapServers, { apiVersions: true });
  try {
    for (let i = 0; i < RECORDS; i += 10) {
      const records = encodeBatchSync(Array.from({ length: 10 }, (_, j) => ({ value: Buffer.from(`v${i + j}`) })));
      const r = await producer.request(ApiKey.Produce, producer.version(ApiKey.Produce, 3), {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: 'closest', partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records }] }],
      });
      assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    }
  } finally {
    producer.close();
  }
  // The follower knows the high watermark, and the leader knows the follower has every record.
  await eventually('the follower caught up', () => {
    const leader = c.broker(p.leader);
    const ls = leader.partitions.get(leader.metadata.topic('closest'), 0)?.leaderState;
    return c.broker(follower).logs.getLog('closest', 0)?.highWatermark === RECORDS && ls?.followers.get(follower)?.logEndOffset === RECORDS;
  });

  const served = new Map([1, 2, 3].map((id) => [id, countConsumerFetches(c, id)] as const));
  const command = await java;
  const result = await runDriver(
    { command: command.java, args: ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', command.classpath, command.mainClass], env: { COMPAT_CLIENT_RACK: RACKS[follower - 1]! } },
    { bootstrap: c.bootstrapServers, topic: 'closest', count: RECORDS, timeoutMs: 60_000 },
  );
  assert.deepEqual(result.records.map((r) => r.offset), Array.from({ length: RECORDS }, (_, i) => i));
  assert.deepEqual(result.records.map((r) => Buffer.from(r.value_b64!, 'base64').toString()), Array.from({ length: RECORDS }, (_, i) => `v${i}`));

  const atLeader = served.get(p.leader)!;
  const atFollower = served.get(follower)!;
  assert.ok(atLeader.redirectedTo.length >= 1 && atLeader.redirectedTo.every((id) => id === follower), `the leader sent the consumer to ${follower}: ${JSON.stringify(atLeader)}`);
  assert.equal(atLeader.recordBytes, 0, 'the leader sent no records to the consumer');
  assert.ok(atFollower.recordBytes > 0, `the follower served the records: ${JSON.stringify(atFollower)}`);
  const third = [1, 2, 3].find((id) => id !== p.leader && id !== follower)!;
  assert.equal(served.get(third)!.recordBytes, 0, 'the follower of another rack served nothing');
});
