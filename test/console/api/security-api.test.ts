import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerConsole } from '../../../src/console/api/register-console.js';
import { startAclBroker } from '../../helpers/acl-broker.js';
import type { TestBroker } from '../../helpers/test-broker.js';
import { json } from './console-api-helpers.js';

// Two consoles on one broker: `admin` on the PLAINTEXT listener (User:ANONYMOUS, a super
// user), `login` on the SASL_PLAINTEXT listener, where each request acts as its Basic user.
let tb: TestBroker;
let admin: FastifyInstance;
let login: FastifyInstance;

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

before(async () => {
  tb = await startAclBroker({ alice: 'alice-secret', bob: 'bob-secret' });
  admin = Fastify();
  registerConsole(admin, { bootstrapServers: [tb.bootstrap] });
  login = Fastify();
  registerConsole(login, { bootstrapServers: [tb.broker.listenerAddress('SASL_PLAINTEXT')], saslMechanism: 'PLAIN' });
  await Promise.all([admin.ready(), login.ready()]);
  for (const name of ['alices-topic', 'secret-topic']) {
    assert.equal((await admin.inject({ method: 'POST', url: '/api/v1/topics', payload: { name, partitions: 1 } })).statusCode, 201);
  }
});
after(async () => {
  await admin.close();
  await login.close();
  await tb.close();
});

test('ACLs: create, list by filter, delete', async () => {
  const acl = { resource_type: 'TOPIC', resource_name: 'alices-', pattern_type: 'PREFIXED', principal: 'User:alice', host: '*', operation: 'ALL', permission: 'ALLOW' };
  const created = await admin.inject({ method: 'POST', url: '/api/v1/acls', payload: acl });
  assert.equal(created.statusCode, 201, created.body);
  const cluster = { resource_type: 'CLUSTER', resource_name: 'kafka-cluster', principal: 'User:alice', operation: 'DESCRIBE', permission: 'ALLOW' };
  assert.equal((await admin.inject({ method: 'POST', url: '/api/v1/acls', payload: cluster })).statusCode, 201);
  const listed = json<{ acls: unknown[] }>(await admin.inject({ method: 'GET', url: '/api/v1/acls?principal=User:alice&resource_type=TOPIC' }));
  assert.deepEqual(listed.acls, [acl]);
  const bad = await admin.inject({ method: 'POST', url: '/api/v1/acls', payload: { ...acl, operation: 'FLY' } });
  assert.equal(bad.statusCode, 400);
  const temp = { ...acl, resource_name: 'temp', pattern_type: 'LITERAL', operation: 'READ' };
  assert.equal((await admin.inject({ method: 'POST', url: '/api/v1/acls', payload: temp })).statusCode, 201);
  const deleted = json<{ deleted: unknown[] }>(await admin.inject({ method: 'DELETE', url: '/api/v1/acls?resource_type=TOPIC&resource_name=temp' }));
  assert.deepEqual(deleted.deleted, [temp]);
});

test('a logged-in user acts as its principal: the broker applies its ACLs', async () => {
  const missing = await login.inject({ method: 'GET', url: '/api/v1/topics' });
  assert.equal(missing.statusCode, 401);
  assert.match(String(missing.headers['www-authenticate']), /^Basic/);
  const wrong = await login.inject({ method: 'GET', url: '/api/v1/topics', headers: basic('alice', 'guess') });
  assert.equal(wrong.statusCode, 401, wrong.body);
  assert.match(json<{ message: string }>(wrong).message, /SASL_AUTHENTICATION_FAILED/);

  const cluster = json<{ principal: string }>(await login.inject({ method: 'GET', url: '/api/v1/cluster', headers: basic('alice', 'alice-secret') }));
  assert.equal(cluster.principal, 'User:alice');
  const topics = json<{ topics: { name: string }[] }>(await login.inject({ method: 'GET', url: '/api/v1/topics', headers: basic('alice', 'alice-secret') }));
  assert.deepEqual(topics.topics.map((t) => t.name), ['alices-topic'], 'topics alice may not describe are not listed');
  const produced = await login.inject({ method: 'POST', url: '/api/v1/topics/alices-topic/messages', headers: basic('alice', 'alice-secret'), payload: { value: 'mine' } });
  assert.equal(produced.statusCode, 201, produced.body);
  const denied = await login.inject({ method: 'POST', url: '/api/v1/topics', headers: basic('bob', 'bob-secret'), payload: { name: 'bobs' } });
  assert.equal(denied.statusCode, 403, denied.body);
  const deniedRead = await login.inject({ method: 'GET', url: '/api/v1/topics/secret-topic/configs', headers: basic('alice', 'alice-secret') });
  assert.equal(deniedRead.statusCode, 403, deniedRead.body);
});

test('SCRAM users: set a credential, list, remove', async () => {
  const set = await admin.inject({ method: 'PUT', url: '/api/v1/users/carol', payload: { mechanism: 'SCRAM-SHA-256', password: 'pw', iterations: 4096 } });
  assert.equal(set.statusCode, 204, set.body);
  const users = json<{ users: { name: string; credentials: { mechanism: string; iterations: number }[] }[] }>(await admin.inject({ method: 'GET', url: '/api/v1/users' }));
  assert.deepEqual(users.users.find((u) => u.name === 'carol'), { name: 'carol', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] });
  assert.equal((await admin.inject({ method: 'PUT', url: '/api/v1/users/carol', payload: { mechanism: 'MD5', password: 'pw' } })).statusCode, 400);
  assert.equal((await admin.inject({ method: 'DELETE', url: '/api/v1/users/carol?mechanism=SCRAM-SHA-256' })).statusCode, 204);
  const again = await admin.inject({ method: 'DELETE', url: '/api/v1/users/carol?mechanism=SCRAM-SHA-256' });
  assert.equal(again.statusCode, 404, again.body);
  const after = json<{ users: { name: string }[] }>(await admin.inject({ method: 'GET', url: '/api/v1/users' }));
  assert.ok(!after.users.some((u) => u.name === 'carol'));
});
