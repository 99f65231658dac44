/**
 * One connection's SASL exchange on a SASL_PLAINTEXT or SASL_SSL listener, as Kafka's
 * SaslServerAuthenticator runs it:
 * - first ApiVersions (any number of times) and SaslHandshake are served, nothing else;
 * - SaslHandshake v0 means the client's tokens come next as raw size-prefixed frames without
 *   a request header, v1 means they come in SaslAuthenticate requests;
 * - once the mechanism says the exchange is complete, the principal is `User:<name>` and the
 *   connection is served as any other.
 */
import type { SaslMechanismServer } from './mechanism.js';

export const enum SaslPhase {
  /** Before SaslHandshake: ApiVersions and SaslHandshake only. */
  Handshake = 0,
  /** After SaslHandshake v1+: SaslAuthenticate only. */
  Authenticate = 1,
  /** After SaslHandshake v0: raw tokens. */
  RawAuthenticate = 2,
  Complete = 3,
  /** A refusal is being answered; nothing more is read. */
  Failed = 4,
}

/** A listener's SASL: its enabled mechanisms and how to start each one's server side. */
export interface SaslListener {
  readonly mechanisms: readonly string[];
  /** A new exchange of an enabled mechanism. */
  start(mechanism: string): SaslMechanismServer;
  /** `connection.failed.authentication.delay.ms`. */
  readonly failedAuthenticationDelayMs: number;
}

export class SaslSession {
  readonly listener: SaslListener;
  phase: SaslPhase = SaslPhase.Handshake;
  mechanism: string | null = null;
  server: SaslMechanismServer | null = null;

  constructor(listener: SaslListener) {
    this.listener = listener;
  }

  get authenticated(): boolean {
    return this.phase === SaslPhase.Complete;
  }

  /** SaslHandshake: true when the mechanism is enabled (the exchange then starts). */
  handshake(mechanism: string, version: number): boolean {
    if (!this.listener.mechanisms.includes(mechanism)) return false;
    this.mechanism = mechanism;
    this.server = this.listener.start(mechanism);
    this.phase = version === 0 ? SaslPhase.RawAuthenticate : SaslPhase.Authenticate;
    return true;
  }
}
