// Feature levels in a cluster: an UpdateFeatures through broker 1 shows in broker 2's and 3's
// ApiVersions (same levels, same epoch: the features key's revision) and switches their
// handlers; levels finalized through broker 3 are what a broker restarted on its directory
// reads from the shared store; two updates planned from the same levels cannot both land; and a
// registered broker that supports less holds a level back, as Kafka's controller checks every
// broker's registration; and a broker that does not serve a finalized level is refused at
// registration (a single node: at opening its metadata file).
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { defaultConsumerGroupHeartbeatRequest } from '../../src/protocol/generated/consumer-group-heartbeat-request.js';
import { isMetadataError } from '../../src/cluster/metadata.js';
import { WireClient } from '../helpers/wire-client.js';
import { eventually } from '../helpers/eventually.js';

async function finalized(c: WireClient): Promise<{ levels: Record<string, number>; epoch: bigint }> {
  const r = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
  return { levels: Object.fromEntries(r.finalizedFeatures.map((f) => [f.name, f.maxVersionLevel])), epoch: r.finalizedFeaturesEpoch };
}

function update(c: WireClient, feature: string, level: number, upgradeType: number) {
  return c.request(ApiKey.UpdateFeatures, 2, { timeoutMs: 60_000, featureUpdates: [{ feature, maxVersionLevel: level, allowDowngrade: false, upgradeType }], validateOnly: false });
}

test('a feature change through one broker is every broker\'s, and survives a restart', async () => {
  const cluster = await startCluster({ brokers: 3 });
  const clients = new Map<number, WireClient>();
  try {
    for (const id of [1, 2, 3]) clients.set(id, await WireClient.connect(cluster.broker(id).bootstrapServers));
    const c = (id: number) => clients.get(id)!;
    const start = await finalized(c(2));
    assert.equal(start.levels['group.version'], 1);

    const r = await update(c(1), 'group.version', 0, 2);
    assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
    const one = await finalized(c(1));
    assert.equal(one.levels['group.version'], undefined, 'broker 1 answers after its image has the change');
    assert.ok(one.epoch > start.epoch);
    for (const id of [2, 3]) {
      await eventually(`broker ${id} sees group.version 0`, async () => (await finalized(c(id))).epoch === one.epoch);
      assert.deepEqual(await finalized(c(id)), one);
      const beat = await c(id).request(ApiKey.ConsumerGroupHeartbeat, 1, { ...defaultConsumerGroupHeartbeatRequest(), groupId: 'g', memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'], topicPartitions: [] });
      assert.equal(beat.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    }

    // Through broker 3, then broker 2 restarted on its directory reads the shared levels.
    const r3 = await update(c(3), 'transaction.version', 1, 2);
    assert.equal(r3.errorCode, ErrorCode.NONE, r3.errorMessage ?? '');
    const three = await finalized(c(3));
    c(2).close();
    await cluster.stopBroker(2);
    await cluster.startBroker(2);
    clients.set(2, await WireClient.connect(cluster.broker(2).bootstrapServers));
    assert.deepEqual(await finalized(c(2)), three);
    assert.equal(three.levels['transaction.version'], 1);
    assert.equal(cluster.broker(2).transactions.txnManager.transactionVersionLevel, 1);

    // Two changes planned from the same levels: the second finds them changed and fails.
    const store1 = cluster.store(1);
    const store3 = cluster.store(3);
    await eventually('broker 1 has the transaction.version change', () => store1.finalizedFeatures().epoch === three.epoch);
    const basis1 = store1.finalizedFeatures();
    const basis3 = store3.finalizedFeatures();
    await store1.setFeatureLevels(new Map([...basis1.levels, ['streams.version', 0]]), basis1);
    await assert.rejects(store3.setFeatureLevels(new Map([...basis3.levels, ['share.version', 0]]), basis3), (e) => isMetadataError(e, ErrorCode.UNKNOWN_SERVER_ERROR));
    await eventually('broker 3 has the streams.version change', () => store3.finalizedFeatures().levels.get('streams.version') === 0);
    assert.equal(store3.finalizedFeatures().levels.get('share.version'), 2);

    // A registered broker that supports less (an older one in a rolling upgrade) holds levels back.
    const older = store1.keys.broker(9);
    const record = { nodeId: 9, host: '127.0.0.1', port: 1, rack: null, dirId: 'older', features: { 'metadata.version': [7, 29], 'group.version': [0, 1], 'transaction.version': [0, 1] } };
    await cluster.kv.txn({ compares: [], success: [{ type: 'put', key: older, value: JSON.stringify(record) }] });
    try {
      await eventually('broker 1 sees broker 9', () => store1.registeredFeatures().some((b) => b.nodeId === 9));
      const tv = await update(c(1), 'transaction.version', 2, 1);
      assert.deepEqual([tv.errorCode, tv.errorMessage], [ErrorCode.INVALID_UPDATE_VERSION,
        'The update failed for all features since the following feature had an error: Invalid update version 2 for feature transaction.version. Broker 9 only supports versions 0-1']);
      const sv = await update(c(1), 'streams.version', 1, 1);
      assert.deepEqual([sv.errorCode, sv.errorMessage], [ErrorCode.INVALID_UPDATE_VERSION,
        'The update failed for all features since the following feature had an error: Invalid update version 1 for feature streams.version. Broker 9 does not support this feature.']);
    } finally {
      await cluster.kv.txn({ compares: [], success: [{ type: 'delete', key: older }] });
    }
    await eventually('broker 1 no longer sees broker 9', () => !store1.registeredFeatures().some((b) => b.nodeId === 9));
    const tv = await update(c(1), 'transaction.version', 2, 1);
    assert.equal(tv.errorCode, ErrorCode.NONE, tv.errorMessage ?? '');
    assert.deepEqual(store1.registeredFeatures().map((b) => b.nodeId).sort(), [1, 2, 3]);
  } finally {
    for (const cl of clients.values()) cl.close();
    await cluster.close();
  }
});

test('a broker whose supported ranges miss a finalized level (a newer Millrace set it) is refused at registration, with Kafka\'s message', async () => {
  const cluster = await startCluster({ brokers: 2 });
  try {
    const store1 = cluster.store(1);
    const key = store1.keys.features;
    const levels = Object.fromEntries(store1.finalizedFeatures().levels);
    await cluster.stopBroker(2);
    const put = (l: Record<string, number>) => cluster.kv.txn({ compares: [], success: [{ type: 'put', key, value: JSON.stringify({ levels: l }) }] });
    await put({ ...levels, 'metadata.version': 34 });
    await assert.rejects(cluster.startBroker(2), {
      message: 'Unable to register because the broker does not support finalized version 34 of metadata.version. The broker wants a version between 7 and 33, inclusive.',
    });
    await put({ ...levels, 'future.version': 2 });
    await assert.rejects(cluster.startBroker(2), {
      message: 'Unable to register because the broker does not support finalized version 2 of future.version. The broker wants a version between 0 and 0, inclusive.',
    });
    // A feature it does not know at level 0 is one it serves.
    await put({ ...levels, 'future.version': 0 });
    await cluster.startBroker(2);
    await eventually('broker 2 registered', () => store1.registeredFeatures().some((b) => b.nodeId === 2));
  } finally {
    await cluster.close();
  }
});

test('a single node does not open a metadata file whose levels it does not serve', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-features-local-'));
  const self = { nodeId: 1, host: '127.0.0.1', port: 9092, rack: null };
  try {
    const s = LocalMetadataStore.open(dir, self);
    const basis = s.finalizedFeatures();
    await s.setFeatureLevels(new Map([...basis.levels, ['share.version', 0]]), basis);
    const file = join(dir, 'millrace-metadata.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { features: { levels: Record<string, number> } };
    assert.equal(LocalMetadataStore.open(dir, self).finalizedFeatures().levels.get('share.version'), 0);
    saved.features.levels['transaction.version'] = 3;
    writeFileSync(file, JSON.stringify(saved));
    assert.throws(() => LocalMetadataStore.open(dir, self), {
      message: `${file}: Unable to register because the broker does not support finalized version 3 of transaction.version. The broker wants a version between 0 and 2, inclusive.`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
