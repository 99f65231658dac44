/**
 * The client's OAUTHBEARER token in Kafka's unsecured mode, for development
 * (OAuthBearerUnsecuredLoginCallbackHandler, the default login callback of
 * OAuthBearerLoginModule): an unsigned JWS (`alg` none, empty signature) whose claims come
 * from the JAAS options `unsecuredLoginStringClaim_<name>`, `unsecuredLoginNumberClaim_<name>`
 * and `unsecuredLoginListClaim_<name>` (the value's first character is the delimiter), with
 * `iat` now and `exp` `unsecuredLoginLifetimeSeconds` (default 3600) later. The principal is the
 * `unsecuredLoginPrincipalClaimName` claim (default `sub`); `unsecuredLoginExtension_<name>`
 * options are SASL extensions. A broker accepts such tokens only with its unsecured validator.
 */

/** What OAUTHBEARER sends: a fresh token each login, and the extensions. */
export interface OAuthBearerCredentials {
  mechanism: 'OAUTHBEARER';
  token: () => string;
  extensions: ReadonlyMap<string, string>;
}

const PREFIX = 'unsecuredLogin';
const STRING_CLAIM = `${PREFIX}StringClaim_`;
const NUMBER_CLAIM = `${PREFIX}NumberClaim_`;
const LIST_CLAIM = `${PREFIX}ListClaim_`;
const EXTENSION = `${PREFIX}Extension_`;
const RESERVED_CLAIMS: ReadonlySet<string> = new Set(['iat', 'exp']);
// OAuthBearerClientInitialResponse's extension grammar.
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x21-\x7E \t\r\n]+$/;

/**
 * The unsecured login from the OAuthBearerLoginModule's options; throws, with Kafka's
 * messages, for options that would make no token, so a bad configuration fails before
 * connecting rather than at every login.
 */
export function unsecuredOAuthBearer(options: ReadonlyMap<string, string>, now: () => number = Date.now): OAuthBearerCredentials {
  const principalClaim = options.get(`${PREFIX}PrincipalClaimName`)?.trim() || 'sub';
  const lifetimeText = options.get(`${PREFIX}LifetimeSeconds`) ?? '3600';
  const lifetime = Number(lifetimeText);
  if (!/^[+-]?\d+$/.test(lifetimeText.trim()) || !Number.isSafeInteger(lifetime)) throw new Error(`For input string: "${lifetimeText}"`);
  const claims: Record<string, unknown> = {};
  for (const [key, value] of options) {
    if (key.startsWith(STRING_CLAIM) && key.length > STRING_CLAIM.length) {
      claims[claimName(key.slice(STRING_CLAIM.length))] = value;
    } else if (key.startsWith(NUMBER_CLAIM) && key.length > NUMBER_CLAIM.length) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`For input string: "${value}"`);
      claims[claimName(key.slice(NUMBER_CLAIM.length))] = n;
    } else if (key.startsWith(LIST_CLAIM) && key.length > LIST_CLAIM.length) {
      claims[claimName(key.slice(LIST_CLAIM.length))] = value.length <= 1 ? [] : value.slice(1).split(value[0]!);
    }
  }
  const principal = claims[principalClaim];
  if (typeof principal !== 'string' || principal.trim() === '') {
    throw new Error(`No principal name in JWT claim: ${principalClaim} (set unsecuredLoginStringClaim_${principalClaim})`);
  }
  const extensions = new Map<string, string>();
  for (const [key, value] of options) {
    if (!key.startsWith(EXTENSION)) continue;
    const name = key.slice(EXTENSION.length);
    if (!EXTENSION_KEY.test(name) || name === 'auth') throw new Error(`Extension name ${name} is invalid`);
    if (!EXTENSION_VALUE.test(value)) throw new Error(`Extension value (${value}) for extension ${name} is invalid`);
    extensions.set(name, value);
  }
  const header = base64Json({ alg: 'none' });
  return {
    mechanism: 'OAUTHBEARER',
    extensions,
    token: () => {
      const iat = now() / 1000;
      return `${header}.${base64Json({ exp: iat + lifetime, iat, ...claims })}.`;
    },
  };
}

function claimName(name: string): string {
  if (RESERVED_CLAIMS.has(name)) throw new Error(`Cannot explicitly set the '${name}' claim`);
  return name;
}

function base64Json(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
