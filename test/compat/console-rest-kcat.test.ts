// Issue 18's REST proof with a client we did not write: records produced through the console's
// REST endpoints with plain HTTP (fetch) are read back by kcat (librdkafka), and records kcat
// produces are read back through the REST message browser, byte for byte; bad JSON, unknown
// topics and oversize bodies get 4xx with a JSON error body over real HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerConsole } from '../../src/console/api/register-console.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { ensureApt } from './setup/apt.js';
import { runRaw } from './setup/exec.js';

let tb: TestBroker;
let app: FastifyInstance;
let base: string;
let clusterId: string;

before(async () => {
  await ensureApt(['kcat']);
  tb = await startTestBroker();
  app = Fastify();
  registerConsole(app, { bootstrapServers: [tb.bootstrap], bodyLimit: 64 * 1024 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  clusterId = tb.broker.metadata.clusterId;
});
after(async () => {
  await app.close();
  await tb.close();
});

async function post(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

test('REST v3 produce (plain HTTP), read back with kcat: keys, values, headers, partitions', async () => {
  const created = await post(`/v3/clusters/${clusterId}/topics`, JSON.stringify({ topic_name: 'rest-kcat', partitions_count: 3 }));
  assert.equal(created.status, 201);
  const sent: string[] = [];
  for (let i = 0; i < 30; i++) {
    const value = { n: i, text: `record ${i} ünïcødé` };
    const r = await post(`/v3/clusters/${clusterId}/topics/rest-kcat/records`, JSON.stringify({
      partition_id: i % 3, key: { type: 'STRING', data: `key-${i}` }, value: { type: 'JSON', data: value },
      headers: [{ name: 'seq', value: Buffer.from(String(i)).toString('base64') }],
    }));
    assert.equal(r.status, 200);
    assert.equal(r.body.error_code, 200);
    assert.equal(r.body.partition_id, i % 3);
    sent.push(`${i % 3}|key-${i}|${JSON.stringify(value)}|seq=${i}`);
  }
  const c = await runRaw('kcat', ['-b', tb.bootstrap, '-C', '-t', 'rest-kcat', '-o', 'beginning', '-e', '-c', '30', '-f', '%p|%k|%s|%h\\n'], { timeoutMs: 60_000 });
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(c.stdout.trim().split('\n').sort(), sent.sort());
});

test('kcat produces, the REST message browser reads the same bytes back', async () => {
  const created = await post('/api/v1/topics', JSON.stringify({ name: 'kcat-rest', partitions: 1 }));
  assert.equal(created.status, 201);
  const lines = Array.from({ length: 20 }, (_, i) => `k${i}:{"i":${i}}`);
  const p = await runRaw('kcat', ['-b', tb.bootstrap, '-P', '-t', 'kcat-rest', '-p', '0', '-K', ':'], { input: `${lines.join('\n')}\n`, timeoutMs: 60_000 });
  assert.equal(p.code, 0, p.stderr);
  const r = await fetch(`${base}/api/v1/topics/kcat-rest/messages?partition=0&offset=0&limit=100`);
  assert.equal(r.status, 200);
  const body = (await r.json()) as { messages: { offset: number; key: { text: string }; value: { text: string } }[] };
  assert.deepEqual(body.messages.map((m) => `${m.key.text}:${m.value.text}`), lines);
  const found = (await (await fetch(`${base}/api/v1/topics/kcat-rest/messages/search?key=k7`)).json()) as { messages: { offset: number }[] };
  assert.deepEqual(found.messages.map((m) => m.offset), [7]);
});

test('over HTTP: bad JSON, unknown topics and oversize bodies get 4xx with {error_code, message}', async () => {
  const cases: Array<[string, string, number]> = [
    [`/v3/clusters/${clusterId}/topics/rest-kcat/records`, '{"value": {', 400],
    [`/v3/clusters/${clusterId}/topics/no-such-topic/records`, '{"value":{"type":"STRING","data":"x"}}', 404],
    [`/v3/clusters/${clusterId}/topics/rest-kcat/records`, JSON.stringify({ value: { type: 'STRING', data: 'x'.repeat(70 * 1024) } }), 413],
    ['/api/v1/topics/rest-kcat/messages', '{"value": ', 400],
    ['/api/v1/topics/no-such-topic/messages', '{"value":"x"}', 404],
    ['/api/v1/topics/rest-kcat/messages', JSON.stringify({ value: 'x'.repeat(70 * 1024) }), 413],
  ];
  for (const [path, body, status] of cases) {
    const r = await post(path, body);
    assert.equal(r.status, status, `${path} ${body.slice(0, 30)}`);
    assert.deepEqual(Object.keys(r.body).sort(), ['error_code', 'message']);
    assert.equal(typeof r.body.message, 'string');
  }
});
