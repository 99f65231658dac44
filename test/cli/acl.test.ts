// `millrace acl add|list|remove` through the real bin against an embedded broker with the
// StandardAuthorizer; the ACLs it adds decide what a SASL user may do.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { defaultMetadataRequestTopic } from '../../src/protocol/generated/metadata-request.js';
import { makeTopic, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { startAclBroker } from '../helpers/acl-broker.js';
import { connectSaslPlain } from '../helpers/sasl-client.js';
import { cli, ok } from './cli-harness.js';

let tb: TestBroker;

before(async () => {
  // The CLI connects on the PLAINTEXT listener, as User:ANONYMOUS.
  tb = await startAclBroker({ alice: 'alice-secret' });
  await makeTopic(tb, 'orders', 1);
});

after(async () => {
  await tb?.close();
});

async function aliceSeesOrders(): Promise<boolean> {
  const alice = await connectSaslPlain(tb.broker.listenerAddress('SASL_PLAINTEXT'), 'alice', 'alice-secret');
  try {
    const md = await alice.request(ApiKey.Metadata, 12, { topics: [{ ...defaultMetadataRequestTopic(), name: 'orders' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const code = md.topics[0]!.errorCode;
    assert.ok(code === ErrorCode.NONE || code === ErrorCode.TOPIC_AUTHORIZATION_FAILED, `unexpected ${code}`);
    return code === ErrorCode.NONE;
  } finally {
    alice.close();
  }
}

test('acl add, list and remove decide what a user may do', async () => {
  const b = ['--bootstrap-server', tb.bootstrap];
  assert.equal(await aliceSeesOrders(), false);
  assert.equal(await ok(['acl', 'add', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Write', '--topic', 'orders', ...b]), 'Added 2 ACLs.\n');
  await ok(['acl', 'add', '--deny-principal', 'User:mallory', '--deny-host', '10.0.0.9', '--group', 'billing-', '--resource-pattern-type', 'prefixed', ...b]);
  assert.equal(await ok(['acl', 'list', '--topic', 'orders', ...b]), [
    'RESOURCE-TYPE  NAME    PATTERN  PRINCIPAL   HOST  OPERATION  PERMISSION',
    'TOPIC          orders  LITERAL  User:alice  *     READ       ALLOW',
    'TOPIC          orders  LITERAL  User:alice  *     WRITE      ALLOW',
    '',
  ].join('\n'));
  const all = JSON.parse(await ok(['acl', 'list', '--json', ...b])) as Array<{ resourceType: string; resourceName: string; patternType: string; principal: string; host: string; permission: string }>;
  assert.deepEqual(all.map((a) => `${a.resourceType}:${a.patternType}:${a.resourceName} ${a.principal}@${a.host} ${a.permission}`).sort(), [
    'GROUP:PREFIXED:billing- User:mallory@10.0.0.9 DENY',
    'TOPIC:LITERAL:orders User:alice@* ALLOW',
    'TOPIC:LITERAL:orders User:alice@* ALLOW',
  ]);
  // MATCH: what applies to the group billing-eu.
  const match = JSON.parse(await ok(['acl', 'list', '--group', 'billing-eu', '--resource-pattern-type', 'match', '--json', ...b])) as unknown[];
  assert.equal(match.length, 1);
  assert.equal(await aliceSeesOrders(), true);

  assert.equal(await ok(['acl', 'remove', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Write', '--topic', 'orders', ...b]), 'Removed 2 ACLs.\n');
  assert.equal(await ok(['acl', 'list', '--topic', 'orders', ...b]), 'No ACLs.\n');
  assert.equal(await aliceSeesOrders(), false);

  const noPrincipal = await cli(['acl', 'add', '--topic', 'orders', ...b]);
  assert.equal(noPrincipal.code, 1);
  assert.match(noPrincipal.stderr, /name a principal/);
  const badOp = await cli(['acl', 'add', '--allow-principal', 'User:x', '--operation', 'Juggle', '--topic', 'orders', ...b]);
  assert.equal(badOp.code, 1);
  assert.match(badOp.stderr, /--operation Juggle/);
});

test('acl commands against a broker without an authorizer report SECURITY_DISABLED', async () => {
  const plain = await startTestBroker();
  try {
    const r = await cli(['acl', 'list', '--bootstrap-server', plain.bootstrap]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SECURITY_DISABLED/);
  } finally {
    await plain.close();
  }
});
