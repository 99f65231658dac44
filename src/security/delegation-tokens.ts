/**
 * Delegation tokens (KIP-48) as Kafka's DelegationTokenControlManager decides them and its
 * DelegationTokenCache serves them, over the tokens of the cluster metadata:
 * - a token's HMAC is HMAC-SHA512 of its id under `delegation.token.secret.key`, never stored;
 *   renew and expire name a token by it;
 * - create: the lifetime is `delegation.token.max.lifetime.ms`, or less when the request asks;
 *   the expiry is `delegation.token.expiry.time.ms` from now, never past the lifetime;
 * - renew: only by the owner or a renewer, of a token not yet expired; expire likewise, a
 *   negative period removing the token at once;
 * - tokens past their expiry are removed by `sweep` (every
 *   `delegation.token.expiry.check.interval.ms`, by the controller);
 * - a client authenticates with SCRAM-SHA-256/512 and `tokenauth=true`, the token id as user
 *   name and the base64 HMAC as password; the SCRAM credential is derived from that password
 *   (4096 iterations, as Kafka's) the first time it is asked for.
 * Without a secret key nothing is served: every API answers DELEGATION_TOKEN_AUTH_DISABLED.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { MetadataStore } from '../cluster/metadata.js';
import { tokenExpired, type TokenInformation } from '../cluster/delegation-tokens.js';
import type { ScramCredential } from '../cluster/scram-credentials.js';
import { scramCredentialFromPassword, type ScramMechanism } from './sasl/scram.js';

export interface DelegationTokenSettings {
  /** `delegation.token.secret.key`; null or empty disables tokens. */
  readonly secretKey: string | null;
  /** `delegation.token.max.lifetime.ms` (7 days). */
  readonly maxLifetimeMs: bigint;
  /** `delegation.token.expiry.time.ms` (1 day): how long a token lives between renewals. */
  readonly expiryTimeMs: bigint;
}

/** KafkaPrincipal.USER_TYPE: the one type a renewer may have. */
export const USER_TYPE = 'User';

/** What a create answered: the token made, or the error with the timestamps Kafka's controller leaves at 0. */
export interface CreatedToken {
  errorCode: number;
  token: TokenInformation | null;
  hmac: Buffer;
}

/** What renew and expire answer. */
export interface TokenExpiry {
  errorCode: number;
  expiryTimestamp: bigint;
}

/** What SCRAM with `tokenauth=true` needs of a token. */
export interface TokenCredential {
  credential: ScramCredential;
  /** The owner's name: the authenticated principal is `User:<owner name>`, as Kafka's principal builder makes it. */
  ownerName: string;
  expiryTimestamp: bigint;
}

const EMPTY = Buffer.alloc(0);
const NO_TOKENS: ReadonlyMap<string, TokenInformation> = new Map();

/** now + duration, saturated at Long.MAX_VALUE as Kafka's sum does. */
function sum(now: bigint, duration: bigint): bigint {
  const max = 0x7fffffffffffffffn;
  return now > max - duration ? max : now + duration;
}

/** The name part of a `Type:name` principal. */
export function principalName(principal: string): string {
  const i = principal.indexOf(':');
  return i < 0 ? principal : principal.slice(i + 1);
}

/** The type part of a `Type:name` principal. */
export function principalType(principal: string): string {
  const i = principal.indexOf(':');
  return i < 0 ? '' : principal.slice(0, i);
}

export class DelegationTokenManager {
  private readonly store: () => MetadataStore | undefined;
  private readonly settings: DelegationTokenSettings;
  private readonly now: () => bigint;
  /** base64 HMAC to token id, for the tokens map it was built from. */
  private hmacIndex = new Map<string, string>();
  private indexedFrom: ReadonlyMap<string, TokenInformation> | null = null;
  /** SCRAM credentials derived for a token id, by mechanism name; pruned with the tokens. */
  private readonly credentials = new Map<string, Map<string, ScramCredential>>();

  /** `store` may answer undefined while the broker starts (the metadata store opens after the listeners). */
  constructor(store: () => MetadataStore | undefined, settings: DelegationTokenSettings, now: () => bigint = () => BigInt(Date.now())) {
    this.store = store;
    this.settings = settings;
    this.now = now;
  }

  get enabled(): boolean {
    return this.settings.secretKey !== null && this.settings.secretKey !== '';
  }

  /** The token's HMAC (DelegationTokenManager.createHmac). */
  hmac(tokenId: string): Buffer {
    return createHmac('sha512', Buffer.from(this.settings.secretKey ?? '', 'utf8')).update(tokenId, 'utf8').digest();
  }

  tokens(): ReadonlyMap<string, TokenInformation> {
    return this.store()?.delegationTokens() ?? NO_TOKENS;
  }

  /** The token whose HMAC this is (DelegationTokenCache.tokenForHmac). */
  tokenForHmac(hmac: Buffer): TokenInformation | undefined {
    const tokens = this.refresh();
    const id = this.hmacIndex.get(hmac.toString('base64'));
    return id === undefined ? undefined : tokens.get(id);
  }

  /**
   * The tokens, with the HMAC index rebuilt and the SCRAM credentials of tokens gone dropped
   * whenever the store's map changed (it is replaced on every change, on any broker).
   */
  private refresh(): ReadonlyMap<string, TokenInformation> {
    const tokens = this.tokens();
    if (tokens === this.indexedFrom) return tokens;
    const index = new Map<string, string>();
    for (const id of tokens.keys()) index.set(this.hmac(id).toString('base64'), id);
    for (const id of this.credentials.keys()) if (!tokens.has(id)) this.credentials.delete(id);
    this.hmacIndex = index;
    this.indexedFrom = tokens;
    return tokens;
  }

  /**
   * A new token for `owner`, asked for by `requester` (both `Type:name`); the caller has
   * checked that the requester may (KafkaApis). `maxLifetimeMs` <= 0 takes the configured one.
   */
  async create(owner: string, requester: string, renewers: readonly string[], maxLifetimeMs: bigint): Promise<CreatedToken> {
    if (!this.enabled) return { errorCode: ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, token: null, hmac: EMPTY };
    if (renewers.some((r) => principalType(r) !== USER_TYPE)) return { errorCode: ErrorCode.INVALID_PRINCIPAL_TYPE, token: null, hmac: EMPTY };
    const now = this.now();
    let lifetime = this.settings.maxLifetimeMs;
    if (maxLifetimeMs > 0n && maxLifetimeMs < lifetime) lifetime = maxLifetimeMs;
    const maxTimestamp = sum(now, lifetime);
    const renewed = sum(now, this.settings.expiryTimeMs);
    const token: TokenInformation = {
      tokenId: randomUUID(),
      owner,
      tokenRequester: requester,
      renewers: [...renewers],
      issueTimestamp: now,
      maxTimestamp,
      expiryTimestamp: renewed < maxTimestamp ? renewed : maxTimestamp,
    };
    await this.store()!.putDelegationToken(token, undefined);
    return { errorCode: ErrorCode.NONE, token, hmac: this.hmac(token.tokenId) };
  }

  /** Renews the token of `hmac` for `renewPeriodMs` (<= 0: the configured expiry time), by its owner or a renewer. */
  async renew(principal: string, hmac: Buffer, renewPeriodMs: bigint): Promise<TokenExpiry> {
    if (!this.enabled) return { errorCode: ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, expiryTimestamp: 0n };
    const token = this.tokenForHmac(hmac);
    if (token === undefined) return { errorCode: ErrorCode.DELEGATION_TOKEN_NOT_FOUND, expiryTimestamp: 0n };
    const now = this.now();
    if (tokenExpired(token, now)) return { errorCode: ErrorCode.DELEGATION_TOKEN_EXPIRED, expiryTimestamp: 0n };
    if (!allowedToRenew(token, principal)) return { errorCode: ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH, expiryTimestamp: 0n };
    let period = this.settings.expiryTimeMs;
    if (renewPeriodMs > 0n && renewPeriodMs < period) period = renewPeriodMs;
    const renewed = now + period;
    const expiryTimestamp = renewed < token.maxTimestamp ? renewed : token.maxTimestamp;
    await this.store()!.putDelegationToken({ ...token, expiryTimestamp }, token);
    return { errorCode: ErrorCode.NONE, expiryTimestamp };
  }

  /**
   * Expires the token of `hmac` after `expiryPeriodMs` (never past its lifetime), by its owner
   * or a renewer; a negative period removes it at once.
   */
  async expire(principal: string, hmac: Buffer, expiryPeriodMs: bigint): Promise<TokenExpiry> {
    if (!this.enabled) return { errorCode: ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, expiryTimestamp: 0n };
    const token = this.tokenForHmac(hmac);
    if (token === undefined) return { errorCode: ErrorCode.DELEGATION_TOKEN_NOT_FOUND, expiryTimestamp: 0n };
    if (!allowedToRenew(token, principal)) return { errorCode: ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH, expiryTimestamp: 0n };
    const now = this.now();
    if (expiryPeriodMs < 0n) {
      await this.store()!.removeDelegationTokens([token.tokenId]);
      this.credentials.delete(token.tokenId);
      return { errorCode: ErrorCode.NONE, expiryTimestamp: now };
    }
    if (tokenExpired(token, now)) return { errorCode: ErrorCode.DELEGATION_TOKEN_EXPIRED, expiryTimestamp: 0n };
    const expired = sum(now, expiryPeriodMs);
    const expiryTimestamp = expired < token.maxTimestamp ? expired : token.maxTimestamp;
    await this.store()!.putDelegationToken({ ...token, expiryTimestamp }, token);
    return { errorCode: ErrorCode.NONE, expiryTimestamp };
  }

  /** The tokens `eligible` lets through, with their HMACs. */
  describe(eligible: (token: TokenInformation) => boolean): Array<{ token: TokenInformation; hmac: Buffer }> {
    const out: Array<{ token: TokenInformation; hmac: Buffer }> = [];
    for (const token of this.tokens().values()) if (eligible(token)) out.push({ token, hmac: this.hmac(token.tokenId) });
    return out;
  }

  /** Removes every token past its expiry or lifetime (sweepExpiredDelegationTokens); returns the ids removed. */
  async sweep(): Promise<string[]> {
    const now = this.now();
    const expired: string[] = [];
    for (const token of this.refresh().values()) if (tokenExpired(token, now)) expired.push(token.tokenId);
    if (expired.length > 0) {
      await this.store()!.removeDelegationTokens(expired);
      for (const id of expired) this.credentials.delete(id);
    }
    return expired;
  }

  /**
   * The SCRAM credential of a token for a mechanism (ScramServerCallbackHandler's token
   * path); undefined when tokens are disabled or the token is unknown or past its expiry (Kafka
   * would take one until its sweep removes it, then end the session at once: refused here).
   */
  scramCredential(tokenId: string, mechanism: ScramMechanism): TokenCredential | undefined {
    if (!this.enabled) return undefined;
    const token = this.refresh().get(tokenId);
    if (token === undefined || tokenExpired(token, this.now())) {
      this.credentials.delete(tokenId);
      return undefined;
    }
    let byMechanism = this.credentials.get(tokenId);
    if (byMechanism === undefined) this.credentials.set(tokenId, (byMechanism = new Map()));
    let credential = byMechanism.get(mechanism.name);
    if (credential === undefined) {
      credential = scramCredentialFromPassword(mechanism, this.hmac(tokenId).toString('base64'), mechanism.minIterations);
      byMechanism.set(mechanism.name, credential);
    }
    return { credential, ownerName: principalName(token.owner), expiryTimestamp: token.expiryTimestamp };
  }
}

/** Owner or renewer (DelegationTokenControlManager.allowedToRenew; the requester is not one). */
function allowedToRenew(token: TokenInformation, principal: string): boolean {
  return token.owner === principal || token.renewers.includes(principal);
}
