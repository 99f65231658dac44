import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { json, startConsole, type ConsoleFixture } from './console-api-helpers.js';

let f: ConsoleFixture;
before(async () => {
  f = await startConsole({}, { bodyLimit: 4096 });
});
after(async () => f.close());

test('GET /api/v1/cluster and /brokers describe the cluster', async () => {
  const r = await f.app.inject({ method: 'GET', url: '/api/v1/cluster' });
  assert.equal(r.statusCode, 200);
  const body = json<{ cluster_id: string; controller_id: number; brokers: { id: number; port: number }[]; principal: string }>(r);
  assert.equal(body.cluster_id, f.tb.broker.metadata.clusterId);
  assert.equal(body.brokers.length, 1);
  assert.equal(`127.0.0.1:${body.brokers[0]!.port}`, f.tb.bootstrap);
  assert.equal(body.principal, 'User:ANONYMOUS');
  const b = json<{ brokers: { id: number }[] }>(await f.app.inject({ method: 'GET', url: '/api/v1/brokers' }));
  assert.deepEqual(b.brokers.map((x) => x.id), [body.brokers[0]!.id]);
  const cfg = await f.app.inject({ method: 'GET', url: `/api/v1/brokers/${body.brokers[0]!.id}/configs` });
  assert.equal(cfg.statusCode, 200);
  assert.ok(json<{ configs: { name: string }[] }>(cfg).configs.some((c) => c.name === 'num.partitions'));
});

test('topics: create, list with partitions and sizes, describe, add partitions, delete', async () => {
  const created = await f.app.inject({ method: 'POST', url: '/api/v1/topics', payload: { name: 'orders', partitions: 3, configs: { 'retention.ms': '3600000' } } });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(json(created).partitions_count, 3);

  const again = await f.app.inject({ method: 'POST', url: '/api/v1/topics', payload: { name: 'orders', partitions: 3 } });
  assert.equal(again.statusCode, 400);
  assert.equal(json(again).error_code, 40002);

  const produced = await f.app.inject({ method: 'POST', url: '/api/v1/topics/orders/messages', payload: { partition: 1, key: 'k', value: 'hello' } });
  assert.equal(produced.statusCode, 201, produced.body);

  const list = json<{ topics: { name: string; partitions_count: number; messages: number; size_bytes: number }[] }>(
    await f.app.inject({ method: 'GET', url: '/api/v1/topics' }));
  const orders = list.topics.find((t) => t.name === 'orders');
  assert.ok(orders !== undefined);
  assert.equal(orders.partitions_count, 3);
  assert.equal(orders.messages, 1);
  assert.ok(orders.size_bytes > 0, 'the batch on disk is counted');
  assert.ok(!list.topics.some((t) => t.name.startsWith('__')), 'internal topics only when asked');

  const detail = json<{ partitions: { partition: number; end_offset: number; size_bytes: number; leader: number }[] }>(
    await f.app.inject({ method: 'GET', url: '/api/v1/topics/orders' }));
  assert.deepEqual(detail.partitions.map((p) => p.end_offset), [0, 1, 0]);
  assert.equal(detail.partitions[1]!.size_bytes, orders.size_bytes);

  const grown = await f.app.inject({ method: 'POST', url: '/api/v1/topics/orders/partitions', payload: { count: 5 } });
  assert.equal(grown.statusCode, 200, grown.body);
  assert.equal(json<{ partitions_count: number }>(await f.app.inject({ method: 'GET', url: '/api/v1/topics/orders' })).partitions_count, 5);
  const shrink = await f.app.inject({ method: 'POST', url: '/api/v1/topics/orders/partitions', payload: { count: 2 } });
  assert.equal(shrink.statusCode, 400, 'fewer partitions is INVALID_PARTITIONS');

  assert.equal((await f.app.inject({ method: 'DELETE', url: '/api/v1/topics/orders' })).statusCode, 204);
  const gone = await f.app.inject({ method: 'GET', url: '/api/v1/topics/orders' });
  assert.equal(gone.statusCode, 404);
  assert.match(json<{ message: string }>(gone).message, /UNKNOWN_TOPIC_OR_PARTITION/);
});

test('topic configs: get with sources, set and remove', async () => {
  assert.equal((await f.app.inject({ method: 'POST', url: '/api/v1/topics', payload: { name: 'configured', partitions: 1 } })).statusCode, 201);
  type Configs = { configs: { name: string; value: string | null; source: string; isDefault: boolean }[] };
  const before = json<Configs>(await f.app.inject({ method: 'GET', url: '/api/v1/topics/configured/configs' }));
  assert.equal(before.configs.find((c) => c.name === 'cleanup.policy')?.value, 'delete');
  const set = await f.app.inject({ method: 'PATCH', url: '/api/v1/topics/configured/configs', payload: { set: { 'retention.ms': '1000', 'cleanup.policy': 'compact' } } });
  assert.equal(set.statusCode, 200, set.body);
  const after1 = json<Configs>(set).configs;
  assert.equal(after1.find((c) => c.name === 'cleanup.policy')?.value, 'compact');
  assert.equal(after1.find((c) => c.name === 'retention.ms')?.source, 'DYNAMIC_TOPIC_CONFIG');
  const removed = json<Configs>(await f.app.inject({ method: 'PATCH', url: '/api/v1/topics/configured/configs', payload: { delete: ['cleanup.policy'] } }));
  assert.equal(removed.configs.find((c) => c.name === 'cleanup.policy')?.value, 'delete');
  const bad = await f.app.inject({ method: 'PATCH', url: '/api/v1/topics/configured/configs', payload: { set: { 'cleanup.policy': 'sometimes' } } });
  assert.equal(bad.statusCode, 400, bad.body);
  assert.equal((await f.app.inject({ method: 'GET', url: '/api/v1/topics/nope/configs' })).statusCode, 404);
});

test('4xx answers carry {error_code, message}: bad JSON, invalid names, oversize bodies, unknown routes', async () => {
  const badJson = await f.app.inject({ method: 'POST', url: '/api/v1/topics', headers: { 'content-type': 'application/json' }, payload: '{"name": ' });
  assert.equal(badJson.statusCode, 400);
  assert.deepEqual(Object.keys(json(badJson)).sort(), ['error_code', 'message']);
  assert.equal(json(badJson).error_code, 400);

  const badName = await f.app.inject({ method: 'POST', url: '/api/v1/topics', payload: { name: 'no spaces allowed' } });
  assert.equal(badName.statusCode, 400);
  assert.match(json<{ message: string }>(badName).message, /name/);

  const extra = await f.app.inject({ method: 'POST', url: '/api/v1/topics', payload: { name: 'x', partitions: 0 } });
  assert.equal(extra.statusCode, 400);

  const big = await f.app.inject({ method: 'POST', url: '/api/v1/topics', payload: { name: 'big', configs: { 'x': 'y'.repeat(5000) } } });
  assert.equal(big.statusCode, 413);
  assert.equal(json(big).error_code, 413);

  const nowhere = await f.app.inject({ method: 'GET', url: '/api/v1/nowhere' });
  assert.equal(nowhere.statusCode, 404);
  assert.equal(json(nowhere).error_code, 404);
});

test('the OpenAPI document describes every /api/v1 route with its schemas', async () => {
  const r = await f.app.inject({ method: 'GET', url: '/api/openapi.json' });
  assert.equal(r.statusCode, 200);
  const doc = json<{ openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>> }>(r);
  assert.match(doc.openapi, /^3\./);
  for (const [path, method] of [
    ['/api/v1/cluster', 'get'], ['/api/v1/topics', 'get'], ['/api/v1/topics', 'post'], ['/api/v1/topics/{topic}', 'delete'],
    ['/api/v1/topics/{topic}/partitions', 'post'], ['/api/v1/topics/{topic}/configs', 'patch'], ['/api/v1/topics/{topic}/messages', 'get'],
    ['/api/v1/topics/{topic}/messages/search', 'get'], ['/api/v1/topics/{topic}/messages', 'post'], ['/api/v1/groups/{group}', 'get'],
    ['/api/v1/groups/{group}/offsets/reset', 'post'], ['/api/v1/groups/{group}', 'delete'], ['/api/v1/acls', 'post'], ['/api/v1/users/{user}', 'put'],
  ] as const) {
    assert.ok(doc.paths[path]?.[method] !== undefined, `${method} ${path} documented`);
  }
  assert.ok(doc.paths['/api/v1/topics']!.post!.requestBody !== undefined);
  assert.deepEqual(doc.paths['/api/v1/topics/{topic}/messages/search']!.get!.parameters!.find((p) => p.name === 'key'), {
    name: 'key', in: 'query', required: true, schema: { type: 'string' },
  });
  assert.equal(doc.paths['/api/openapi.json'], undefined);
  for (const path of ['/v3/clusters', '/v3/clusters/{cluster_id}/topics/{topic_name}/records', '/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lag-summary']) {
    assert.ok(doc.paths[path] !== undefined, `${path} documented`);
  }
});
