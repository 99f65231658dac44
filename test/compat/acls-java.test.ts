/**
 * Issue 16's ACL compat proof: Kafka's own kafka-acls.sh (AclCommand from the Apache Kafka
 * 4.4.0 jars) adds, lists and removes ACLs against a Millrace broker with the
 * StandardAuthorizer, and the Java client (kafka-clients 4.4.0) over SASL_PLAINTEXT is let
 * through or refused as those ACLs say: alice, with READ and WRITE on the topic, produces
 * (idempotent) and consumes; bob, without ACLs, is refused; alice too once hers are removed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import type { TestBroker } from '../helpers/test-broker.js';
import { startAclBroker } from '../helpers/acl-broker.js';
import { createTopics, WireClient } from '../helpers/wire-client.js';
import { runJavaSecureClient } from './clients/secure-drivers.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { runKafkaTool } from './setup/kafka-tool.js';

const TOPIC = 'acl-compat';
/** The CIDR test's own topic: the first test's records stay in TOPIC. */
const CIDR_TOPIC = 'acl-compat-cidr';
const COUNT = 20;
const EXPECTED = Array.from({ length: COUNT }, (_, i) => `v${i}`);

let tb: TestBroker;
let admin: WireClient;
let dir: string;

before(async () => {
  // kafka-acls.sh connects on the PLAINTEXT listener, as User:ANONYMOUS: the administrator here.
  tb = await startAclBroker({ alice: 'alice-secret', bob: 'bob-secret' });
  admin = await WireClient.connect(tb.bootstrap, { apiVersions: true });
  await createTopics(admin, [{ name: TOPIC, partitions: 1 }, { name: CIDR_TOPIC, partitions: 1 }]);
  dir = mkdtempSync(path.join(tmpdir(), 'millrace-acl-compat-'));
});

after(async () => {
  admin?.close();
  await tb?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const acls = (args: string[]) => runKafkaTool('org.apache.kafka.tools.AclCommand', ['--bootstrap-server', tb.bootstrap, ...args], { timeoutMs: 120_000 });

/** The Java driver (produce COUNT records idempotently, read them back) as `user` over SASL_PLAINTEXT/PLAIN. */
async function javaClient(user: string, password: string, topic = TOPIC): Promise<{ code: number | null; out: string }> {
  const props = path.join(dir, `${user}.properties`);
  writeFileSync(props, [
    'security.protocol=SASL_PLAINTEXT',
    'sasl.mechanism=PLAIN',
    `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${password}";`,
    'max.block.ms=15000',
    'delivery.timeout.ms=15000',
    'request.timeout.ms=10000',
    'default.api.timeout.ms=15000',
  ].join('\n') + '\n');
  const r = await runJavaSecureClient(tb.broker.listenerAddress('SASL_PLAINTEXT'), topic, COUNT, props, { timeoutMs: 120_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

function consumed(out: string): string[] | null {
  const line = out.split('\n').find((l) => l.startsWith('{"consumed"'));
  return line === undefined ? null : (JSON.parse(line) as { consumed: string[] }).consumed;
}

test("kafka-acls.sh adds, lists and removes ACLs; the Java client is allowed and refused accordingly", async () => {
  await ensureKafkaJars();
  const add = await acls(['--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Write', '--topic', TOPIC]);
  assert.equal(add.code, 0, add.stderr + add.stdout);
  assert.match(add.stdout, /Adding ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=acl-compat, patternType=LITERAL\)`/);
  const list = await acls(['--list', '--topic', TOPIC]);
  assert.equal(list.code, 0, list.stderr + list.stdout);
  assert.match(list.stdout, /principal=User:alice, host=\*, operation=READ, permissionType=ALLOW/);
  assert.match(list.stdout, /principal=User:alice, host=\*, operation=WRITE, permissionType=ALLOW/);
  // The broker holds what the tool added.
  const described = await admin.request(ApiKey.DescribeAcls, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
  assert.deepEqual(described.resources.map((r) => [r.resourceName, r.acls.length]), [[TOPIC, 2]]);

  const alice = await javaClient('alice', 'alice-secret');
  assert.deepEqual(consumed(alice.out), EXPECTED, alice.out);
  const bob = await javaClient('bob', 'bob-secret');
  assert.notEqual(bob.code, 0, bob.out);
  assert.match(bob.out, /AuthorizationException/);

  const remove = await acls(['--remove', '--force', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Write', '--topic', TOPIC]);
  assert.equal(remove.code, 0, remove.stderr + remove.stdout);
  const empty = await acls(['--list', '--topic', TOPIC]);
  assert.doesNotMatch(empty.stdout, /User:alice/);
  const refused = await javaClient('alice', 'alice-secret');
  assert.notEqual(refused.code, 0, refused.out);
  assert.match(refused.out, /AuthorizationException/);
});

test('kafka-acls.sh adds ACLs with CIDR hosts (metadata.version 4.4-IV1); the Java client from 127.0.0.1 is inside 127.0.0.0/8 and outside 10.0.0.0/8', async () => {
  await ensureKafkaJars();
  // Outside the range only: alice (connecting from 127.0.0.1) is refused.
  const outside = await acls(['--add', '--allow-principal', 'User:alice', '--allow-host', '10.0.0.0/8', '--operation', 'All', '--topic', CIDR_TOPIC]);
  assert.equal(outside.code, 0, outside.stderr + outside.stdout);
  const refused = await javaClient('alice', 'alice-secret', CIDR_TOPIC);
  assert.notEqual(refused.code, 0, refused.out);
  assert.match(refused.out, /AuthorizationException/);

  // Inside: 127.0.0.0/8 holds the client's address.
  const inside = await acls(['--add', '--allow-principal', 'User:alice', '--allow-host', '127.0.0.0/8', '--operation', 'All', '--topic', CIDR_TOPIC]);
  assert.equal(inside.code, 0, inside.stderr + inside.stdout);
  const list = await acls(['--list', '--topic', CIDR_TOPIC]);
  assert.match(list.stdout, /principal=User:alice, host=127\.0\.0\.0\/8, operation=ALL, permissionType=ALLOW/);
  assert.match(list.stdout, /principal=User:alice, host=10\.0\.0\.0\/8, operation=ALL, permissionType=ALLOW/);
  const alice = await javaClient('alice', 'alice-secret', CIDR_TOPIC);
  assert.deepEqual(consumed(alice.out), EXPECTED, alice.out);

  // A DENY for a range holding the client wins over the ALLOW.
  const deny = await acls(['--add', '--deny-principal', 'User:alice', '--deny-host', '127.0.0.1/32', '--operation', 'Read', '--topic', CIDR_TOPIC]);
  assert.equal(deny.code, 0, deny.stderr + deny.stdout);
  const denied = await javaClient('alice', 'alice-secret', CIDR_TOPIC);
  assert.notEqual(denied.code, 0, denied.out);
  assert.match(denied.out, /AuthorizationException/);

  // Bad notation: Kafka's message through the tool.
  const bad = await acls(['--add', '--allow-principal', 'User:alice', '--allow-host', '10.0.0.256/8', '--operation', 'Read', '--topic', CIDR_TOPIC]);
  assert.match(bad.stdout + bad.stderr, /Invalid CIDR notation '10\.0\.0\.256\/8': Value \[256\] not in range \[0,255\]/);

  // --remove with no principal or host filter takes every ACL of the topic, CIDR hosts too.
  const removed = await acls(['--remove', '--force', '--topic', CIDR_TOPIC]);
  assert.equal(removed.code, 0, removed.stderr + removed.stdout);
  const none = await acls(['--list', '--topic', CIDR_TOPIC]);
  assert.doesNotMatch(none.stdout, /User:alice/);
});
