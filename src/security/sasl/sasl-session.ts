/**
 * One connection's SASL exchange on a SASL_PLAINTEXT or SASL_SSL listener, as Kafka's
 * SaslServerAuthenticator runs it:
 * - first ApiVersions (any number of times) and SaslHandshake are served, nothing else;
 * - SaslHandshake v0 means the client's tokens come next as raw size-prefixed frames without
 *   a request header, v1 means they come in SaslAuthenticate requests;
 * - once the mechanism says the exchange is complete, the principal is `User:<name>` and the
 *   connection is served as any other;
 * - re-authentication (KIP-368): when the exchange gave the session a lifetime
 *   (`connections.max.reauth.ms`, or the credential's own expiry as OAUTHBEARER tokens have),
 *   a SaslHandshake on the authenticated connection starts the exchange again with the same
 *   mechanism, and must end with the same principal; once the lifetime has passed, any other
 *   request closes the connection.
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
  /** `sasl.server.max.receive.size`: the largest request read while (re-)authenticating. */
  readonly maxReceiveBytes: number;
  /** `connections.max.reauth.ms` for a mechanism (0: sessions do not expire by it). */
  maxReauthMs(mechanism: string): number;
}

/** KafkaChannel.MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS: a handshake sooner after the last re-authentication is not one. */
export const MIN_REAUTH_INTERVAL_MS = 1000;

export class SaslSession {
  readonly listener: SaslListener;
  phase: SaslPhase = SaslPhase.Handshake;
  mechanism: string | null = null;
  server: SaslMechanismServer | null = null;
  /** When the authenticated session ends (ms since the epoch), or null when it does not. */
  sessionExpiresAtMs: number | null = null;
  /** Set while re-authenticating: the mechanism and principal the new exchange must keep. */
  previousMechanism: string | null = null;
  previousPrincipal: string | null = null;
  private lastReauthStartMs = 0;

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
    // A re-authentication that names another mechanism fails at its first token (Kafka's REAUTH_BAD_MECHANISM).
    this.server = this.previousMechanism === null || this.previousMechanism === mechanism ? this.listener.start(mechanism) : null;
    this.phase = version === 0 ? SaslPhase.RawAuthenticate : SaslPhase.Authenticate;
    return true;
  }

  /**
   * A SaslHandshake on the authenticated connection: true when it starts a re-authentication
   * (KafkaChannel.maybeBeginServerReauthentication: the session has a lifetime and the last
   * re-authentication began at least a second ago); the connection's principal is kept until
   * the new exchange completes.
   */
  beginReauthentication(principal: string, nowMs: number): boolean {
    if (this.sessionExpiresAtMs === null || this.mechanism === null) return false;
    if (this.lastReauthStartMs !== 0 && nowMs - this.lastReauthStartMs < MIN_REAUTH_INTERVAL_MS) return false;
    this.lastReauthStartMs = nowMs;
    this.previousMechanism = this.mechanism;
    this.previousPrincipal = principal;
    this.phase = SaslPhase.Handshake;
    return true;
  }

  /**
   * The exchange completed at `nowMs`: the session's lifetime as
   * SaslServerAuthenticator.calcCompletionTimesAndReturnSessionLifetimeMs computes it, the
   * smaller of `connections.max.reauth.ms` and the time left on the credential (0: none).
   */
  completed(nowMs: number, credentialExpiresAtMs: number | undefined): number {
    const maxReauthMs = this.listener.maxReauthMs(this.mechanism!);
    let lifetimeMs = 0;
    if (credentialExpiresAtMs !== undefined || maxReauthMs > 0) {
      if (credentialExpiresAtMs === undefined) lifetimeMs = maxReauthMs;
      else if (maxReauthMs <= 0) lifetimeMs = Math.max(0, credentialExpiresAtMs - nowMs);
      else lifetimeMs = Math.max(0, Math.min(credentialExpiresAtMs - nowMs, maxReauthMs));
      this.sessionExpiresAtMs = nowMs + lifetimeMs;
    } else {
      this.sessionExpiresAtMs = null;
    }
    this.phase = SaslPhase.Complete;
    this.server = null;
    this.previousMechanism = null;
    this.previousPrincipal = null;
    return lifetimeMs;
  }

  /** True when the session has a lifetime and it has passed (SocketServer then closes the connection). */
  expired(nowMs: number): boolean {
    return this.sessionExpiresAtMs !== null && nowMs > this.sessionExpiresAtMs;
  }
}
