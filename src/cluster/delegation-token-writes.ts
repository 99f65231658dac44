/**
 * The etcd transactions behind KvMetadataStore's delegation tokens: a token written whole
 * (created, or with a new expiry) guarded by the revision of the token it was computed from,
 * and tokens removed (expired or swept). Each resolves with the revision of its write (null
 * when there was nothing to write); the store then waits for its image to reach that revision.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { MetadataError } from './metadata.js';
import { encodeRecord, type ClusterKeys } from './cluster-keys.js';
import type { MetadataImage } from './metadata-image.js';
import { modRevisionIs, type Kv, type Op } from './kv/kv.js';
import { encodeToken, type TokenInformation } from './delegation-tokens.js';

/**
 * Puts `token`, computed from `basis` (the token as the image held it, undefined for a new
 * one): refused when another broker changed or removed the token meanwhile.
 */
export async function writeDelegationToken(kv: Kv, keys: ClusterKeys, image: MetadataImage, token: TokenInformation, basis: TokenInformation | undefined): Promise<number> {
  const current = image.tokens.get(token.tokenId);
  if (current?.record !== basis) throw changedMeanwhile(token.tokenId);
  const key = keys.delegationToken(token.tokenId);
  const r = await kv.txn({ compares: [modRevisionIs(key, current?.modRevision ?? 0)], success: [{ type: 'put', key, value: encodeRecord(encodeToken(token)) }] });
  if (!r.succeeded) throw changedMeanwhile(token.tokenId);
  return r.revision;
}

/** Deletes the tokens of `tokenIds` the image holds; deleting one already gone is a no-op. */
export async function deleteDelegationTokens(kv: Kv, keys: ClusterKeys, image: MetadataImage, tokenIds: readonly string[]): Promise<number | null> {
  const ops: Op[] = [];
  for (const id of tokenIds) if (image.tokens.has(id)) ops.push({ type: 'delete', key: keys.delegationToken(id) });
  if (ops.length === 0) return null;
  const r = await kv.txn({ compares: [], success: ops });
  return r.revision;
}

function changedMeanwhile(tokenId: string): MetadataError {
  return new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, `Delegation token ${tokenId} changed meanwhile; try again.`);
}
