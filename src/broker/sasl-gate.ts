/**
 * Requests of a connection that has not finished SASL authentication (Kafka's
 * SaslServerAuthenticator): ApiVersions goes to its handler; SaslHandshake picks the
 * mechanism; the tokens then come as SaslAuthenticate requests (handshake v1) or raw frames
 * (v0). Any other request closes the connection, as Kafka does with "Unexpected Kafka request
 * of type ... during SASL handshake". A failed authentication is answered with
 * SASL_AUTHENTICATION_FAILED and Kafka's message after `connection.failed.authentication.delay.ms`,
 * and the connection is then closed.
 *
 * On an authenticated connection whose session has a lifetime (KIP-368), a SaslHandshake starts
 * re-authentication through the same gate, and any other request after the lifetime has passed
 * closes the connection, as Kafka's SocketServer does.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { decodeRequestFrame, encodeResponseFrame, type DecodedRequest } from '../protocol/header.js';
import type { Connection } from './network/connection.js';
import type { Logger } from 'pino';
import { SaslPhase, type SaslSession } from '../security/sasl/sasl-session.js';
import type { BrokerStats } from './stats/broker-stats.js';
import { SaslAuthenticationError, type SaslStep } from '../security/sasl/mechanism.js';
import type { SaslAuthenticateRequest } from '../protocol/generated/sasl-authenticate-request.js';
import type { SaslHandshakeRequest } from '../protocol/generated/sasl-handshake-request.js';

const EMPTY = Buffer.alloc(0);

/** What the gate needs of the broker: its logger, and its stats for failed authentications. */
export interface SaslGateHost {
  readonly logger: Logger;
  readonly stats: BrokerStats;
}

/**
 * Serves one request frame of an unauthenticated connection; returns false when the request
 * is an ApiVersions the dispatcher should serve as usual.
 */
export function saslGate(frame: Buffer, connection: Connection, seq: number, session: SaslSession, gate: SaslGateHost): boolean {
  if (session.phase === SaslPhase.Failed) return true;
  if (session.phase === SaslPhase.RawAuthenticate) {
    rawToken(frame, connection, seq, session, gate);
    return true;
  }
  let request: DecodedRequest;
  try {
    request = decodeRequestFrame(frame);
  } catch {
    // Before the handshake the dispatcher decides: an ApiVersions at a version we do not know
    // gets its KIP-511 answer, anything else it cannot decode closes the connection.
    if (session.phase === SaslPhase.Handshake) return false;
    refuseRequest(connection, 'invalid request during SASL authentication', gate.logger);
    return true;
  }
  if (session.phase === SaslPhase.Handshake) {
    if (request.apiKey === ApiKey.ApiVersions) return false;
    if (request.apiKey === ApiKey.SaslHandshake) {
      handshake(request, connection, seq, session, gate);
      return true;
    }
    refuseRequest(connection, `Unexpected Kafka request of type ${request.apiKey} during SASL handshake.`, gate.logger);
    return true;
  }
  if (request.apiKey !== ApiKey.SaslAuthenticate) {
    refuseRequest(connection, `Unexpected Kafka request of type ${request.apiKey} during SASL authentication.`, gate.logger);
    return true;
  }
  authenticate(request, connection, seq, session, gate);
  return true;
}

/**
 * Closes a connection that broke the SASL protocol, logged once as Kafka's Selector logs the
 * InvalidRequestException its authenticator throws ("Unexpected error from ...; closing connection").
 */
function refuseRequest(connection: Connection, reason: string, logger: Logger): void {
  logger.warn({ client: connection.remoteAddress, listener: connection.listenerName, reason }, 'unexpected request during SASL authentication; closing connection');
  connection.close(reason);
}

/**
 * A request on an authenticated connection whose session has a lifetime: true when it was
 * taken here (a SaslHandshake starting re-authentication, or a request on an expired session,
 * which closes the connection).
 */
export function authenticatedSaslGate(frame: Buffer, connection: Connection, seq: number, session: SaslSession, gate: SaslGateHost): boolean {
  const now = Date.now();
  if (frame.length >= 2 && frame.readInt16BE(0) === ApiKey.SaslHandshake && session.beginReauthentication(connection.principal, now)) {
    // Kafka's authenticator reads the re-authentication as it read the first one.
    connection.limitRequestBytes(session.listener.maxReceiveBytes);
    return saslGate(frame, connection, seq, session, gate);
  }
  if (!session.expired(now)) return false;
  gate.logger.debug({ client: connection.remoteAddress, listener: connection.listenerName, principal: connection.principal }, 'SASL session expired');
  connection.close('SASL session expired without re-authentication');
  return true;
}

function handshake(request: DecodedRequest, connection: Connection, seq: number, session: SaslSession, gate: SaslGateHost): void {
  const body = request.body as SaslHandshakeRequest;
  const ok = session.handshake(body.mechanism, request.apiVersion);
  const response = { errorCode: ok ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...session.listener.mechanisms] };
  connection.complete(seq, encodeResponseFrame(ApiKey.SaslHandshake, request.apiVersion, request.correlationId, response));
  // Kafka closes the connection once it has said which mechanisms it has.
  if (!ok) {
    gate.stats.authenticationFailed(connection.listenerName);
    session.phase = SaslPhase.Failed;
    connection.end(`unsupported SASL mechanism ${body.mechanism}`);
  }
}

function authenticate(request: DecodedRequest, connection: Connection, seq: number, session: SaslSession, gate: SaslGateHost): void {
  const body = request.body as SaslAuthenticateRequest;
  const step = evaluate(session, body.authBytes, connection, gate);
  if (step instanceof Promise) {
    void step.then((s) => answerAuthenticate(s, request, connection, seq, session));
    return;
  }
  answerAuthenticate(step, request, connection, seq, session);
}

function answerAuthenticate(step: Accepted | string, request: DecodedRequest, connection: Connection, seq: number, session: SaslSession): void {
  const v = request.apiVersion;
  if (typeof step === 'string') {
    const response = { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: step, authBytes: EMPTY, sessionLifetimeMs: 0n };
    failLater(connection, session, seq, encodeResponseFrame(ApiKey.SaslAuthenticate, v, request.correlationId, response));
    return;
  }
  const response = { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.challenge, sessionLifetimeMs: BigInt(step.sessionLifetimeMs) };
  connection.complete(seq, encodeResponseFrame(ApiKey.SaslAuthenticate, v, request.correlationId, response));
}

function rawToken(frame: Buffer, connection: Connection, seq: number, session: SaslSession, gate: SaslGateHost): void {
  const step = evaluate(session, frame, connection, gate);
  if (step instanceof Promise) {
    void step.then((s) => answerRaw(s, connection, seq, session));
    return;
  }
  answerRaw(step, connection, seq, session);
}

function answerRaw(step: Accepted | string, connection: Connection, seq: number, session: SaslSession): void {
  if (typeof step === 'string') {
    // Raw tokens carry no error: the client learns of the failure when the connection closes.
    failLater(connection, session, seq, null);
    return;
  }
  const out = Buffer.allocUnsafe(4 + step.challenge.length);
  out.writeInt32BE(step.challenge.length, 0);
  step.challenge.copy(out, 4);
  connection.complete(seq, out);
}

/** Runs the mechanism; a step, or the message of the refusal (a promise of either when the mechanism needs I/O). */
function evaluate(session: SaslSession, token: Buffer, connection: Connection, gate: SaslGateHost): Accepted | string | Promise<Accepted | string> {
  let step: SaslStep | Promise<SaslStep>;
  try {
    if (session.server === null) {
      throw new SaslAuthenticationError(`SASL mechanism '${session.mechanism!}' requested by client is not supported for re-authentication of mechanism '${session.previousMechanism!}'`);
    }
    step = session.server.evaluate(token);
  } catch (err) {
    return refusal(session, err, connection, gate);
  }
  if (step instanceof Promise) {
    return step.then((s) => accepted(session, s, connection, gate), (err: unknown) => refusal(session, err, connection, gate));
  }
  return accepted(session, step, connection, gate);
}

function refusal(session: SaslSession, err: unknown, connection: Connection, gate: SaslGateHost): string {
  const message = err instanceof SaslAuthenticationError
    ? err.message
    : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${session.mechanism}`;
  gate.stats.authenticationFailed(connection.listenerName);
  gate.logger.info({ client: connection.remoteAddress, listener: connection.listenerName, mechanism: session.mechanism, reason: message, cause: err instanceof SaslAuthenticationError ? undefined : (err as Error).message }, 'failed authentication');
  return message;
}

/** A step the mechanism took, with the session lifetime to answer once the exchange is complete. */
interface Accepted {
  challenge: Buffer;
  sessionLifetimeMs: number;
}

function accepted(session: SaslSession, step: SaslStep, connection: Connection, gate: SaslGateHost): Accepted | string {
  if (step.user === null) return { challenge: step.challenge, sessionLifetimeMs: 0 };
  const principal = `User:${step.user}`;
  const previous = session.previousPrincipal;
  if (previous !== null && previous !== principal) {
    // KafkaPrincipal's type and name, as ReauthInfo.ensurePrincipalUnchanged prints them.
    const [type, name] = [previous.slice(0, previous.indexOf(':')), previous.slice(previous.indexOf(':') + 1)];
    return refusal(session, new SaslAuthenticationError(`Cannot change principals during re-authentication from ${type}.${name}: User.${step.user}`), connection, gate);
  }
  connection.principal = principal;
  connection.tokenAuthenticated = step.tokenAuthenticated === true;
  connection.limitRequestBytes(null);
  const sessionLifetimeMs = session.completed(Date.now(), step.credentialExpiresAtMs);
  if (previous !== null) gate.logger.debug({ client: connection.remoteAddress, listener: connection.listenerName, principal, sessionLifetimeMs }, 'SASL re-authentication succeeded');
  return { challenge: step.challenge, sessionLifetimeMs };
}

/** Kafka delays the answer to a failed authentication, then closes the connection. */
function failLater(connection: Connection, session: SaslSession, seq: number, response: Buffer | null): void {
  session.phase = SaslPhase.Failed;
  session.server = null;
  const timer = setTimeout(() => {
    connection.complete(seq, response);
    connection.end('authentication failed');
  }, session.listener.failedAuthenticationDelayMs);
  timer.unref();
}
