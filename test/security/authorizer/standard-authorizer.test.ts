import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StandardAuthorizer, parseSuperUsers } from '../../../src/security/authorizer/standard-authorizer.js';
import {
  AclOperation as Op,
  AclPermission as Perm,
  PatternType as Pat,
  ResourceType as Res,
  filterMatches,
  invalidAclReason,
  type AclBinding,
  type AclSnapshot,
} from '../../../src/cluster/acls.js';

function acl(resourceType: number, resourceName: string, patternType: number, principal: string, operation: number, permission: number, host = '*'): AclBinding {
  return { resourceType, resourceName, patternType, principal, host, operation, permission };
}

function authorizer(bindings: AclBinding[], opts: { superUsers?: string; allowEveryone?: boolean } = {}): StandardAuthorizer {
  const snap: AclSnapshot = { bindings };
  return new StandardAuthorizer({ superUsers: parseSuperUsers(opts.superUsers ?? null), allowEveryoneIfNoAclFound: opts.allowEveryone ?? false }, () => snap);
}

const ALICE = 'User:alice';
const BOB = 'User:bob';
const HOST = '10.0.0.1';

// [description, ACLs, principal, host, operation, resource type, resource name, expected]
const CASES: Array<[string, AclBinding[], string, string, number, number, string, boolean]> = [
  ['no ACLs: denied by default', [], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['literal ALLOW READ', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 't', true],
  ['literal ALLOW for another topic: ACLs exist elsewhere only, default deny', [acl(Res.Topic, 'u', Pat.Literal, ALICE, Op.Read, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['ALLOW for another principal', [acl(Res.Topic, 't', Pat.Literal, BOB, Op.Read, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['User:* matches everyone', [acl(Res.Topic, 't', Pat.Literal, 'User:*', Op.Read, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 't', true],
  ['wildcard resource *', [acl(Res.Topic, '*', Pat.Literal, ALICE, Op.Write, Perm.Allow)], ALICE, HOST, Op.Write, Res.Topic, 'anything', true],
  ['prefixed ALLOW matches names starting with it', [acl(Res.Topic, 'fin-', Pat.Prefixed, ALICE, Op.Read, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 'fin-ledger', true],
  ['prefixed ALLOW does not match other names', [acl(Res.Topic, 'fin-', Pat.Prefixed, ALICE, Op.Read, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 'hr-ledger', false],
  ['a literal * name under PREFIXED is a plain prefix, not a wildcard', [acl(Res.Topic, '*', Pat.Prefixed, ALICE, Op.Read, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['DENY wins over ALLOW', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow), acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Deny)], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['prefixed DENY wins over literal ALLOW', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow), acl(Res.Topic, 't', Pat.Prefixed, 'User:*', Op.All, Perm.Deny)], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['wildcard DENY wins over literal ALLOW', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.All, Perm.Allow), acl(Res.Topic, '*', Pat.Literal, ALICE, Op.Write, Perm.Deny)], ALICE, HOST, Op.Write, Res.Topic, 't', false],
  ['DENY of another operation does not deny', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow), acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Write, Perm.Deny)], ALICE, HOST, Op.Read, Res.Topic, 't', true],
  ['DENY ALL denies every operation', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow), acl(Res.Topic, 't', Pat.Literal, ALICE, Op.All, Perm.Deny)], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['DENY READ does not deny DESCRIBE (implication is for ALLOW only)', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Describe, Perm.Allow), acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Deny)], ALICE, HOST, Op.Describe, Res.Topic, 't', true],
  ['ALLOW ALL allows any operation', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.All, Perm.Allow)], ALICE, HOST, Op.AlterConfigs, Res.Topic, 't', true],
  ['READ implies DESCRIBE', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow)], ALICE, HOST, Op.Describe, Res.Topic, 't', true],
  ['WRITE implies DESCRIBE', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Write, Perm.Allow)], ALICE, HOST, Op.Describe, Res.Topic, 't', true],
  ['DELETE implies DESCRIBE', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Delete, Perm.Allow)], ALICE, HOST, Op.Describe, Res.Topic, 't', true],
  ['ALTER implies DESCRIBE', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Alter, Perm.Allow)], ALICE, HOST, Op.Describe, Res.Topic, 't', true],
  ['CREATE does not imply DESCRIBE', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Create, Perm.Allow)], ALICE, HOST, Op.Describe, Res.Topic, 't', false],
  ['DESCRIBE does not imply READ', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Describe, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['ALTER_CONFIGS implies DESCRIBE_CONFIGS', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.AlterConfigs, Perm.Allow)], ALICE, HOST, Op.DescribeConfigs, Res.Topic, 't', true],
  ['DESCRIBE_CONFIGS does not imply ALTER_CONFIGS', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.DescribeConfigs, Perm.Allow)], ALICE, HOST, Op.AlterConfigs, Res.Topic, 't', false],
  ['host filter: exact host', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow, HOST)], ALICE, HOST, Op.Read, Res.Topic, 't', true],
  ['host filter: other host', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow, '10.0.0.2')], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['DENY from one host only', [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow), acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Deny, '10.0.0.2')], ALICE, HOST, Op.Read, Res.Topic, 't', true],
  ['resource types are separate', [acl(Res.Group, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow)], ALICE, HOST, Op.Read, Res.Topic, 't', false],
  ['CLUSTER resource', [acl(Res.Cluster, 'kafka-cluster', Pat.Literal, ALICE, Op.IdempotentWrite, Perm.Allow)], ALICE, HOST, Op.IdempotentWrite, Res.Cluster, 'kafka-cluster', true],
  ['TRANSACTIONAL_ID prefixed', [acl(Res.TransactionalId, 'tx-', Pat.Prefixed, ALICE, Op.Write, Perm.Allow)], ALICE, HOST, Op.Write, Res.TransactionalId, 'tx-1', true],
];

test('StandardAuthorizer decisions follow Kafka\'s semantics', () => {
  for (const [what, acls, principal, host, op, type, name, expected] of CASES) {
    assert.equal(authorizer(acls).authorize(principal, host, op, type, name), expected, what);
  }
});

test('super.users are allowed everything, DENY ACLs notwithstanding', () => {
  const a = authorizer([acl(Res.Topic, 't', Pat.Literal, 'User:admin', Op.All, Perm.Deny)], { superUsers: ' User:admin ;User:ops;' });
  assert.equal(a.authorize('User:admin', HOST, Op.Read, Res.Topic, 't'), true);
  assert.equal(a.authorize('User:ops', HOST, Op.Alter, Res.Cluster, 'kafka-cluster'), true);
  assert.equal(a.authorize(ALICE, HOST, Op.Read, Res.Topic, 't'), false);
  assert.deepEqual([...parseSuperUsers(' User:admin ;User:ops;')], ['User:admin', 'User:ops']);
});

test('allow.everyone.if.no.acl.found applies only to resources without any ACL', () => {
  const a = authorizer([acl(Res.Topic, 't', Pat.Literal, BOB, Op.Read, Perm.Allow)], { allowEveryone: true });
  assert.equal(a.authorize(ALICE, HOST, Op.Read, Res.Topic, 'other'), true);
  assert.equal(a.authorize(ALICE, HOST, Op.Read, Res.Group, 'g'), true);
  // t has an ACL (for bob): alice is denied.
  assert.equal(a.authorize(ALICE, HOST, Op.Read, Res.Topic, 't'), false);
  assert.equal(a.authorize(BOB, HOST, Op.Read, Res.Topic, 't'), true);
});

test('the index follows the store: a new snapshot is seen by the next decision', () => {
  let snap: AclSnapshot = { bindings: [] };
  const a = new StandardAuthorizer({ superUsers: new Set(), allowEveryoneIfNoAclFound: false }, () => snap);
  assert.equal(a.authorize(ALICE, HOST, Op.Read, Res.Topic, 't'), false);
  snap = { bindings: [acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow)] };
  assert.equal(a.authorize(ALICE, HOST, Op.Read, Res.Topic, 't'), true);
  snap = { bindings: [] };
  assert.equal(a.authorize(ALICE, HOST, Op.Read, Res.Topic, 't'), false);
});

test('authorizeByResourceType (KIP-679): some allowed resource of the type, not cancelled by a DENY', () => {
  const w = (bindings: AclBinding[], opts = {}) => authorizer(bindings, opts).authorizeByResourceType(ALICE, HOST, Op.Write, Res.Topic);
  assert.equal(w([]), false);
  assert.equal(w([], { allowEveryone: true }), true);
  assert.equal(w([acl(Res.Topic, 'x', Pat.Literal, ALICE, Op.Write, Perm.Allow)]), true);
  assert.equal(w([acl(Res.Topic, 'x', Pat.Prefixed, ALICE, Op.Write, Perm.Allow)]), true);
  assert.equal(w([acl(Res.Topic, 'x', Pat.Literal, ALICE, Op.Write, Perm.Allow), acl(Res.Topic, 'x', Pat.Literal, ALICE, Op.Write, Perm.Deny)]), false);
  assert.equal(w([acl(Res.Topic, 'xy', Pat.Literal, ALICE, Op.Write, Perm.Allow), acl(Res.Topic, 'x', Pat.Prefixed, ALICE, Op.Write, Perm.Deny)]), false);
  assert.equal(w([acl(Res.Topic, 'x', Pat.Literal, ALICE, Op.Write, Perm.Allow), acl(Res.Topic, '*', Pat.Literal, ALICE, Op.All, Perm.Deny)]), false);
  assert.equal(w([acl(Res.Topic, 'x', Pat.Literal, BOB, Op.Write, Perm.Allow)]), false);
  assert.equal(w([], { superUsers: ALICE }), true);
});

test('ACL validation and filters as Kafka\'s AclControlManager and AclBindingFilter', () => {
  const ok = acl(Res.Topic, 't', Pat.Literal, ALICE, Op.Read, Perm.Allow);
  assert.equal(invalidAclReason(ok), null);
  assert.equal(invalidAclReason({ ...ok, resourceType: Res.Any }), 'Invalid resourceType ANY');
  assert.equal(invalidAclReason({ ...ok, patternType: Pat.Match }), 'Invalid patternType MATCH');
  assert.equal(invalidAclReason({ ...ok, operation: Op.Any }), 'Invalid operation ANY');
  assert.equal(invalidAclReason({ ...ok, permission: Perm.Any }), 'Invalid permissionType ANY');
  assert.equal(invalidAclReason({ ...ok, resourceName: '' }), 'Resource name should not be empty');
  assert.equal(invalidAclReason({ ...ok, resourceType: Res.Cluster, resourceName: 'c' }), 'The only valid name for the CLUSTER resource is kafka-cluster');
  assert.match(invalidAclReason({ ...ok, principal: 'alice' }) ?? '', /no colon is present/);
  const any = { resourceType: Res.Any, resourceName: null, patternType: Pat.Any, principal: null, host: null, operation: Op.Any, permission: Perm.Any };
  assert.equal(filterMatches(any, ok), true);
  assert.equal(filterMatches({ ...any, patternType: Pat.Match, resourceName: 'topic' }, acl(Res.Topic, 'to', Pat.Prefixed, ALICE, Op.Read, Perm.Allow)), true);
  assert.equal(filterMatches({ ...any, patternType: Pat.Match, resourceName: 'topic' }, acl(Res.Topic, '*', Pat.Literal, ALICE, Op.Read, Perm.Allow)), true);
  assert.equal(filterMatches({ ...any, patternType: Pat.Match, resourceName: 'topic' }, acl(Res.Topic, 'other', Pat.Literal, ALICE, Op.Read, Perm.Allow)), false);
  assert.equal(filterMatches({ ...any, patternType: Pat.Literal, resourceName: 't' }, acl(Res.Topic, 't', Pat.Prefixed, ALICE, Op.Read, Perm.Allow)), false);
  assert.equal(filterMatches({ ...any, principal: BOB }, ok), false);
  assert.equal(filterMatches({ ...any, operation: Op.Read, permission: Perm.Allow, host: '*' }, ok), true);
});
