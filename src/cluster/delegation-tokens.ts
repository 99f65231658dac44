/**
 * Delegation tokens (KIP-48) as the cluster metadata keeps them (Kafka's DelegationTokenRecord):
 * the token id, its owner, the principal that asked for it, its renewers and its three
 * timestamps, never the HMAC, which every broker derives from the token id and
 * `delegation.token.secret.key`. The local store keeps them in its metadata file, the etcd
 * store one per key under `<root>tokens/<token id>`.
 */

/** Kafka's TokenInformation; principals as `Type:name` (KafkaPrincipal.toString). */
export interface TokenInformation {
  readonly tokenId: string;
  readonly owner: string;
  readonly tokenRequester: string;
  readonly renewers: readonly string[];
  readonly issueTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly expiryTimestamp: bigint;
}

/** How a token is written in JSON (timestamps as decimal strings: int64 does not fit a JSON number). */
export interface SavedToken {
  tokenId: string;
  owner: string;
  tokenRequester: string;
  renewers: string[];
  issueTimestamp: string;
  maxTimestamp: string;
  expiryTimestamp: string;
}

export function encodeToken(t: TokenInformation): SavedToken {
  return {
    tokenId: t.tokenId,
    owner: t.owner,
    tokenRequester: t.tokenRequester,
    renewers: [...t.renewers],
    issueTimestamp: t.issueTimestamp.toString(),
    maxTimestamp: t.maxTimestamp.toString(),
    expiryTimestamp: t.expiryTimestamp.toString(),
  };
}

export function decodeToken(s: SavedToken): TokenInformation {
  return {
    tokenId: s.tokenId,
    owner: s.owner,
    tokenRequester: s.tokenRequester,
    renewers: [...s.renewers],
    issueTimestamp: BigInt(s.issueTimestamp),
    maxTimestamp: BigInt(s.maxTimestamp),
    expiryTimestamp: BigInt(s.expiryTimestamp),
  };
}

/** True when `principal` is the token's owner, the principal that asked for it or a renewer (TokenInformation.ownerOrRenewer). */
export function ownerOrRenewer(t: TokenInformation, principal: string): boolean {
  return t.owner === principal || t.tokenRequester === principal || t.renewers.includes(principal);
}

/** A token past its expiry or its maximum lifetime at `nowMs` (what the expiry sweep removes). */
export function tokenExpired(t: TokenInformation, nowMs: bigint): boolean {
  return t.maxTimestamp < nowMs || t.expiryTimestamp < nowMs;
}
