/**
 * What an OAUTHBEARER validator answers (Kafka's OAuthBearerToken and
 * OAuthBearerValidatorCallback.error): the principal and the token's expiry, or a refusal with
 * RFC 6750's error status.
 */

export interface OAuthBearerToken {
  principalName: string;
  scope: ReadonlySet<string>;
  /** The token's `exp`, in ms since the epoch. */
  lifetimeMs: number;
}

export interface TokenValidator {
  /** The token, or throws TokenValidationError; a promise when keys have to be fetched. */
  validate(token: string): OAuthBearerToken | Promise<OAuthBearerToken>;
  close?(): void;
}

/** A refused token: `status` and `scope` go to the client; the message to the broker's log. */
export class TokenValidationError extends Error {
  override readonly name = 'TokenValidationError';
  readonly status: string;
  readonly scope: string | null;

  constructor(message: string, status = 'invalid_token', scope: string | null = null) {
    super(message);
    this.status = status;
    this.scope = scope;
  }
}
