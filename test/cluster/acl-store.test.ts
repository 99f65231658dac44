// ACL bindings in both metadata stores: the local file store keeps them across a restart,
// and the etcd store (on the in-process MemoryKv) shows one broker's changes to the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import { openTwoKvStores, until } from './kv-stores.js';
import { AclOperation, AclPermission, PatternType, ResourceType, type AclBinding } from '../../src/cluster/acls.js';

const READ_T: AclBinding = { resourceType: ResourceType.Topic, resourceName: 'a/b', patternType: PatternType.Literal, principal: 'User:alice', host: '*', operation: AclOperation.Read, permission: AclPermission.Allow };
const DENY_G: AclBinding = { resourceType: ResourceType.Group, resourceName: 'g-', patternType: PatternType.Prefixed, principal: 'User:*', host: '10.0.0.1', operation: AclOperation.All, permission: AclPermission.Deny };

const sorted = (bs: readonly AclBinding[]) => bs.map((b) => JSON.stringify(b)).sort();

test('the local store keeps ACLs across a restart; creating twice and deleting the absent are no-ops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-acl-local-'));
  const self = { nodeId: 1, host: '127.0.0.1', port: 9092, rack: null };
  try {
    const s = LocalMetadataStore.open(dir, self);
    const empty = s.acls();
    assert.deepEqual(empty.bindings, []);
    await s.alterAcls([READ_T, DENY_G, { ...READ_T }], []);
    assert.notEqual(s.acls(), empty, 'a change gives a new snapshot');
    assert.deepEqual(sorted(s.acls().bindings), sorted([READ_T, DENY_G]));
    await s.alterAcls([], [DENY_G, { ...DENY_G, host: 'elsewhere' }]);
    assert.deepEqual(sorted(s.acls().bindings), sorted([READ_T]));
    const reopened = LocalMetadataStore.open(dir, self);
    assert.deepEqual(sorted(reopened.acls().bindings), sorted([READ_T]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ACLs are shared between brokers through the kv store', async () => {
  const { a, b, close } = await openTwoKvStores((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9100 + nodeId, rack: null }));
  try {
    await a.alterAcls([READ_T, DENY_G], []);
    assert.deepEqual(sorted(a.acls().bindings), sorted([READ_T, DENY_G]));
    await until('the ACLs seen by broker 2', () => b.acls().bindings.length >= 2);
    assert.deepEqual(sorted(b.acls().bindings), sorted([READ_T, DENY_G]));
    const before = b.acls();
    assert.equal(b.acls(), before, 'the snapshot stays the same object while nothing changes');
    await b.alterAcls([], [READ_T]);
    await until('the deletion seen by broker 1', () => a.acls().bindings.length <= 1);
    assert.deepEqual(sorted(a.acls().bindings), sorted([DENY_G]));
  } finally {
    await close();
  }
});
