// ApiVersions v5 (KIP-1242): a client that names the cluster (and node) it expects gets
// REBOOTSTRAP_REQUIRED when this broker is another, as KafkaApis answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { startTestBroker } from '../../helpers/test-broker.js';

test('ApiVersions v5 checks the cluster id and node id a client names', async () => {
  const tb = await startTestBroker();
  try {
    const clusterId = tb.broker.metadata.clusterId;
    const nodeId = tb.broker.nodeId;
    const ask = (version: number, cluster: string | null, node: number) =>
      tb.client.request(ApiKey.ApiVersions, version, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: cluster, nodeId: node });

    const ok = await ask(5, clusterId, nodeId);
    assert.equal(ok.errorCode, ErrorCode.NONE);
    assert.deepEqual(ok.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions), { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 5 });
    assert.deepEqual(ok.supportedFeatures.map((f) => f.name), (await ask(4, null, -1)).supportedFeatures.map((f) => f.name), 'v5 answers as v4 does');

    for (const [cluster, node, why] of [['another-cluster', nodeId, 'another cluster'], [clusterId, nodeId + 1, 'another node of this cluster']] as const) {
      const r = await ask(5, cluster, node);
      assert.equal(r.errorCode, ErrorCode.REBOOTSTRAP_REQUIRED, why);
      assert.deepEqual([r.apiKeys, r.supportedFeatures, r.finalizedFeatures, r.finalizedFeaturesEpoch], [[], [], [], -1n], why);
    }
    // No cluster named: nothing is checked, whatever the node id; v4 has neither field.
    assert.equal((await ask(5, null, nodeId + 7)).errorCode, ErrorCode.NONE);
    assert.equal((await ask(4, null, -1)).errorCode, ErrorCode.NONE);
  } finally {
    await tb.close();
  }
});
