// KIP-1066 in a cluster: a broker whose every log directory is cordoned says so in its
// registration, and the controller places no new replica on it (a topic of replication factor 1
// lands on the other broker only; factor 2 is refused with Kafka's message); below
// metadata.version 4.3-IV0 its cordoning does not count, as registrations then carry none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { WireClient } from '../helpers/wire-client.js';
import { eventually } from '../helpers/eventually.js';
import { newTopic } from '../broker/config-admin/admin-helpers.js';

async function create(c: WireClient, name: string, partitions: number, replicationFactor: number): Promise<[number, string | null]> {
  const res = await c.request(ApiKey.CreateTopics, 7, { topics: [newTopic(name, partitions, replicationFactor)], timeoutMs: 30_000, validateOnly: false });
  return [res.topics[0]!.errorCode, res.topics[0]!.errorMessage];
}

test('the controller places no new replica on a broker whose every log directory is cordoned', async () => {
  const cluster = await startCluster({ brokers: 2, logDirsPerBroker: 2 });
  const c1 = await WireClient.connect(cluster.broker(1).bootstrapServers);
  const c2 = await WireClient.connect(cluster.broker(2).bootstrapServers);
  try {
    const cordon = await c2.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: 4, resourceName: '2', configs: [{ name: 'cordoned.log.dirs', configOperation: 0, value: '*' }] }],
      validateOnly: false,
    });
    assert.deepEqual(cordon.responses.map((r) => [r.errorCode, r.errorMessage]), [[ErrorCode.NONE, null]]);
    // Broker 1 (whichever one controls) sees broker 2's registration change.
    await eventually('broker 2 registered with its directories cordoned', () => {
      const b2 = cluster.store(1).brokers().find((b) => b.nodeId === 2);
      return b2 !== undefined && b2.logDirs?.length === 2 && b2.cordonedLogDirs?.length === 2 ? true : null;
    });

    assert.deepEqual(await create(c1, 'one-only', 6, 1), [ErrorCode.NONE, null]);
    const placed = await eventually('six partitions', () => {
      const t = cluster.store(1).topic('one-only');
      return t !== undefined && t.partitions.length === 6 ? t.partitions.map((p) => p.replicas) : null;
    });
    assert.deepEqual(placed, [[1], [1], [1], [1], [1], [1]]);
    assert.deepEqual(await create(c1, 'two', 1, 2), [
      ErrorCode.INVALID_REPLICATION_FACTOR,
      'Unable to replicate the partition 2 time(s): The target replication factor of 2 cannot be reached because only 1 broker(s) are registered or some brokers have all their log directories cordoned.',
    ]);

    // A cluster at 4.2-IV1: cordoning does not count in placement.
    const store = cluster.store(1);
    const levels = Object.fromEntries(store.finalizedFeatures().levels);
    await cluster.kv.txn({ compares: [], success: [{ type: 'put', key: store.keys.features, value: JSON.stringify({ levels: { ...levels, 'metadata.version': 29 } }) }] });
    await eventually('metadata.version 29', () => (cluster.store(1).finalizedFeatures().levels.get('metadata.version') === 29 ? true : null));
    assert.deepEqual(await create(c1, 'two', 1, 2), [ErrorCode.NONE, null]);
  } finally {
    c1.close();
    c2.close();
    await cluster.close();
  }
});
