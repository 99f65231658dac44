// CreateAcls, DescribeAcls and DeleteAcls: SECURITY_DISABLED without an authorizer, ALTER /
// DESCRIBE on the cluster required, Kafka's validation, and filters as AclBindingFilter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { BrokerConfig } from '../../../src/broker/settings/broker-config.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { connectSaslPlain } from '../../helpers/sasl-client.js';
import { startAclBroker } from '../../helpers/acl-broker.js';
import type { LocalMetadataStore } from '../../../src/cluster/local-metadata-store.js';
import { defaultMetadataRequest, defaultMetadataRequestTopic } from '../../../src/protocol/generated/metadata-request.js';

function securedBroker(): Promise<TestBroker> {
  // The PLAINTEXT client of the test broker is User:ANONYMOUS, made a super user to administer.
  return startAclBroker({ alice: 'alice-secret' });
}

const creation = (over: Partial<{ resourceType: number; resourceName: string; resourcePatternType: number; principal: string; host: string; operation: number; permissionType: number }> = {}) => ({
  resourceType: Res.Topic, resourceName: 'orders', resourcePatternType: Pat.Literal, principal: 'User:alice', host: '*', operation: Op.Read, permissionType: Perm.Allow, ...over,
});

const anyFilter = { resourceTypeFilter: Res.Any, resourceNameFilter: null, patternTypeFilter: Pat.Any, principalFilter: null, hostFilter: null, operation: Op.Any, permissionType: Perm.Any };

test('without an authorizer the ACL APIs are advertised at v1-3 (as Kafka 4) and answer SECURITY_DISABLED', async () => {
  const tb = await startTestBroker();
  try {
    const versions = await tb.client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
    const range = (k: number) => versions.apiKeys.filter((x) => x.apiKey === k).map((x) => [x.minVersion, x.maxVersion])[0];
    assert.deepEqual([range(ApiKey.DescribeAcls), range(ApiKey.CreateAcls), range(ApiKey.DeleteAcls)], [[1, 3], [1, 3], [1, 3]]);
    const c = await tb.client.request(ApiKey.CreateAcls, 3, { creations: [creation(), creation()] });
    assert.deepEqual(c.results.map((r) => [r.errorCode, r.errorMessage]), [[ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.'], [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.']]);
    const d = await tb.client.request(ApiKey.DescribeAcls, 3, anyFilter);
    assert.equal(d.errorCode, ErrorCode.SECURITY_DISABLED);
    const del = await tb.client.request(ApiKey.DeleteAcls, 3, { filters: [anyFilter] });
    assert.deepEqual(del.filterResults.map((r) => r.errorCode), [ErrorCode.SECURITY_DISABLED]);
  } finally {
    await tb.close();
  }
});

test('authorizer.class.name: Kafka 4.x StandardAuthorizer only; any other class refused at start-up', () => {
  const load = (name: string) => BrokerConfig.load({ overrides: { 'authorizer.class.name': name } });
  assert.doesNotThrow(() => load('org.apache.kafka.metadata.authorizer.StandardAuthorizer'));
  assert.doesNotThrow(() => load(''));
  assert.throws(() => load('kafka.security.authorizer.AclAuthorizer'), /Class kafka.security.authorizer.AclAuthorizer cannot be found/);
});

test('CreateAcls validates as Kafka and stores; DescribeAcls filters; DeleteAcls removes what its filters match', async () => {
  const tb = await securedBroker();
  try {
    const created = await tb.client.request(ApiKey.CreateAcls, 3, {
      creations: [
        creation(),
        creation({ resourceName: 'fin-', resourcePatternType: Pat.Prefixed, operation: Op.Write }),
        creation({ resourceType: Res.Group, resourceName: '*', permissionType: Perm.Deny, host: '10.0.0.9' }),
        creation({ resourceType: Res.Any }),
        creation({ resourcePatternType: Pat.Match }),
        creation({ operation: Op.Any }),
        creation({ permissionType: Perm.Any }),
        creation({ resourceName: '' }),
        creation({ resourceType: Res.Cluster, resourceName: 'other' }),
        creation({ principal: 'alice' }),
        creation(), // the same ACL again: a success that changes nothing
      ],
    });
    assert.deepEqual(created.results.map((r) => [r.errorCode, r.errorMessage]), [
      [0, null],
      [0, null],
      [0, null],
      [ErrorCode.INVALID_REQUEST, 'Invalid resourceType ANY'],
      [ErrorCode.INVALID_REQUEST, 'Invalid patternType MATCH'],
      [ErrorCode.INVALID_REQUEST, 'Invalid operation ANY'],
      [ErrorCode.INVALID_REQUEST, 'Invalid permissionType ANY'],
      [ErrorCode.INVALID_REQUEST, 'Resource name should not be empty'],
      [ErrorCode.INVALID_REQUEST, 'The only valid name for the CLUSTER resource is kafka-cluster'],
      [ErrorCode.INVALID_REQUEST, 'Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)'],
      [0, null],
    ]);
    const v1 = await tb.client.request(ApiKey.CreateAcls, 1, { creations: [creation({ resourceName: 'legacy', operation: Op.Describe })] });
    assert.deepEqual(v1.results.map((r) => r.errorCode), [0]);

    const all = await tb.client.request(ApiKey.DescribeAcls, 3, anyFilter);
    assert.equal(all.errorCode, 0);
    const summary = (rs: typeof all.resources) => rs.flatMap((r) => r.acls.map((a) => `${r.resourceType}:${r.patternType}:${r.resourceName} ${a.principal}@${a.host} ${a.operation}/${a.permissionType}`)).sort();
    assert.deepEqual(summary(all.resources), [
      `${Res.Topic}:${Pat.Literal}:legacy User:alice@* ${Op.Describe}/${Perm.Allow}`,
      `${Res.Topic}:${Pat.Literal}:orders User:alice@* ${Op.Read}/${Perm.Allow}`,
      `${Res.Topic}:${Pat.Prefixed}:fin- User:alice@* ${Op.Write}/${Perm.Allow}`,
      `${Res.Group}:${Pat.Literal}:* User:alice@10.0.0.9 ${Op.Read}/${Perm.Deny}`,
    ].sort());
    // MATCH: what applies to the topic fin-ledger (the prefix), nothing literal of that name.
    const match = await tb.client.request(ApiKey.DescribeAcls, 3, { ...anyFilter, resourceTypeFilter: Res.Topic, resourceNameFilter: 'fin-ledger', patternTypeFilter: Pat.Match });
    assert.deepEqual(summary(match.resources), [`${Res.Topic}:${Pat.Prefixed}:fin- User:alice@* ${Op.Write}/${Perm.Allow}`]);
    const lit = await tb.client.request(ApiKey.DescribeAcls, 1, { ...anyFilter, resourceTypeFilter: Res.Topic, patternTypeFilter: Pat.Literal });
    assert.deepEqual(lit.resources.map((r) => r.resourceName).sort(), ['legacy', 'orders']);
    const bad = await tb.client.request(ApiKey.DescribeAcls, 3, { ...anyFilter, resourceTypeFilter: Res.Unknown });
    assert.deepEqual([bad.errorCode, bad.errorMessage], [ErrorCode.INVALID_REQUEST, 'Unknown patternFilter.']);

    const deleted = await tb.client.request(ApiKey.DeleteAcls, 3, {
      filters: [
        { ...anyFilter, resourceTypeFilter: Res.Topic, patternTypeFilter: Pat.Prefixed },
        { ...anyFilter, resourceTypeFilter: Res.Group, hostFilter: '10.0.0.9' },
        { ...anyFilter, resourceTypeFilter: Res.Topic, resourceNameFilter: 'nothing-here' },
        { ...anyFilter, operation: Op.Unknown },
      ],
    });
    assert.deepEqual(deleted.filterResults.map((r) => [r.errorCode, r.matchingAcls.map((a) => a.resourceName)]), [
      [0, ['fin-']],
      [0, ['*']],
      [0, []],
      [ErrorCode.INVALID_REQUEST, []],
    ]);
    assert.equal(deleted.filterResults[3]!.errorMessage, 'Unknown entryFilter.');
    const left = await tb.client.request(ApiKey.DescribeAcls, 2, anyFilter);
    assert.deepEqual(left.resources.map((r) => r.resourceName).sort(), ['legacy', 'orders']);
  } finally {
    await tb.close();
  }
});

test('the ACL APIs need ALTER (create, delete) and DESCRIBE (describe) on the cluster', async () => {
  const tb = await securedBroker();
  const alice = await connectSaslPlain(tb.broker.listenerAddress('SASL_PLAINTEXT'), 'alice', 'alice-secret');
  try {
    const c = await alice.request(ApiKey.CreateAcls, 3, { creations: [creation()] });
    assert.deepEqual(c.results.map((r) => r.errorCode), [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    const d = await alice.request(ApiKey.DescribeAcls, 3, anyFilter);
    assert.deepEqual([d.errorCode, d.resources], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, []]);
    const del = await alice.request(ApiKey.DeleteAcls, 3, { filters: [anyFilter] });
    assert.deepEqual(del.filterResults.map((r) => r.errorCode), [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    // Nothing was created by the refused request.
    const none = await tb.client.request(ApiKey.DescribeAcls, 3, anyFilter);
    assert.deepEqual(none.resources, []);
    // DESCRIBE on the cluster lets alice describe (ALTER would too: it implies DESCRIBE), not create.
    await tb.client.request(ApiKey.CreateAcls, 3, { creations: [creation({ resourceType: Res.Cluster, resourceName: 'kafka-cluster', operation: Op.Describe })] });
    const d2 = await alice.request(ApiKey.DescribeAcls, 3, anyFilter);
    assert.deepEqual([d2.errorCode, d2.resources.length], [0, 1]);
    const c2 = await alice.request(ApiKey.CreateAcls, 3, { creations: [creation()] });
    assert.deepEqual(c2.results.map((r) => r.errorCode), [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
  } finally {
    alice.close();
    await tb.close();
  }
});

test('host filters compare with the client\'s address', async () => {
  const tb = await securedBroker();
  const alice = await connectSaslPlain(tb.broker.listenerAddress('SASL_PLAINTEXT'), 'alice', 'alice-secret');
  try {
    const created = await tb.client.request(ApiKey.CreateAcls, 3, {
      creations: [creation({ resourceName: 'from-here', host: '127.0.0.1' }), creation({ resourceName: 'from-elsewhere', host: '10.9.9.9' })],
    });
    assert.deepEqual(created.results.map((r) => r.errorCode), [0, 0]);
    const md = await alice.request(ApiKey.Metadata, 12, {
      topics: [{ name: 'from-here', topicId: Buffer.alloc(16) }, { name: 'from-elsewhere', topicId: Buffer.alloc(16) }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false,
    });
    // READ from 127.0.0.1 implies DESCRIBE: the topic is described (it does not exist); the other is refused.
    assert.deepEqual(md.topics.map((t) => [t.name, t.errorCode]), [['from-here', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['from-elsewhere', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
  } finally {
    alice.close();
    await tb.close();
  }
});

test('CIDR hosts: CreateAcls takes them from metadata.version 4.4-IV1 (UNSUPPORTED_VERSION below), refuses bad notation; filters match them as written; the ACL lets a client in the range through', async () => {
  const tb = await securedBroker();
  const store = tb.broker.metadata as LocalMetadataStore;
  const setMetadataVersion = (level: number) => store.setFeatureLevels(new Map([...store.finalizedFeatures().levels, ['metadata.version', level]]), store.finalizedFeatures());
  try {
    // A cluster at 4.4-IV0: a CIDR host is refused, exact hosts and `*` are not; an empty host never is taken.
    await setMetadataVersion(31);
    const old = await tb.client.request(ApiKey.CreateAcls, 3, { creations: [creation({ host: '127.0.0.0/8' }), creation({ host: '127.0.0.1' }), creation({ host: '' })] });
    assert.deepEqual(old.results.map((r) => [r.errorCode, r.errorMessage]), [
      [ErrorCode.UNSUPPORTED_VERSION, 'CIDR-based ACL host patterns require metadata version 4.4-IV1 or higher.'],
      [0, null],
      [ErrorCode.INVALID_REQUEST, 'Host pattern cannot be null or empty'],
    ]);
    await setMetadataVersion(33);
    const created = await tb.client.request(ApiKey.CreateAcls, 3, {
      creations: [
        creation({ resourceName: 'inside', host: '127.0.0.0/8', operation: Op.All }),
        creation({ resourceName: 'outside', host: '10.0.0.0/8', operation: Op.All }),
        creation({ resourceName: 'v6', host: '2001:db8::/32' }),
        creation({ host: '10.0.0.256/8' }),
        creation({ host: '2001:db8::/129' }),
      ],
    });
    assert.deepEqual(created.results.map((r) => [r.errorCode, r.errorMessage]), [
      [0, null],
      [0, null],
      [0, null],
      [ErrorCode.INVALID_REQUEST, "Invalid CIDR notation '10.0.0.256/8': Value [256] not in range [0,255]"],
      [ErrorCode.INVALID_REQUEST, "Invalid CIDR notation '2001:db8::/129': Could not parse [2001:db8::/129] - prefix length must be between 0 and 128"],
    ]);
    // Filters compare the host as written (AccessControlEntryFilter): an address in the range is not the pattern.
    const byPattern = await tb.client.request(ApiKey.DescribeAcls, 3, { ...anyFilter, hostFilter: '127.0.0.0/8' });
    assert.deepEqual(byPattern.resources.map((r) => r.resourceName), ['inside']);
    const byAddress = await tb.client.request(ApiKey.DescribeAcls, 3, { ...anyFilter, hostFilter: '127.0.0.1' });
    assert.deepEqual(byAddress.resources.map((r) => r.resourceName), ['orders']);

    // alice connects from 127.0.0.1: inside 127.0.0.0/8, outside 10.0.0.0/8.
    const alice = await connectSaslPlain(tb.broker.listenerAddress('SASL_PLAINTEXT'), 'alice', 'alice-secret');
    try {
      const md = await alice.request(ApiKey.Metadata, 12, { ...defaultMetadataRequest(), topics: ['inside', 'outside'].map((name) => ({ ...defaultMetadataRequestTopic(), name })), allowAutoTopicCreation: false });
      // DESCRIBE allowed on `inside` (the topic does not exist), refused on `outside`.
      assert.deepEqual(md.topics.map((t) => [t.name, t.errorCode]), [['inside', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['outside', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
    } finally {
      alice.close();
    }

    const deleted = await tb.client.request(ApiKey.DeleteAcls, 3, { filters: [{ ...anyFilter, hostFilter: '10.0.0.0/8' }] });
    assert.deepEqual(deleted.filterResults.map((r) => r.matchingAcls.map((a) => [a.resourceName, a.host])), [[['outside', '10.0.0.0/8']]]);
  } finally {
    await tb.close();
  }
});
