// Replication between the brokers of an embedded cluster over a SASL_SSL inter-broker
// listener, clients on a PLAINTEXT one: followers reach the leader through TLS and SASL/PLAIN,
// so acks=all is answered only once they have authenticated and copied the batch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import * as ProduceRequest from '../../src/protocol/generated/produce-request.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';
import { makePki, type TestPki } from '../helpers/certs.js';

let pki: TestPki;
before(() => {
  pki = makePki();
});
after(() => pki.cleanup());

function clusterConfig(brokerPassword: string): Record<string, string | number> {
  const server = pki.issue(`broker-${brokerPassword}`, '/CN=broker', { server: true });
  return {
    listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL',
    'inter.broker.listener.name': 'INTERNAL',
    'listener.name.internal.ssl.keystore.type': 'PEM',
    'listener.name.internal.ssl.keystore.location': server.keystorePath,
    'listener.name.internal.ssl.truststore.type': 'PEM',
    'listener.name.internal.ssl.truststore.location': pki.caPath,
    'listener.name.internal.sasl.enabled.mechanisms': 'PLAIN',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'listener.name.internal.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="${brokerPassword}" user_broker="right";`,
    'replica.fetch.wait.max.ms': 50,
    'replica.fetch.backoff.ms': 20,
    'offsets.topic.replication.factor': 1,
  };
}

test('followers replicate over a SASL_SSL inter-broker listener', async () => {
  const cluster = await startCluster({ brokers: 2, config: clusterConfig('right'), logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  const clients: WireClient[] = [];
  try {
    const b1 = cluster.broker(1);
    // Registered at top level: the inter-broker (INTERNAL) listener's port.
    const self = b1.metadata.brokers().find((b) => b.nodeId === 1)!;
    assert.equal(`${self.host}:${self.port}`, b1.listenerAddress('INTERNAL'));
    await cluster.store(1).createTopic('secured', 1, 2, {});
    const p = () => cluster.store(1).topic('secured')!.partitions[0]!;
    await eventually('a leader', () => p().leader > 0);
    const leader = await WireClient.connect(cluster.broker(p().leader).bootstrapServers, { apiVersions: true });
    clients.push(leader);
    const md = await leader.request(ApiKey.Metadata, 12, { topics: null });
    assert.deepEqual(md.brokers.map((b) => b.port).sort(), [...cluster.brokers.values()].map((b) => Number(b.bootstrapServers.split(':').pop())).sort());
    const records = encodeBatchSync([{ value: Buffer.from('over tls') }]);
    const res = await leader.request(ApiKey.Produce, leader.version(ApiKey.Produce, 3), {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: 'secured', partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records }] }],
    });
    assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    const follower = p().replicas.find((id) => id !== p().leader)!;
    const log = cluster.broker(follower).logs.getLog('secured', 0)!;
    assert.ok(log.logEndOffset >= 1, 'the follower has the batch');
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
  }
});

test('a broker with a wrong inter-broker password cannot follow', async () => {
  const cluster = await startCluster({ brokers: 1, config: clusterConfig('wrong'), logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  try {
    const b1 = cluster.broker(1);
    // Its own listener refuses its own credentials: the transport's connection fails authentication.
    const transport = (b1 as unknown as { replicaTransport: { listOffsets(id: number, r: unknown): Promise<unknown> } }).replicaTransport;
    await assert.rejects(transport.listOffsets(1, { replicaId: 1, isolationLevel: 0, topics: [], timeoutMs: 1000 }), /Authentication failed: Invalid username or password/);
  } finally {
    await cluster.close();
  }
});
