/**
 * Kafka's default OAUTHBEARER validator, for development only
 * (OAuthBearerUnsecuredValidatorCallbackHandler with OAuthBearerUnsecuredJws and
 * OAuthBearerValidationUtils): the token is an unsigned JWS (`alg` none, empty signature);
 * its principal is the `unsecuredValidatorPrincipalClaimName` claim (default `sub`), it must
 * have an `exp` not in the past and an `iat` (if any) not in the future, give or take
 * `unsecuredValidatorAllowableClockSkewMs`, and carry every scope of
 * `unsecuredValidatorRequiredScope` in its `unsecuredValidatorScopeClaimName` claim.
 */
import { TokenValidationError, type OAuthBearerToken, type TokenValidator } from './token.js';

export interface UnsecuredOptions {
  principalClaimName: string;
  scopeClaimName: string;
  requiredScope: string[];
  allowableClockSkewMs: number;
}

/** The options from the listener's OAUTHBEARER JAAS module options; throws for bad values as Kafka does. */
export function unsecuredOptions(options: ReadonlyMap<string, string>): UnsecuredOptions {
  const text = (key: string) => {
    const v = options.get(`unsecuredValidator${key}`)?.trim();
    return v === undefined || v === '' ? null : v;
  };
  const skewText = text('AllowableClockSkewMs');
  const skew = skewText === null ? 0 : Number(skewText);
  if (!Number.isInteger(skew)) throw new Error(`For input string: "${skewText!}"`);
  if (skew < 0) throw new Error(`Allowable clock skew millis must not be negative: ${skewText!}`);
  return {
    principalClaimName: text('PrincipalClaimName') ?? 'sub',
    scopeClaimName: text('ScopeClaimName') ?? 'scope',
    requiredScope: (text('RequiredScope') ?? '').split(' ').filter((s) => s !== ''),
    allowableClockSkewMs: skew,
  };
}

export class UnsecuredValidator implements TokenValidator {
  private readonly options: UnsecuredOptions;
  private readonly now: () => number;

  constructor(options: UnsecuredOptions, now: () => number = Date.now) {
    this.options = options;
    this.now = now;
  }

  validate(token: string): OAuthBearerToken {
    const o = this.options;
    if (token.includes('..')) throw new TokenValidationError("Malformed compact serialization contains '..'");
    const splits = token.split('.');
    if (splits.length !== 3) throw new TokenValidationError('Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values');
    const header = jsonPart(splits[0]!);
    const claims = jsonPart(splits[1]!);
    if (header.alg === undefined || header.alg === null) throw new TokenValidationError('JWS header must have an Algorithm value');
    if (header.alg !== 'none') throw new TokenValidationError("Unsecured JWS must have 'none' for an algorithm");
    if (splits[2] !== '') throw new TokenValidationError('Unsecured JWS must not contain a digital signature');
    const scope = scopeOf(claims, o.scopeClaimName);
    const exp = numberClaim(claims, 'exp');
    if (exp === null) throw new TokenValidationError('No expiration time in JWT');
    const principal = claims[o.principalClaimName];
    if (principal !== undefined && principal !== null && typeof principal !== 'string') {
      throw new TokenValidationError(`The '${o.principalClaimName}' claim was not of type String: ${javaType(principal)}`);
    }
    if (typeof principal !== 'string' || principal.trim() === '') throw new TokenValidationError(`No principal name in JWT claim: ${o.principalClaimName}`);
    const iat = numberClaim(claims, 'iat');
    const now = this.now();
    const skew = o.allowableClockSkewMs;
    if (iat !== null && 1000 * iat > now + skew) {
      throw new TokenValidationError(`The Issued At value (${iat.toFixed(6)} seconds) was after the indicated time (${now} ms) plus allowable clock skew (${skew} ms)`);
    }
    if (now - skew >= 1000 * exp) {
      throw new TokenValidationError(`The indicated time (${now} ms) minus allowable clock skew (${skew} ms) was on or after the Expiration Time value (${exp.toFixed(6)} seconds)`);
    }
    if (iat !== null && exp <= iat) {
      throw new TokenValidationError(`The Expiration Time time (${exp.toFixed(6)} seconds) was not after the Issued At time (${iat.toFixed(6)} seconds)`);
    }
    for (const required of o.requiredScope) {
      if (!scope.has(required)) {
        const all = `[${o.requiredScope.join(', ')}]`;
        throw new TokenValidationError(`The provided scope ([${[...scope].join(', ')}]) was missing a required scope (${required}).  All required scope elements: ${all}`, 'insufficient_scope', all);
      }
    }
    return { principalName: principal, scope, lifetimeMs: Math.trunc(exp * 1000) };
  }
}

function jsonPart(part: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new TokenValidationError('malformed Base64 URL encoded value');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenValidationError('malformed JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenValidationError('malformed JSON');
  return value as Record<string, unknown>;
}

function numberClaim(claims: Record<string, unknown>, name: string): number | null {
  const v = claims[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number') throw new TokenValidationError(`The '${name}' claim was not of type Number: ${javaType(v)}`);
  return v;
}

/** OAuthBearerUnsecuredJws.calculateScope: a string is one scope, a list is several. */
function scopeOf(claims: Record<string, unknown>, name: string): Set<string> {
  const v = claims[name];
  if (typeof v === 'string') return v.trim() === '' ? new Set() : new Set([v.trim()]);
  if (v === undefined || v === null) return new Set();
  if (!Array.isArray(v)) throw new TokenValidationError(`The '${name}' claim was not of type List: ${javaType(v)}`);
  const scope = new Set<string>();
  for (const s of v) if (typeof s === 'string' && s.trim() !== '') scope.add(s.trim());
  return scope;
}

/** The Java class name Kafka's messages show for a JSON value. */
function javaType(v: unknown): string {
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Double';
  if (typeof v === 'boolean') return 'Boolean';
  if (Array.isArray(v)) return 'ArrayList';
  return 'LinkedHashMap';
}
