// UpdateFeatures over the wire at every version against an embedded broker: Kafka 4.4's
// controller rules and messages (upgrade, safe and unsafe downgrade, validate_only, levels out
// of range, unknown features and upgrade types, metadata.version downgrades that would lose
// metadata), the all-or-nothing answer, ApiVersions' finalized levels and epoch right after,
// what the levels switch (consumer, streams and share group APIs answer UNSUPPORTED_VERSION at
// level 0; the transaction coordinator's transaction.version), a restart that keeps them, and
// ALTER on the cluster.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultConsumerGroupHeartbeatRequest } from '../../../src/protocol/generated/consumer-group-heartbeat-request.js';
import { defaultConsumerGroupDescribeRequest } from '../../../src/protocol/generated/consumer-group-describe-request.js';
import { defaultStreamsGroupHeartbeatRequest } from '../../../src/protocol/generated/streams-group-heartbeat-request.js';
import { defaultStreamsGroupDescribeRequest } from '../../../src/protocol/generated/streams-group-describe-request.js';
import { defaultShareGroupHeartbeatRequest } from '../../../src/protocol/generated/share-group-heartbeat-request.js';
import { defaultShareGroupDescribeRequest } from '../../../src/protocol/generated/share-group-describe-request.js';
import { defaultShareFetchRequest } from '../../../src/protocol/generated/share-fetch-request.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import { TransactionVersion } from '../../../src/coordinator/txn/transaction-state.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import type { LocalMetadataStore } from '../../../src/cluster/local-metadata-store.js';
import { connectSaslPlain } from '../../helpers/sasl-client.js';
import type { WireClient } from '../../helpers/wire-client.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="a" user_nobody="n";';
const FAILED = 'The update failed for all features since the following feature had an error: ';
let tb: TestBroker;
let c: WireClient;

before(async () => {
  tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:ANONYMOUS',
      'offsets.topic.num.partitions': 1,
    },
  });
  c = tb.client;
});

after(async () => {
  await tb?.close();
});

interface Update {
  feature: string;
  level: number;
  type?: number;
  allowDowngrade?: boolean;
}

function update(client: WireClient, version: number, updates: Update[], validateOnly = false) {
  return client.request(ApiKey.UpdateFeatures, version, {
    timeoutMs: 60_000,
    featureUpdates: updates.map((u) => ({ feature: u.feature, maxVersionLevel: u.level, allowDowngrade: u.allowDowngrade ?? false, upgradeType: u.type ?? 1 })),
    validateOnly,
  });
}

async function finalized(client: WireClient = c): Promise<{ levels: Record<string, number>; epoch: bigint }> {
  const r = await client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
  const levels: Record<string, number> = {};
  for (const f of r.finalizedFeatures) {
    assert.equal(f.minVersionLevel, f.maxVersionLevel);
    levels[f.name] = f.maxVersionLevel;
  }
  return { levels, epoch: r.finalizedFeaturesEpoch };
}

/** Applies updates that must succeed (v2). */
async function set(updates: Update[]): Promise<void> {
  const r = await update(c, 2, updates);
  assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
}

const DEFAULTS = { 'metadata.version': 33, 'group.version': 1, 'streams.version': 1, 'transaction.version': 2, 'share.version': 2, 'eligible.leader.replicas.version': 1 };

test('ApiVersions advertises UpdateFeatures 0-2, the supported ranges and a new cluster\'s finalized levels', async () => {
  const r = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
  assert.deepEqual(r.apiKeys.filter((k) => k.apiKey === ApiKey.UpdateFeatures).map((k) => [k.minVersion, k.maxVersion]), [[0, 2]]);
  assert.deepEqual(r.supportedFeatures.map((f) => [f.name, f.minVersion, f.maxVersion]), [
    ['metadata.version', 7, 33], ['group.version', 0, 1], ['streams.version', 0, 1], ['transaction.version', 0, 2], ['share.version', 0, 2], ['eligible.leader.replicas.version', 0, 1],
  ]);
  const f = await finalized();
  assert.deepEqual(f.levels, DEFAULTS);
  assert.equal(f.epoch, 1n);
});

test('Kafka\'s refusals, each failing the whole request with INVALID_UPDATE_VERSION and the controller\'s message', async () => {
  const cases: Array<[Update, string]> = [
    [{ feature: 'group.version', level: 0 }, "Invalid update version 0 for feature group.version. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."],
    [{ feature: 'group.version', level: 2 }, 'Invalid update version 2 for feature group.version. Local controller 1 only supports versions 0-1'],
    [{ feature: 'share.version', level: 3 }, 'Invalid update version 3 for feature share.version. Local controller 1 only supports versions 0-2'],
    [{ feature: 'metadata.version', level: 34 }, 'Invalid update version 34 for feature metadata.version. Local controller 1 only supports versions 7-33'],
    [{ feature: 'metadata.version', level: 6, type: 2 }, 'Invalid update version 6 for feature metadata.version. Local controller 1 only supports versions 7-33'],
    [{ feature: 'transaction.version', level: -1, type: 2 }, 'Invalid update version -1 for feature transaction.version. A feature version cannot be less than 0.'],
    [{ feature: 'eligible.leader.replicas.version', level: 2 }, 'Invalid update version 2 for feature eligible.leader.replicas.version. Local controller 1 only supports versions 0-1'],
    [{ feature: 'no.such.version', level: 0 }, 'Invalid update version 0 for feature no.such.version. Feature no.such.version not found.'],
    [{ feature: 'streams.version', level: 1, type: 4 }, 'Invalid update version 1 for feature streams.version. The controller does not support the given upgrade type.'],
    [{ feature: 'metadata.version', level: 29, type: 0 }, 'Invalid update version 29 for feature metadata.version. The controller does not support the given upgrade type.'],
  ];
  for (const [u, message] of cases) {
    const r = await update(c, 2, [u]);
    assert.equal(r.errorCode, ErrorCode.INVALID_UPDATE_VERSION, message);
    assert.equal(r.errorMessage, FAILED + message);
    assert.deepEqual(r.results, []);
  }
  // Upgrading with a downgrade type: group.version is at 0 only after a downgrade, so go there first.
  await set([{ feature: 'group.version', level: 0, type: 2 }]);
  const up = await update(c, 2, [{ feature: 'group.version', level: 1, type: 2 }]);
  assert.equal(up.errorMessage, `${FAILED}Invalid update version 1 for feature group.version. Can't downgrade to a newer version.`);
  await set([{ feature: 'group.version', level: 1 }]);
  // One bad update fails the others: nothing changed.
  const before = await finalized();
  const mixed = await update(c, 2, [{ feature: 'streams.version', level: 0, type: 2 }, { feature: 'transaction.version', level: 3 }]);
  assert.equal(mixed.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  assert.deepEqual(await finalized(), before);
  // Kafka's own features Millrace lacks may be set to 0, what they are here; nothing is finalized for them.
  await set([{ feature: 'kraft.version', level: 0 }]);
  assert.deepEqual((await finalized()).levels, DEFAULTS);
});

test('metadata.version: a safe downgrade only down to the last level that changed the metadata, never an unsafe one', async () => {
  // 4.4-IV2 (33), 4.4-IV1 (32) and 4.3-IV0 (30) each changed the metadata, so a new cluster at
  // 33 cannot go down at all; a cluster at 31 (4.4-IV0 changed nothing) can go to 30, no lower.
  const refused = await update(c, 2, [{ feature: 'metadata.version', level: 32, type: 2 }]);
  assert.equal(refused.errorMessage, `${FAILED}Unsupported metadata.version downgrade from 33 to 32. Refusing to perform the requested downgrade because it might delete metadata information.`);
  const unsafe = await update(c, 2, [{ feature: 'metadata.version', level: 23, type: 3 }]);
  assert.equal(unsafe.errorMessage, `${FAILED}Unsupported metadata.version downgrade from 33 to 23. Unsafe metadata downgrade is not supported in this version.`);
  // A cluster bootstrapped at 4.4-IV0 (31).
  const store = tb.broker.metadata as LocalMetadataStore;
  await store.setFeatureLevels(new Map([...store.finalizedFeatures().levels, ['metadata.version', 31]]), store.finalizedFeatures());
  await set([{ feature: 'metadata.version', level: 30, type: 2 }]);
  assert.equal((await finalized()).levels['metadata.version'], 30);
  const below = await update(c, 2, [{ feature: 'metadata.version', level: 29, type: 2 }]);
  assert.equal(below.errorMessage, `${FAILED}Unsupported metadata.version downgrade from 30 to 29. Refusing to perform the requested downgrade because it might delete metadata information.`);
  await set([{ feature: 'metadata.version', level: 33 }]);
  assert.equal((await finalized()).levels['metadata.version'], 33);
});

test('validate_only checks without changing; v0 and v1 answer a result per feature; v0 cannot downgrade (Kafka 4.4 reads no upgrade type from it)', async () => {
  const before = await finalized();
  const dry = await update(c, 1, [{ feature: 'group.version', level: 0, type: 2 }, { feature: 'share.version', level: 0, type: 3 }], true);
  assert.equal(dry.errorCode, ErrorCode.NONE);
  assert.equal(dry.errorMessage, null);
  assert.deepEqual(dry.results, [
    { feature: 'group.version', errorCode: 0, errorMessage: 'NONE' },
    { feature: 'share.version', errorCode: 0, errorMessage: 'NONE' },
  ]);
  assert.deepEqual(await finalized(), before);
  const none = await update(c, 2, []);
  assert.deepEqual([none.errorCode, none.errorMessage], [ErrorCode.NONE, null]);
  assert.deepEqual(await finalized(), before, 'no updates, nothing written');
  const v0 = await update(c, 0, [{ feature: 'group.version', level: 0, allowDowngrade: true }]);
  assert.equal(v0.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
  assert.deepEqual(v0.results, [{ feature: 'group.version', errorCode: ErrorCode.INVALID_UPDATE_VERSION, errorMessage: 'The given update version was invalid.' }]);
  const v0up = await update(c, 0, [{ feature: 'group.version', level: 1 }]);
  assert.equal(v0up.errorCode, ErrorCode.NONE);
  // Setting a level to what it is still writes it (Kafka writes the FeatureLevelRecord): only the epoch moves.
  const after = await finalized();
  assert.deepEqual(after.levels, before.levels);
  assert.ok(after.epoch > before.epoch);
});

test('a change shows in ApiVersions at once with a higher epoch; level 0 leaves a feature out of the finalized list', async () => {
  const before = await finalized();
  await set([{ feature: 'transaction.version', level: 1, type: 2 }]);
  const after1 = await finalized();
  assert.equal(after1.levels['transaction.version'], 1);
  assert.ok(after1.epoch > before.epoch);
  await set([{ feature: 'transaction.version', level: 0, type: 2 }]);
  const after0 = await finalized();
  assert.equal(after0.levels['transaction.version'], undefined);
  assert.ok(after0.epoch > after1.epoch);
  assert.equal(tb.broker.transactions.txnManager.transactionVersionLevel, TransactionVersion.TV0);
  await set([{ feature: 'transaction.version', level: 2 }]);
  assert.equal(tb.broker.transactions.txnManager.transactionVersionLevel, TransactionVersion.TV2);
});

test('group.version 0: ConsumerGroupHeartbeat and ConsumerGroupDescribe answer UNSUPPORTED_VERSION until it is 1 again', async () => {
  const join = { ...defaultConsumerGroupHeartbeatRequest(), groupId: 'fg-c', memberId: 'm-1', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['fg-topic'], topicPartitions: [] };
  await set([{ feature: 'group.version', level: 0, type: 2 }]);
  const off = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, join);
  assert.equal(off.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const described = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...defaultConsumerGroupDescribeRequest(), groupIds: ['fg-c', 'other'] });
  assert.deepEqual(described.groups.map((g) => [g.groupId, g.errorCode]), [['fg-c', ErrorCode.UNSUPPORTED_VERSION], ['other', ErrorCode.UNSUPPORTED_VERSION]]);
  await set([{ feature: 'group.version', level: 1 }]);
  const on = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, join);
  assert.equal(on.errorCode, ErrorCode.NONE);
  assert.equal(on.memberEpoch, 1);
});

test('streams.version 0 turns streams groups off; share.version 0 share groups', async () => {
  await set([{ feature: 'streams.version', level: 0, type: 2 }, { feature: 'share.version', level: 0, type: 2 }]);
  const streams = await c.request(ApiKey.StreamsGroupHeartbeat, 1, { ...defaultStreamsGroupHeartbeatRequest(), groupId: 'fg-s', memberId: 'm', memberEpoch: 0 });
  assert.equal(streams.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const sd = await c.request(ApiKey.StreamsGroupDescribe, 0, { ...defaultStreamsGroupDescribeRequest(), groupIds: ['fg-s'] });
  assert.equal(sd.groups[0]!.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const share = await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...defaultShareGroupHeartbeatRequest(), groupId: 'fg-q', memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['fg-topic'] });
  assert.equal(share.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const shd = await c.request(ApiKey.ShareGroupDescribe, 1, { ...defaultShareGroupDescribeRequest(), groupIds: ['fg-q'] });
  assert.deepEqual([shd.groups[0]!.errorCode, shd.groups[0]!.errorMessage], [ErrorCode.UNSUPPORTED_VERSION, 'The version of API is not supported.']);
  const fetch = await c.request(ApiKey.ShareFetch, 1, { ...defaultShareFetchRequest(), groupId: 'fg-q', memberId: 'm', shareSessionEpoch: 0, maxRecords: 10 });
  assert.equal(fetch.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  await set([{ feature: 'streams.version', level: 1 }, { feature: 'share.version', level: 2 }]);
  const shareOn = await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...defaultShareGroupHeartbeatRequest(), groupId: 'fg-q', memberId: 'mmmmmmmmmmmmmmmmmmmmmm', memberEpoch: 0, subscribedTopicNames: ['fg-topic'] });
  assert.notEqual(shareOn.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.deepEqual((await finalized()).levels, DEFAULTS);
});

test('share.version 2 (the DLQ) is a new cluster\'s default at 4.4-IV2; a safe downgrade to 1 and the upgrade back', async () => {
  assert.equal((await finalized()).levels['share.version'], 2);
  await set([{ feature: 'share.version', level: 1, type: 2 }]);
  assert.equal((await finalized()).levels['share.version'], 1);
  await set([{ feature: 'share.version', level: 2 }]);
  assert.deepEqual((await finalized()).levels, DEFAULTS);
});

test('ALTER on the cluster: refused without it (no results), allowed with it', async () => {
  const sasl = tb.broker.listenerAddress('SASL_PLAINTEXT');
  const nobody = await connectSaslPlain(sasl, 'nobody', 'n');
  const admin = await connectSaslPlain(sasl, 'admin', 'a');
  try {
    const created = await c.request(ApiKey.CreateAcls, 3, {
      creations: [{ resourceType: Res.Cluster, resourceName: 'kafka-cluster', resourcePatternType: Pat.Literal, principal: 'User:admin', host: '*', operation: Op.Alter, permissionType: Perm.Allow }],
    });
    assert.equal(created.results[0]!.errorCode, ErrorCode.NONE);
    for (const v of [0, 1, 2]) {
      const denied = await update(nobody, v, [{ feature: 'group.version', level: 1 }]);
      assert.equal(denied.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      assert.deepEqual(denied.results, []);
    }
    const allowed = await update(admin, 2, [{ feature: 'group.version', level: 1 }], true);
    assert.equal(allowed.errorCode, ErrorCode.NONE);
  } finally {
    nobody.close();
    admin.close();
  }
});

test('the finalized levels and their epoch survive a restart', async () => {
  // From 4.4-IV0 (31, a cluster bootstrapped there) down to 4.3-IV0 (30), the one safe step below 33.
  const store = tb.broker.metadata as LocalMetadataStore;
  await store.setFeatureLevels(new Map([...store.finalizedFeatures().levels, ['metadata.version', 31]]), store.finalizedFeatures());
  await set([{ feature: 'share.version', level: 0, type: 2 }, { feature: 'metadata.version', level: 30, type: 2 }]);
  const before = await finalized();
  const logDir = tb.logDir;
  await tb.close(true);
  tb = await startTestBroker({ logDir, config: { 'offsets.topic.num.partitions': 1 } });
  c = tb.client;
  const after = await finalized();
  assert.deepEqual(after, before);
  assert.equal(after.levels['share.version'], undefined);
  assert.equal(after.levels['metadata.version'], 30);
  const share = await c.request(ApiKey.ShareGroupHeartbeat, 1, { ...defaultShareGroupHeartbeatRequest(), groupId: 'fg-r', memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['x'] });
  assert.equal(share.errorCode, ErrorCode.UNSUPPORTED_VERSION);
});

test('eligible.leader.replicas.version set above 0: the cluster-level min.insync.replicas written, the broker-level ones removed (Kafka\'s ELR safety configs)', async () => {
  const store = tb.broker.metadata;
  await set([{ feature: 'eligible.leader.replicas.version', level: 0, type: 2 }]);
  await store.setBrokerConfigs!('1', { ...store.brokerConfigs!('1'), 'min.insync.replicas': '2' });
  assert.equal(store.brokerConfigs!('')['min.insync.replicas'], undefined);
  await set([{ feature: 'eligible.leader.replicas.version', level: 1 }]);
  assert.equal(store.brokerConfigs!('')['min.insync.replicas'], '1', 'the static value (1 here)');
  assert.equal(store.brokerConfigs!('1')['min.insync.replicas'], undefined);
  assert.equal((await finalized()).levels['eligible.leader.replicas.version'], 1);
});
