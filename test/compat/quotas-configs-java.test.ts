/**
 * Issue 16's quota admin proof: Kafka's own kafka-configs.sh (ConfigCommand from the Apache
 * Kafka 4.4.0 jars) sets, describes and deletes client quotas of users, client ids, a
 * (user, client id) pair and the defaults on a Millrace broker, and what it wrote is what
 * DescribeClientQuotas answers on the wire.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { runKafkaTool } from './setup/kafka-tool.js';

let tb: TestBroker;
let admin: WireClient;

before(async () => {
  tb = await startTestBroker();
  admin = await WireClient.connect(tb.bootstrap, { apiVersions: true });
});

after(async () => {
  admin?.close();
  await tb?.close();
});

const configs = (args: string[]) => runKafkaTool('org.apache.kafka.tools.ConfigCommand', ['--bootstrap-server', tb.bootstrap, ...args], { timeoutMs: 120_000 });

async function describedQuotas(): Promise<string[]> {
  const r = await admin.request(ApiKey.DescribeClientQuotas, 1, { components: [], strict: false });
  assert.equal(r.errorCode, 0, r.errorMessage ?? '');
  return (r.entries ?? []).map((e) => `${e.entity.map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).join(',')}:${e.values.map((v) => `${v.key}=${v.value}`).sort().join(',')}`).sort();
}

test("Kafka's kafka-configs.sh sets, describes and deletes client quotas", async () => {
  await ensureKafkaJars();
  const alters: string[][] = [
    ['--add-config', 'producer_byte_rate=1024,consumer_byte_rate=2048', '--entity-type', 'users', '--entity-name', 'alice'],
    ['--add-config', 'producer_byte_rate=4096', '--entity-type', 'clients', '--entity-name', 'app'],
    ['--add-config', 'request_percentage=25.5', '--entity-type', 'users', '--entity-name', 'alice', '--entity-type', 'clients', '--entity-name', 'app'],
    ['--add-config', 'producer_byte_rate=512', '--entity-type', 'users', '--entity-default'],
    ['--add-config', 'consumer_byte_rate=8192', '--entity-type', 'clients', '--entity-default'],
  ];
  for (const args of alters) {
    const r = await configs(['--alter', ...args]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Completed updating (default )?config for/);
  }
  assert.deepEqual(await describedQuotas(), [
    'client-id=<default>:consumer_byte_rate=8192',
    'client-id=app:producer_byte_rate=4096',
    'user=<default>:producer_byte_rate=512',
    'user=alice,client-id=app:request_percentage=25.5',
    'user=alice:consumer_byte_rate=2048,producer_byte_rate=1024',
  ]);
  const user = await configs(['--describe', '--entity-type', 'users', '--entity-name', 'alice']);
  assert.equal(user.code, 0, user.stderr + user.stdout);
  assert.match(user.stdout, /Quota configs for user-principal 'alice' are consumer_byte_rate=2048\.0, producer_byte_rate=1024\.0/);
  const client = await configs(['--describe', '--entity-type', 'clients', '--entity-name', 'app']);
  assert.equal(client.code, 0, client.stderr + client.stdout);
  assert.match(client.stdout, /Quota configs for client-id 'app' are producer_byte_rate=4096\.0/);
  const bad = await configs(['--alter', '--add-config', 'producer_byte_rate=-5', '--entity-type', 'clients', '--entity-name', 'app']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /must be greater than 0/);
  const del = await configs(['--alter', '--delete-config', 'producer_byte_rate', '--entity-type', 'users', '--entity-name', 'alice']);
  assert.equal(del.code, 0, del.stderr + del.stdout);
  assert.ok((await describedQuotas()).includes('user=alice:consumer_byte_rate=2048'));
});
