/**
 * What a SASL mechanism's server side does (javax.security.sasl.SaslServer as Kafka uses it):
 * takes the client's token, answers a challenge, and says when the exchange is complete and
 * for which user.
 */
export interface SaslStep {
  /** The server's answer (may be empty). */
  challenge: Buffer;
  /** Set when authentication succeeded: the authenticated user name. */
  user: string | null;
  /**
   * When the credential stops being valid (ms since the epoch), for mechanisms whose
   * credentials expire (OAUTHBEARER's token `exp`); bounds a re-authenticated session.
   */
  credentialExpiresAtMs?: number;
  /** Set by SCRAM with `tokenauth=true`: the connection authenticated with a delegation token. */
  tokenAuthenticated?: boolean;
}

export interface SaslMechanismServer {
  /** A step, or a promise of one when checking the token needs I/O (a JWKS fetch). */
  evaluate(token: Buffer): SaslStep | Promise<SaslStep>;
}

/**
 * An authentication failure with the message the client gets in SaslAuthenticate's
 * error_message (Kafka's SaslAuthenticationException), after which the connection closes.
 */
export class SaslAuthenticationError extends Error {
  override readonly name = 'SaslAuthenticationError';
}
