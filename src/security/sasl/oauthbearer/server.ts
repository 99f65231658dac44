/**
 * SASL/OAUTHBEARER's server side (RFC 7628) as Kafka's OAuthBearerSaslServer runs it: the
 * client's first message `n,[a=authzid],\x01auth=Bearer <token>\x01[key=value\x01]*\x01`
 * (OAuthBearerClientInitialResponse's grammar) is checked by the listener's validator. A token
 * the validator refuses is answered with RFC 7628's JSON error (`{"status":"invalid_token"}`);
 * the client then sends `\x01` and the exchange fails with that JSON as the message. Extensions
 * are all accepted, as both of Kafka's validator callback handlers accept them.
 */
import { SaslAuthenticationError, type SaslMechanismServer, type SaslStep } from '../mechanism.js';
import { TokenValidationError, type OAuthBearerToken, type TokenValidator } from './token.js';

const SEPARATOR = '\u0001';
const SASLNAME = '(?:[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]|=2C|=3D)+';
const KEY = '[A-Za-z]+';
const VALUE = '[\\x21-\\x7E \\t\\r\\n]+';
const CLIENT_INITIAL_RESPONSE = new RegExp(`^n,(?:a=(${SASLNAME}))?,${SEPARATOR}((?:${KEY}=${VALUE}${SEPARATOR})*)${SEPARATOR}$`);
const AUTH = /^(\w+) +([-_~+/.a-zA-Z0-9]+=*)$/;
const EXTENSION_KEY = new RegExp(`^${KEY}$`);

const EMPTY = Buffer.alloc(0);

/** What the client's first message carries. */
export interface ClientInitialResponse {
  authorizationId: string;
  token: string;
  extensions: Map<string, string>;
}

/** Parses the client's first message; throws with Kafka's messages. */
export function parseClientInitialResponse(message: string): ClientInitialResponse {
  const m = CLIENT_INITIAL_RESPONSE.exec(message);
  if (m === null) throw new OAuthBearerFormatError('Invalid OAUTHBEARER client first message');
  const properties = new Map<string, string>();
  // Utils.parseMap: split on the separator, each pair at its first '='.
  for (const pair of m[2]!.split(SEPARATOR)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    properties.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const auth = properties.get('auth');
  if (auth === undefined) throw new OAuthBearerFormatError("Invalid OAUTHBEARER client first message: 'auth' not specified");
  properties.delete('auth');
  for (const name of properties.keys()) {
    if (!EXTENSION_KEY.test(name)) throw new OAuthBearerFormatError(`Extension name ${name} is invalid`);
  }
  const a = AUTH.exec(auth);
  if (a === null) throw new OAuthBearerFormatError("Invalid OAUTHBEARER client first message: invalid 'auth' format");
  if (a[1]!.toLowerCase() !== 'bearer') throw new OAuthBearerFormatError(`Invalid scheme in OAUTHBEARER client first message: ${a[1]!}`);
  return { authorizationId: m[1] ?? '', token: a[2]!, extensions: properties };
}

/** Kafka raises these as SaslException: the client gets the generic invalid-credentials message. */
export class OAuthBearerFormatError extends Error {}

/** OAuthBearerSaslServer.jsonErrorResponse. */
export function jsonErrorResponse(status: string, scope: string | null): string {
  let json = `{"status":"${status}"`;
  if (scope !== null) json += `, "scope":"${scope}"`;
  return `${json}}`;
}

export class OAuthBearerServer implements SaslMechanismServer {
  private readonly validator: TokenValidator;
  private errorMessage: string | null = null;
  private busy = false;
  private complete = false;
  /** The accepted token's extensions (Kafka's negotiated property). */
  extensions: ReadonlyMap<string, string> = new Map();

  private readonly onRefused: (reason: string) => void;

  /** `onRefused` hears why a token was refused (the client only gets the JSON status). */
  constructor(validator: TokenValidator, onRefused: (reason: string) => void = () => {}) {
    this.validator = validator;
    this.onRefused = onRefused;
  }

  evaluate(response: Buffer): SaslStep | Promise<SaslStep> {
    if (response.length === 1 && response[0] === 1 && this.errorMessage !== null) {
      // The client's acknowledgement of our JSON error: the exchange fails with it.
      throw new SaslAuthenticationError(this.errorMessage);
    }
    if (this.complete) throw new OAuthBearerFormatError('Authentication exchange already completed');
    if (this.busy) throw new OAuthBearerFormatError('Authentication exchange already in progress');
    this.errorMessage = null;
    const initial = parseClientInitialResponse(response.toString('utf8'));
    this.busy = true;
    let token: OAuthBearerToken | Promise<OAuthBearerToken>;
    try {
      token = this.validator.validate(initial.token);
    } catch (err) {
      this.busy = false;
      return this.refused(err);
    }
    if (!(token instanceof Promise)) {
      this.busy = false;
      return this.accepted(token, initial);
    }
    return token.then(
      (t) => {
        this.busy = false;
        return this.accepted(t, initial);
      },
      (err: unknown) => {
        this.busy = false;
        return this.refused(err);
      },
    );
  }

  private refused(err: unknown): SaslStep {
    if (!(err instanceof TokenValidationError)) throw err;
    this.onRefused(err.message);
    this.errorMessage = jsonErrorResponse(err.status, err.scope);
    return { challenge: Buffer.from(this.errorMessage, 'utf8'), user: null };
  }

  private accepted(token: OAuthBearerToken, initial: ClientInitialResponse): SaslStep {
    if (initial.authorizationId !== '' && initial.authorizationId !== token.principalName) {
      throw new SaslAuthenticationError(`Authentication failed: Client requested an authorization id (${initial.authorizationId}) that is different from the token's principal name (${token.principalName})`);
    }
    this.extensions = initial.extensions;
    this.complete = true;
    return { challenge: EMPTY, user: token.principalName, credentialExpiresAtMs: token.lifetimeMs };
  }
}
