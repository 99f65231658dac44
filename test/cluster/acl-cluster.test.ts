// ACLs in a cluster: one created through broker 1 decides on broker 2, and one deleted through
// broker 2 is gone on broker 1, because both read the ACLs of the shared metadata store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { defaultMetadataRequestTopic } from '../../src/protocol/generated/metadata-request.js';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../../src/cluster/acls.js';
import { WireClient } from '../helpers/wire-client.js';
import { connectSaslPlain } from '../helpers/sasl-client.js';
import { eventually } from '../helpers/eventually.js';

test('ACLs created on one broker decide on the others; deleted on another, gone everywhere', async () => {
  const cluster = await startCluster({
    brokers: 2,
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // Brokers reach each other on PLAINTEXT, as User:ANONYMOUS, which also administers here.
      'super.users': 'User:ANONYMOUS',
    },
  });
  const admin1 = await WireClient.connect(cluster.broker(1).listenerAddress('PLAINTEXT'));
  const admin2 = await WireClient.connect(cluster.broker(2).listenerAddress('PLAINTEXT'));
  const alice1 = await connectSaslPlain(cluster.broker(1).listenerAddress('SASL_PLAINTEXT'), 'alice', 'alice-secret');
  const alice2 = await connectSaslPlain(cluster.broker(2).listenerAddress('SASL_PLAINTEXT'), 'alice', 'alice-secret');
  const describes = async (c: WireClient) => {
    const md = await c.request(ApiKey.Metadata, 12, { topics: [{ ...defaultMetadataRequestTopic(), name: 'orders' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return md.topics[0]!.errorCode !== ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  };
  const acl = {
    resourceType: ResourceType.Topic, resourceName: 'orders', resourcePatternType: PatternType.Literal,
    principal: 'User:alice', host: '*', operation: AclOperation.Describe, permissionType: AclPermission.Allow,
  };
  try {
    assert.equal(await describes(alice2), false);
    const created = await admin1.request(ApiKey.CreateAcls, 3, { creations: [acl] });
    assert.deepEqual(created.results.map((r) => r.errorCode), [0]);
    assert.equal(await describes(alice1), true);
    await eventually('broker 2 sees the ACL', () => describes(alice2));
    const listed = await admin2.request(ApiKey.DescribeAcls, 3, {
      resourceTypeFilter: ResourceType.Any, resourceNameFilter: null, patternTypeFilter: PatternType.Any, principalFilter: null, hostFilter: null, operation: AclOperation.Any, permissionType: AclPermission.Any,
    });
    assert.deepEqual(listed.resources.map((r) => [r.resourceName, r.acls.length]), [['orders', 1]]);
    const deleted = await admin2.request(ApiKey.DeleteAcls, 3, {
      filters: [{ resourceTypeFilter: ResourceType.Topic, resourceNameFilter: 'orders', patternTypeFilter: PatternType.Literal, principalFilter: null, hostFilter: null, operation: AclOperation.Any, permissionType: AclPermission.Any }],
    });
    assert.deepEqual(deleted.filterResults.map((r) => r.matchingAcls.length), [1]);
    await eventually('broker 1 no longer has the ACL', async () => !(await describes(alice1)));
  } finally {
    for (const c of [admin1, admin2, alice1, alice2]) c.close();
    await cluster.close();
  }
});
