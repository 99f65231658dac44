// ListConfigResources (v0 is KIP-714's ListClientMetricsResources) as KafkaApis answers it, and
// the GROUP and CLIENT_METRICS config resources under the StandardAuthorizer: DESCRIBE_CONFIGS
// / ALTER_CONFIGS on the group for a group, on the cluster for a subscription and for the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import { connectSaslPlain } from '../../helpers/sasl-client.js';
import { startAclBroker } from '../../helpers/acl-broker.js';

const GROUP = 32;
const CLIENT_METRICS = 16;

test('ListConfigResources v1 lists groups and subscriptions with configs, brokers, broker loggers and topics; v0 only subscriptions', async () => {
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'topic-a');
    const set = (type: number, name: string, config: string, value: string) =>
      tb.client.request(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: type, resourceName: name, configs: [{ name: config, configOperation: 0, value }] }], validateOnly: false });
    await set(GROUP, 'g1', 'share.delivery.count.limit', '3');
    await set(CLIENT_METRICS, 'sub1', 'interval.ms', '1000');
    const list = async (version: number, resourceTypes: number[]) => {
      const r = await tb.client.request(ApiKey.ListConfigResources, version, { resourceTypes });
      return [r.errorCode, r.configResources.map((c) => `${c.resourceType}:${c.resourceName}`)];
    };
    const id = String(tb.broker.nodeId);
    assert.deepEqual(await list(1, []), [ErrorCode.NONE, ['32:g1', '16:sub1', `8:${id}`, `4:${id}`, '2:topic-a']]);
    assert.deepEqual(await list(1, [GROUP, 2]), [ErrorCode.NONE, ['32:g1', '2:topic-a']]);
    assert.deepEqual(await list(1, [99]), [ErrorCode.UNSUPPORTED_VERSION, []]);
    // v0 carries no resource types and no type per resource (read as CLIENT_METRICS).
    assert.deepEqual(await list(0, []), [ErrorCode.NONE, ['16:sub1']]);
  } finally {
    await tb.close();
  }
});

const allow = (resourceType: number, resourceName: string, operation: number) => ({
  resourceType, resourceName, resourcePatternType: Pat.Literal, principal: 'User:alice', host: '*', operation, permissionType: Perm.Allow,
});

test('group configs need DESCRIBE_CONFIGS / ALTER_CONFIGS on the group; client metrics and the list on the cluster', async () => {
  const tb = await startAclBroker({ alice: 'alice-secret' });
  const alice = await connectSaslPlain(tb.broker.listenerAddress('SASL_PLAINTEXT'), 'alice', 'alice-secret');
  try {
    const grant = async (...acls: Array<ReturnType<typeof allow>>) => {
      const r = await tb.client.request(ApiKey.CreateAcls, 3, { creations: acls });
      assert.ok(r.results.every((x) => x.errorCode === ErrorCode.NONE));
    };
    const describe = async (type: number, name: string) => {
      const r = await alice.request(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: type, resourceName: name, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
      return r.results[0]!.errorCode;
    };
    const alter = async (type: number, name: string, config: string, value: string) => {
      const r = await alice.request(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: type, resourceName: name, configs: [{ name: config, configOperation: 0, value }] }], validateOnly: false });
      return r.responses[0]!.errorCode;
    };
    const list = async () => (await alice.request(ApiKey.ListConfigResources, 1, { resourceTypes: [] })).errorCode;
    assert.equal(await describe(GROUP, 'app'), ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal(await alter(GROUP, 'app', 'share.delivery.count.limit', '3'), ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal(await describe(CLIENT_METRICS, 'sub'), ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.equal(await alter(CLIENT_METRICS, 'sub', 'interval.ms', '1000'), ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.equal(await list(), ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    await grant(allow(Res.Group, 'app', Op.DescribeConfigs));
    assert.equal(await describe(GROUP, 'app'), ErrorCode.NONE);
    assert.equal(await alter(GROUP, 'app', 'share.delivery.count.limit', '3'), ErrorCode.GROUP_AUTHORIZATION_FAILED);
    await grant(allow(Res.Group, 'app', Op.AlterConfigs));
    assert.equal(await alter(GROUP, 'app', 'share.delivery.count.limit', '3'), ErrorCode.NONE);
    assert.equal(await describe(GROUP, 'other'), ErrorCode.GROUP_AUTHORIZATION_FAILED);
    await grant(allow(Res.Cluster, 'kafka-cluster', Op.AlterConfigs));
    assert.equal(await alter(CLIENT_METRICS, 'sub', 'interval.ms', '1000'), ErrorCode.NONE);
    // ALTER_CONFIGS implies DESCRIBE_CONFIGS (Kafka's ACL semantics).
    assert.equal(await describe(CLIENT_METRICS, 'sub'), ErrorCode.NONE);
    assert.equal(await list(), ErrorCode.NONE);
    assert.deepEqual(tb.broker.metadata.entityConfigs('groups', 'app'), { 'share.delivery.count.limit': '3' });
  } finally {
    alice.close();
    await tb.close();
  }
});
