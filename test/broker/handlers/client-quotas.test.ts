// DescribeClientQuotas and AlterClientQuotas over the wire at both versions: Kafka's validation
// (entity combinations, keys, values, duplicates), validate_only, the describe filter's match
// types and strictness, and cluster DESCRIBE_CONFIGS / ALTER_CONFIGS authorization.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { connectSaslPlain } from '../../helpers/sasl-client.js';
import type { WireClient } from '../../helpers/wire-client.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_reader="r" user_nobody="n";';
let tb: TestBroker;
let reader: WireClient;
let nobody: WireClient;

before(async () => {
  tb = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:ANONYMOUS',
    },
  });
  const created = await tb.client.request(ApiKey.CreateAcls, 3, {
    creations: [{ resourceType: Res.Cluster, resourceName: 'kafka-cluster', resourcePatternType: Pat.Literal, principal: 'User:reader', host: '*', operation: Op.DescribeConfigs, permissionType: Perm.Allow }],
  });
  assert.equal(created.results[0]!.errorCode, ErrorCode.NONE);
  const sasl = tb.broker.listenerAddress('SASL_PLAINTEXT');
  reader = await connectSaslPlain(sasl, 'reader', 'r');
  nobody = await connectSaslPlain(sasl, 'nobody', 'n');
});

after(async () => {
  reader?.close();
  nobody?.close();
  await tb?.close();
});

type Entity = Array<{ entityType: string; entityName: string | null }>;
const op = (key: string, value: number, remove = false) => ({ key, value, remove });
const alter = (c: WireClient, version: number, entries: Array<{ entity: Entity; ops: ReturnType<typeof op>[] }>, validateOnly = false) =>
  c.request(ApiKey.AlterClientQuotas, version, { entries, validateOnly });
const describe = (c: WireClient, version: number, components: Array<{ entityType: string; matchType: number; match: string | null }>, strict = false) =>
  c.request(ApiKey.DescribeClientQuotas, version, { components, strict });
const user = (name: string | null) => ({ entityType: 'user', entityName: name });
const client = (name: string | null) => ({ entityType: 'client-id', entityName: name });
const summary = (entries: Array<{ entity: Entity; values: Array<{ key: string; value: number }> }> | null) =>
  (entries ?? []).map((e) => `${e.entity.map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).join(',')}:${e.values.map((v) => `${v.key}=${v.value}`).sort().join(',')}`).sort();

test('AlterClientQuotas validates each entry as Kafka and stores the valid ones; validate_only stores nothing', async () => {
  for (const version of [0, 1]) {
    const r = await alter(tb.client, version, [
      { entity: [user(`alice${version}`)], ops: [op('producer_byte_rate', 1024), op('request_percentage', 12.5)] },
      { entity: [user(null), client(`app${version}`)], ops: [op('consumer_byte_rate', 2048)] },
      { entity: [], ops: [op('producer_byte_rate', 1)] },
      { entity: [{ entityType: 'topic', entityName: 't' }], ops: [op('producer_byte_rate', 1)] },
      { entity: [user('')], ops: [op('producer_byte_rate', 1)] },
      { entity: [user('x')], ops: [op('no_such_key', 1)] },
      { entity: [user('x')], ops: [op('producer_byte_rate', 0)] },
      { entity: [user('x')], ops: [op('producer_byte_rate', 1.5)] },
      { entity: [user('x')], ops: [op('producer_byte_rate', 1), op('producer_byte_rate', 2)] },
      { entity: [user('x'), user('y')], ops: [op('producer_byte_rate', 1)] },
    ]);
    assert.deepEqual(r.entries.map((e) => e.errorCode), [0, 0, ...Array(8).fill(ErrorCode.INVALID_REQUEST)], `v${version}`);
    assert.deepEqual(r.entries[1]!.entity, [user(null), client(`app${version}`)]);
    assert.equal(r.entries[5]!.errorMessage, 'Invalid configuration key no_such_key');
    assert.equal(r.entries[7]!.errorMessage, 'producer_byte_rate cannot be a fractional value.');
  }
  const v = await alter(tb.client, 1, [{ entity: [client('dry')], ops: [op('producer_byte_rate', 5)] }], true);
  assert.equal(v.entries[0]!.errorCode, ErrorCode.NONE);
  const all = await describe(tb.client, 1, []);
  assert.equal(all.errorCode, ErrorCode.NONE);
  assert.deepEqual(summary(all.entries), [
    'user=<default>,client-id=app0:consumer_byte_rate=2048',
    'user=<default>,client-id=app1:consumer_byte_rate=2048',
    'user=alice0:producer_byte_rate=1024,request_percentage=12.5',
    'user=alice1:producer_byte_rate=1024,request_percentage=12.5',
  ]);
  // Removing every key removes the entity.
  await alter(tb.client, 0, [{ entity: [user('alice1')], ops: [op('producer_byte_rate', 0, true), op('request_percentage', 0, true)] }]);
  assert.deepEqual(summary((await describe(tb.client, 0, [{ entityType: 'user', matchType: 0, match: 'alice1' }])).entries), []);
});

test('DescribeClientQuotas matches exact, default and specified components, strictly or not', async () => {
  await alter(tb.client, 1, [
    { entity: [user('d1')], ops: [op('producer_byte_rate', 1)] },
    { entity: [user('d1'), client('c1')], ops: [op('producer_byte_rate', 2)] },
    { entity: [user(null)], ops: [op('producer_byte_rate', 3)] },
    { entity: [client(null)], ops: [op('producer_byte_rate', 4)] },
  ]);
  for (const version of [0, 1]) {
    const exact = await describe(tb.client, version, [{ entityType: 'user', matchType: 0, match: 'd1' }]);
    assert.deepEqual(summary(exact.entries), ['user=d1,client-id=c1:producer_byte_rate=2', 'user=d1:producer_byte_rate=1']);
    const strict = await describe(tb.client, version, [{ entityType: 'user', matchType: 0, match: 'd1' }], true);
    assert.deepEqual(summary(strict.entries), ['user=d1:producer_byte_rate=1']);
    const defaults = await describe(tb.client, version, [{ entityType: 'user', matchType: 1, match: null }], true);
    assert.deepEqual(summary(defaults.entries), ['user=<default>:producer_byte_rate=3']);
    const specified = await describe(tb.client, version, [{ entityType: 'client-id', matchType: 2, match: null }], true);
    assert.deepEqual(summary(specified.entries), ['client-id=<default>:producer_byte_rate=4']);
  }
  const bad = [
    [{ entityType: 'user', matchType: 0, match: null }],
    [{ entityType: 'user', matchType: 1, match: 'x' }],
    [{ entityType: 'user', matchType: 2, match: 'x' }],
    [{ entityType: 'user', matchType: 7, match: null }],
    [{ entityType: '', matchType: 2, match: null }],
    [{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 0, match: 'a' }],
    [{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }],
  ];
  for (const components of bad) {
    const r = await describe(tb.client, 1, components);
    assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST, JSON.stringify(components));
    assert.equal(r.entries, null);
  }
  assert.equal((await describe(tb.client, 1, [{ entityType: 'topic', matchType: 2, match: null }])).errorCode, ErrorCode.UNSUPPORTED_VERSION);
});

test('DESCRIBE_CONFIGS on the cluster to describe, ALTER_CONFIGS to alter; nothing changes for the denied', async () => {
  const d = await describe(nobody, 1, []);
  assert.equal(d.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal(d.entries, null);
  assert.equal((await describe(reader, 1, [])).errorCode, ErrorCode.NONE);
  for (const c of [reader, nobody]) {
    const a = await alter(c, 1, [{ entity: [user('denied-change')], ops: [op('producer_byte_rate', 10)] }]);
    assert.equal(a.entries[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.deepEqual(a.entries[0]!.entity, [user('denied-change')]);
  }
  assert.deepEqual(summary((await describe(tb.client, 1, [{ entityType: 'user', matchType: 0, match: 'denied-change' }])).entries), []);
});
