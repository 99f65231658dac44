// CIDR host patterns: validation messages and range matching as Kafka 4.4's CidrUtils gives them
// (the expected values are what kafka-clients 4.4.0's CidrUtils answered for each input), and
// the StandardAuthorizer matching a client address inside a CIDR host pattern.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrProblem, inCidrRange } from '../../../src/security/authorizer/cidr.js';
import { StandardAuthorizer, parseSuperUsers } from '../../../src/security/authorizer/standard-authorizer.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res, type AclBinding } from '../../../src/cluster/acls.js';

const VALIDATION: Array<[string, string | null]> = [
  ['10.0.0.0/8', null],
  ['2001:db8::/32', null],
  ['10.0.0.1/33', 'Value [33] not in range [0,32]'],
  ['10.0.0/8', 'Could not parse [10.0.0/8]'],
  ['10.0.0.256/8', 'Value [256] not in range [0,255]'],
  ['abc/8', 'Could not parse [abc/8]'],
  ['10.0.0.0/', 'Could not parse [10.0.0.0/]'],
  ['/8', 'Could not parse [/8]'],
  ['10.0.0.0/08', null],
  ['10.0.0.0/8/9', 'Could not parse [10.0.0.0/8/9]'],
  ['2001:db8::/129', 'Could not parse [2001:db8::/129] - prefix length must be between 0 and 128'],
  ['2001:db8::/x', 'Could not parse [2001:db8::/x] - invalid prefix length'],
  ['gg::/32', 'Could not parse [gg::]'],
  ['gg::/x', 'Could not parse [gg::/x] - invalid prefix length'],
  ['::/0', null],
  ['0.0.0.0/0', null],
  ['10.1.2.3/8', null],
  ['010.0.0.0/8', null],
  [' 10.0.0.0/8', 'Could not parse [ 10.0.0.0/8]'],
  ['10.0.0.0/8 ', 'Could not parse [10.0.0.0/8 ]'],
  ['2001:db8::1/-1', 'Could not parse [2001:db8::1/-1] - prefix length must be between 0 and 128'],
  ['::ffff:10.0.0.0/104', 'Could not parse [::ffff:10.0.0.0] - not an IPv6 address'],
  ['::ffff:0a00:0/104', 'Could not parse [::ffff:0a00:0] - not an IPv6 address'],
  ['fe80::1%eth0/64', null],
  ['2001:db8::/32/1', 'Could not parse [2001:db8::/32/1] - invalid prefix length'],
  [':/32', 'Could not parse [:]'],
  [':::/32', 'Could not parse [:::]'],
  ['2001:db8::/+32', null],
  ['2001:db8::/ 32', 'Could not parse [2001:db8::/ 32] - invalid prefix length'],
  ['[2001:db8::]/32', null],
  ['::1.2.3.4/128', null],
  ['1:2:3:4:5:6:7:8/64', null],
  ['1:2:3:4:5:6:7:8:9/64', 'Could not parse [1:2:3:4:5:6:7:8:9]'],
  ['2001:DB8::/32', null],
  ['2001:db8::/-0', null],
  ['2001:db8::/99999999999', 'Could not parse [2001:db8::/99999999999] - invalid prefix length'],
  ['10.0.0.0/8:', 'Could not parse [10.0.0.0/8:] - invalid prefix length'],
  ['1::2::3/64', 'Could not parse [1::2::3]'],
  ['10.0.0.0/8%', 'Could not parse [10.0.0.0/8%]'],
];

test('CIDR host patterns are validated with the messages of Kafka 4.4 CidrUtils', () => {
  for (const [cidr, expected] of VALIDATION) assert.equal(cidrProblem(cidr), expected, cidr);
});

const RANGES: Array<[string, string, boolean]> = [
  ['10.1.2.3', '10.0.0.0/8', true],
  ['11.0.0.1', '10.0.0.0/8', false],
  ['10.0.0.0', '10.0.0.0/8', true],
  ['10.255.255.255', '10.0.0.0/8', true],
  ['2001:db8::1', '2001:db8::/32', true],
  ['2001:db9::1', '2001:db8::/32', false],
  ['10.1.2.3', '2001:db8::/32', false],
  ['2001:db8::1', '10.0.0.0/8', false],
  ['1.2.3.4', '0.0.0.0/0', true],
  ['10.1.2.3', '10.1.2.3/32', true],
  ['10.1.2.4', '10.1.2.3/32', false],
  ['::ffff:10.1.2.3', '10.0.0.0/8', false],
  ['0:0:0:0:0:0:0:1', '::1/128', true],
  ['10.1.2.3', '10.1.2.3', false],
  ['10.1.2.3', '10.0.0.1/8', true],
  ['2001:0db8:0:0:0:0:0:1', '2001:db8::/32', true],
  ['fe80:0:0:0:0:0:0:1%eth0', 'fe80::/10', true],
  ['febf:0:0:0:0:0:0:1', 'fe80::/10', true],
  ['fec0:0:0:0:0:0:0:1', 'fe80::/10', false],
  ['10.1.2.3', '::/0', false],
  ['2001:db8::1', '::/0', true],
  ['172.16.5.4', '172.16.0.0/12', true],
  ['172.32.0.1', '172.16.0.0/12', false],
  ['10.1.2.3', '10.0.0.0/33', false],
];

test('a client address is in a CIDR range as Kafka 4.4 CidrUtils.isInRange says', () => {
  for (const [address, cidr, expected] of RANGES) assert.equal(inCidrRange(address, cidr), expected, `${address} in ${cidr}`);
});

test('the StandardAuthorizer matches ALLOW and DENY ACLs whose host is a CIDR range holding the client', () => {
  const acl = (host: string, permission: number, operation = Op.Read): AclBinding => ({ resourceType: Res.Topic, resourceName: 't', patternType: Pat.Literal, principal: 'User:alice', host, operation, permission });
  const authorizer = (bindings: AclBinding[]) => new StandardAuthorizer({ superUsers: parseSuperUsers(null), allowEveryoneIfNoAclFound: false }, () => ({ bindings }));
  const allowTen = authorizer([acl('10.0.0.0/8', Perm.Allow)]);
  assert.equal(allowTen.authorize('User:alice', '10.9.8.7', Op.Read, Res.Topic, 't'), true);
  assert.equal(allowTen.authorize('User:alice', '10.9.8.7', Op.Describe, Res.Topic, 't'), true, 'READ implies DESCRIBE');
  assert.equal(allowTen.authorize('User:alice', '192.168.0.1', Op.Read, Res.Topic, 't'), false);
  assert.equal(allowTen.authorize('User:alice', '2001:db8:0:0:0:0:0:1', Op.Read, Res.Topic, 't'), false);
  const denySubnet = authorizer([acl('*', Perm.Allow), acl('10.1.0.0/16', Perm.Deny)]);
  assert.equal(denySubnet.authorize('User:alice', '10.1.200.3', Op.Read, Res.Topic, 't'), false);
  assert.equal(denySubnet.authorize('User:alice', '10.2.0.3', Op.Read, Res.Topic, 't'), true);
  const v6 = authorizer([acl('2001:db8::/32', Perm.Allow)]);
  assert.equal(v6.authorize('User:alice', '2001:db8:1:0:0:0:0:5', Op.Read, Res.Topic, 't'), true);
  assert.equal(v6.authorize('User:alice', '2001:db9:0:0:0:0:0:5', Op.Read, Res.Topic, 't'), false);
});
