// REST Proxy v3 ACLs, broker configs and partition reassignments, over real HTTP (fetch, no
// fastify inject), on a broker with the StandardAuthorizer: `admin` is a console on the
// PLAINTEXT listener (User:ANONYMOUS, a super user); `login` acts as each Basic user on the
// SASL_PLAINTEXT listener, so the broker's ACLs decide what they may do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerConsole } from '../../../../src/console/api/register-console.js';
import { startAclBroker } from '../../../helpers/acl-broker.js';
import type { TestBroker } from '../../../helpers/test-broker.js';

let tb: TestBroker;
let admin: FastifyInstance;
let login: FastifyInstance;
let adminUrl: string;
let loginUrl: string;
let base: string;
let clusterId: string;

const alice = { authorization: `Basic ${Buffer.from('alice:alice-secret').toString('base64')}` };

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text), headers: res.headers };
}

before(async () => {
  tb = await startAclBroker({ alice: 'alice-secret' });
  clusterId = tb.broker.metadata.clusterId;
  admin = Fastify();
  registerConsole(admin, { bootstrapServers: [tb.bootstrap] });
  login = Fastify();
  registerConsole(login, { bootstrapServers: [tb.broker.listenerAddress('SASL_PLAINTEXT')], saslMechanism: 'PLAIN' });
  await admin.listen({ host: '127.0.0.1', port: 0 });
  await login.listen({ host: '127.0.0.1', port: 0 });
  adminUrl = `http://127.0.0.1:${(admin.server.address() as { port: number }).port}`;
  loginUrl = `http://127.0.0.1:${(login.server.address() as { port: number }).port}`;
  base = `/v3/clusters/${clusterId}`;
  const created = await call(`${adminUrl}${base}/topics`, { method: 'POST', body: { topic_name: 'moving', partitions_count: 2 } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
});
after(async () => {
  await admin.close();
  await login.close();
  await tb.close();
});

test('ACLs: create answers 201 with the binding as Location, search finds it sorted, delete returns what it removed', async () => {
  const acl = { resource_type: 'TOPIC', resource_name: 'moving', pattern_type: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW' };
  const created = await call(`${adminUrl}${base}/acls`, { method: 'POST', body: acl });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body, null);
  const location = new URL(created.headers.get('location')!);
  assert.equal(location.pathname, `${base}/acls`);
  assert.equal(location.searchParams.get('operation'), 'READ');
  const describe = { ...acl, resource_name: 'moving', operation: 'DESCRIBE' };
  assert.equal((await call(`${adminUrl}${base}/acls`, { method: 'POST', body: describe })).status, 201);

  // Enums in any case, as Confluent reads them; the search's self names the filter.
  const found = await call(`${adminUrl}${base}/acls?principal=User:alice&resource_type=topic`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.equal(found.body.kind, 'KafkaAclList');
  assert.equal(new URL(found.body.metadata.self).searchParams.get('resource_type'), 'TOPIC');
  assert.deepEqual(found.body.data.map(({ kind, cluster_id, operation }: Record<string, string>) => [kind, cluster_id, operation]),
    [['KafkaAcl', clusterId, 'DESCRIBE'], ['KafkaAcl', clusterId, 'READ']]);
  const first = found.body.data[0];
  assert.deepEqual((({ resource_type, resource_name, pattern_type, principal, host, permission }) => ({ resource_type, resource_name, pattern_type, principal, host, permission }))(first),
    { resource_type: 'TOPIC', resource_name: 'moving', pattern_type: 'LITERAL', principal: 'User:alice', host: '*', permission: 'ALLOW' });
  // A binding's self is the search that finds exactly it.
  const self = await call(first.metadata.self.replace(/^http:\/\/[^/]+/, adminUrl));
  assert.deepEqual(self.body.data.map((a: { operation: string }) => a.operation), ['DESCRIBE']);

  assert.equal((await call(`${adminUrl}${base}/acls?operation=FLY`)).status, 400);
  assert.equal((await call(`${adminUrl}${base}/acls`, { method: 'POST', body: { ...acl, pattern_type: 'MATCH' } })).status, 400);
  assert.equal((await call(`${adminUrl}/v3/clusters/another/acls`)).status, 404);

  // Alice may not read ACLs (DESCRIBE on the cluster) nor write them (ALTER): the broker says 403.
  const denied = await call(`${loginUrl}${base}/acls`, { headers: alice });
  assert.equal(denied.status, 403, JSON.stringify(denied.body));
  assert.equal(denied.body.error_code, 403);
  assert.equal((await call(`${loginUrl}${base}/acls`, { method: 'POST', headers: alice, body: { ...acl, principal: 'User:alice', operation: 'ALL' } })).status, 403);

  const deleted = await call(`${adminUrl}${base}/acls?resource_type=TOPIC&resource_name=moving&operation=READ`, { method: 'DELETE' });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assert.deepEqual(deleted.body.data.map((a: { kind: string; operation: string }) => [a.kind, a.operation]), [['KafkaAcl', 'READ']]);
  const left = await call(`${adminUrl}${base}/acls?principal=User:alice`);
  assert.deepEqual(left.body.data.map((a: { operation: string }) => a.operation), ['DESCRIBE']);
});

test('broker configs: list, get, set, alter in a batch and reset one broker\'s and the cluster-wide defaults', async () => {
  const brokerId = tb.broker.nodeId;
  const configs = `${adminUrl}${base}/brokers/${brokerId}/configs`;
  const listed = await call(configs);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.body.kind, 'KafkaBrokerConfigList');
  const retention = listed.body.data.find((c: { name: string }) => c.name === 'log.retention.ms');
  assert.equal(retention.kind, 'KafkaBrokerConfig');
  assert.equal(retention.broker_id, brokerId);
  assert.equal(retention.metadata.resource_name, `crn:///kafka=${clusterId}/broker=${brokerId}/config=log.retention.ms`);

  assert.equal((await call(`${configs}/log.retention.ms`, { method: 'PUT', body: { value: '123456' } })).status, 204);
  const set = await call(`${configs}/log.retention.ms`);
  assert.deepEqual([set.body.value, set.body.source, set.body.is_default], ['123456', 'DYNAMIC_BROKER_CONFIG', false]);
  const batch = await call(`${configs}:alter`, { method: 'POST', body: { data: [{ name: 'message.max.bytes', value: '2000000' }, { name: 'log.retention.ms', operation: 'DELETE' }] } });
  assert.equal(batch.status, 204, JSON.stringify(batch.body));
  assert.equal((await call(`${configs}/message.max.bytes`)).body.value, '2000000');
  assert.notEqual((await call(`${configs}/log.retention.ms`)).body.source, 'DYNAMIC_BROKER_CONFIG');
  assert.equal((await call(`${configs}/message.max.bytes`, { method: 'DELETE' })).status, 204);
  assert.notEqual((await call(`${configs}/message.max.bytes`)).body.source, 'DYNAMIC_BROKER_CONFIG');
  const readOnly = await call(`${configs}/log.dirs`, { method: 'PUT', body: { value: '/elsewhere' } });
  assert.equal(readOnly.status, 400, JSON.stringify(readOnly.body));
  assert.equal((await call(`${adminUrl}${base}/brokers/${brokerId + 100}/configs`)).status, 404);

  const cluster = `${adminUrl}${base}/broker-configs`;
  assert.equal((await call(`${cluster}/log.retention.bytes`, { method: 'PUT', body: { value: '99999' } })).status, 204);
  const defaults = await call(cluster);
  assert.equal(defaults.body.kind, 'KafkaClusterConfigList');
  const d = defaults.body.data.find((c: { name: string }) => c.name === 'log.retention.bytes');
  assert.deepEqual([d.kind, d.config_type, d.value, d.source, d.metadata.resource_name],
    ['KafkaClusterConfig', 'BROKER', '99999', 'DYNAMIC_DEFAULT_BROKER_CONFIG', `crn:///kafka=${clusterId}/broker-config=log.retention.bytes`]);
  // The broker's own view shows the cluster default in force.
  assert.deepEqual([(await call(`${configs}/log.retention.bytes`)).body.value, (await call(`${configs}/log.retention.bytes`)).body.source], ['99999', 'DYNAMIC_DEFAULT_BROKER_CONFIG']);
  assert.equal((await call(`${cluster}:alter`, { method: 'POST', body: { data: [{ name: 'log.retention.bytes', operation: 'DELETE' }] } })).status, 204);
  assert.equal((await call(cluster)).body.data.some((c: { name: string }) => c.name === 'log.retention.bytes'), false);

  // Alice has no ALTER_CONFIGS / DESCRIBE_CONFIGS on the cluster.
  const denied = await call(`${loginUrl}${base}/broker-configs/log.retention.bytes`, { method: 'PUT', headers: alice, body: { value: '1' } });
  assert.equal(denied.status, 403, JSON.stringify(denied.body));
});

test('partition reassignments: none ongoing on one broker, listed empty; a partition without one is 404; DESCRIBE on the cluster needed', async () => {
  const all = await call(`${adminUrl}${base}/topics/-/partitions/-/reassignment`);
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.deepEqual([all.body.kind, all.body.metadata.self, all.body.data], ['KafkaReassignmentList', `${adminUrl}${base}/topics/-/partitions/-/reassignment`, []]);
  const topic = await call(`${adminUrl}${base}/topics/moving/partitions/-/reassignment`);
  assert.deepEqual([topic.status, topic.body.kind, topic.body.data], [200, 'KafkaReassignmentList', []]);
  assert.equal((await call(`${adminUrl}${base}/topics/absent/partitions/-/reassignment`)).status, 404);
  const one = await call(`${adminUrl}${base}/topics/moving/partitions/1/reassignment`);
  assert.equal(one.status, 404);
  assert.equal(one.body.error_code, 404);
  const denied = await call(`${loginUrl}${base}/topics/-/partitions/-/reassignment`, { headers: alice });
  assert.equal(denied.status, 403, JSON.stringify(denied.body));
});

test('the OpenAPI document lists the new v3 paths', async () => {
  const doc = await call(`${adminUrl}/api/openapi.json`);
  const paths = Object.keys(doc.body.paths);
  for (const p of ['/v3/clusters/{cluster_id}/acls', '/v3/clusters/{cluster_id}/brokers/{broker_id}/configs', '/v3/clusters/{cluster_id}/broker-configs/{name}',
    '/v3/clusters/{cluster_id}/topics/-/partitions/-/reassignment', '/v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/reassignment']) {
    assert.ok(paths.includes(p), `${p} in ${paths.join(' ')}`);
  }
});
