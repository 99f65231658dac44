/**
 * Kafka's JWT validator for OAUTHBEARER (OAuthBearerValidatorCallbackHandler with
 * ValidatorAccessTokenValidator, KIP-768): the token's signature is checked against the keys
 * of `sasl.oauthbearer.jwks.endpoint.url` (a file:// JWKS read once at start-up, or an
 * https:// endpoint fetched and re-fetched every `sasl.oauthbearer.jwks.endpoint.refresh.ms`),
 * `alg` none is refused, `exp` and `iat` are required, `aud` must name one of
 * `sasl.oauthbearer.expected.audience` and `iss` be `sasl.oauthbearer.expected.issuer` when
 * those are set, with `sasl.oauthbearer.clock.skew.seconds` of tolerance. The principal is the
 * `sasl.oauthbearer.sub.claim.name` claim; scopes come from `sasl.oauthbearer.scope.claim.name`.
 * Signatures and key handling are the `jose` library's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConnectionOptions } from 'node:tls';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { httpsFetch } from './https-fetch.js';
import { TokenValidationError, type OAuthBearerToken, type TokenValidator } from './token.js';

export interface JwtValidatorSettings {
  jwksEndpointUrl: string;
  jwksRefreshMs: number;
  expectedAudience: string[];
  expectedIssuer: string | null;
  subClaimName: string;
  scopeClaimName: string;
  clockSkewSeconds: number;
  /** TLS client options for an https endpoint (from the JAAS options' `ssl.*`, as Kafka takes them). */
  tls: ConnectionOptions;
}

/** The key set of the JWKS endpoint; throws at start-up for what Kafka refuses to configure. */
export function jwksKeys(url: string, refreshMs: number, tls: ConnectionOptions): JWTVerifyGetKey {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`The OAuth configuration option sasl.oauthbearer.jwks.endpoint.url contains a URL (${url}) that is malformed`);
  }
  if (parsed.protocol === 'file:') {
    const path = fileURLToPath(parsed);
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
    } catch (err) {
      throw new Error(`Could not read the JWKS file ${path}: ${(err as Error).message}`);
    }
    return createLocalJWKSet(jwks);
  }
  if (parsed.protocol === 'https:') {
    // Kafka refreshes the whole set on a timer; jose refetches when the cache is older than this.
    return createRemoteJWKSet(parsed, { cacheMaxAge: refreshMs, cooldownDuration: Math.min(30_000, refreshMs), [customFetch]: httpsFetch(tls) });
  }
  throw new Error(`The OAuth configuration option sasl.oauthbearer.jwks.endpoint.url contains a URL (${url}) that contains an invalid protocol (${parsed.protocol.slice(0, -1)}); only "https" and "file" protocol are supported`);
}

export class JwtValidator implements TokenValidator {
  private readonly keys: JWTVerifyGetKey;
  private readonly options: JWTVerifyOptions;
  private readonly subClaimName: string;
  private readonly scopeClaimName: string;

  constructor(settings: JwtValidatorSettings, keys: JWTVerifyGetKey = jwksKeys(settings.jwksEndpointUrl, settings.jwksRefreshMs, settings.tls)) {
    this.keys = keys;
    this.subClaimName = settings.subClaimName;
    this.scopeClaimName = settings.scopeClaimName;
    this.options = {
      clockTolerance: settings.clockSkewSeconds,
      requiredClaims: ['exp', 'iat'],
      ...(settings.expectedAudience.length > 0 ? { audience: settings.expectedAudience } : {}),
      ...(settings.expectedIssuer !== null ? { issuer: settings.expectedIssuer } : {}),
    };
  }

  async validate(token: string): Promise<OAuthBearerToken> {
    let payload: Record<string, unknown>;
    try {
      payload = (await jwtVerify(token, this.keys, this.options)).payload;
    } catch (err) {
      throw new TokenValidationError(`Could not validate the access token: ${(err as Error).message}`);
    }
    const scope = scopesOf(this.scopeClaimName, payload[this.scopeClaimName]);
    const exp = payload.exp as number;
    if (exp < 0) throw new TokenValidationError(`exp value must be non-negative; value given was "${exp * 1000}"`);
    const sub = payload[this.subClaimName];
    if (sub === undefined || sub === null) throw new TokenValidationError(`${this.subClaimName} value must be non-null`);
    if (typeof sub !== 'string') throw new TokenValidationError(`The value of the '${this.subClaimName}' claim is not a String`);
    if (sub === '') throw new TokenValidationError(`${this.subClaimName} value must be non-empty`);
    if (sub.trim() === '') throw new TokenValidationError(`${this.subClaimName} value must not contain only whitespace`);
    return { principalName: sub.trim(), scope, lifetimeMs: exp * 1000 };
  }
}

/** ClaimValidationUtils.validateScopes: trimmed, non-empty, no duplicates. */
function scopesOf(claimName: string, raw: unknown): Set<string> {
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const scope = new Set<string>();
  for (const s of list) {
    if (typeof s !== 'string') throw new TokenValidationError(`${claimName} value must be non-null`);
    const t = s.trim();
    if (t === '') throw new TokenValidationError(`${claimName} value must be non-empty`);
    if (scope.has(t)) throw new TokenValidationError(`${claimName} value must not contain duplicates - ${t} already present`);
    scope.add(t);
  }
  return scope;
}
