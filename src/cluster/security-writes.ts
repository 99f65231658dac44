/**
 * The etcd transactions behind the security metadata of KvMetadataStore: SCRAM credentials,
 * ACLs and client quotas. Each resolves with the revision of its write (null when there was
 * nothing to write); the store then waits for its image to reach that revision.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { MetadataError } from './metadata.js';
import { encodeRecord, type ClusterKeys } from './cluster-keys.js';
import type { MetadataImage } from './metadata-image.js';
import { modRevisionIs, type Compare, type Kv, type Op } from './kv/kv.js';
import { aclKey, type AclBinding } from './acls.js';
import { applyQuotaChanges, changedQuotaEntries, type QuotaChange } from './client-quotas.js';
import { applyScramChanges, encodeUserScram, type ScramChange } from './scram-credentials.js';

/** One transaction over every user touched, each guarded by the revision its new credentials were computed from. */
export async function writeScramChanges(kv: Kv, keys: ClusterKeys, image: MetadataImage, changes: readonly ScramChange[]): Promise<number | null> {
  const next = applyScramChanges((u) => image.scram.get(u)?.record, changes);
  const compares: Compare[] = [];
  const ops: Op[] = [];
  for (const [user, creds] of next) {
    const key = keys.scram(user);
    compares.push(modRevisionIs(key, image.scram.get(user)?.modRevision ?? 0));
    ops.push(creds.size === 0 ? { type: 'delete', key } : { type: 'put', key, value: encodeRecord(encodeUserScram(creds)) });
  }
  return guardedTxn(kv, compares, ops, 'SCRAM credentials changed meanwhile; try again.');
}

/** One transaction: puts and deletes of whole bindings are idempotent, so nothing needs guarding. */
export function writeAclChanges(kv: Kv, keys: ClusterKeys, add: readonly AclBinding[], remove: readonly AclBinding[]): Promise<number | null> {
  const ops: Op[] = [];
  for (const b of remove) ops.push({ type: 'delete', key: keys.acl(aclKey(b)) });
  for (const b of add) ops.push({ type: 'put', key: keys.acl(aclKey(b)), value: encodeRecord(b) });
  return guardedTxn(kv, [], ops, 'ACLs changed meanwhile; try again.');
}

/**
 * One transaction over every entity touched, each guarded by its key's revision: the new
 * quotas were computed from the image, so a concurrent change makes this one fail.
 */
export function writeQuotaChanges(kv: Kv, keys: ClusterKeys, image: MetadataImage, changes: readonly QuotaChange[]): Promise<number | null> {
  const current = image.clientQuotas();
  const compares: Compare[] = [];
  const ops: Op[] = [];
  for (const [entityKey, entry] of changedQuotaEntries(applyQuotaChanges(current, changes), changes)) {
    const key = keys.clientQuota(entityKey);
    compares.push(modRevisionIs(key, image.quotaRevisions.get(entityKey) ?? 0));
    if (entry !== undefined) ops.push({ type: 'put', key, value: encodeRecord(entry.quotas) });
    else if (current.entries.has(entityKey)) ops.push({ type: 'delete', key });
  }
  return guardedTxn(kv, compares, ops, 'Client quotas changed meanwhile; try again.');
}

async function guardedTxn(kv: Kv, compares: Compare[], ops: Op[], conflict: string): Promise<number | null> {
  if (ops.length === 0) return null;
  const r = await kv.txn({ compares, success: ops });
  if (!r.succeeded) throw new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, conflict);
  return r.revision;
}
