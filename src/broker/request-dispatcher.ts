import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { decodeRequestFrame, encodeResponseFrame, UnsupportedRequestError, type DecodedRequest } from '../protocol/header.js';
import { ProtocolDecodeError } from '../protocol/primitives/errors.js';
import type { ChunkedFrame, Connection, RequestProcessor } from './network/connection.js';
import type { BrokerContext } from './context.js';
import { CloseConnection, type ApiHandler, type RequestInfo } from './handlers/handler.js';
import { apiVersionsBody } from './handlers/api-versions.js';
import { authenticatedSaslGate, saslGate } from './sasl-gate.js';
import { chargeFetch, chargeRequest, frameBytes, throttledFetch, type MeteredRequestInfo } from './quotas/request-throttle.js';
import type { FetchRequest } from '../protocol/generated/fetch-request.js';
import type { FetchResponse } from '../protocol/generated/fetch-response.js';

/**
 * APIs whose handlers answer with a promise when the request waits for an event (a Fetch for
 * min_bytes, a JoinGroup or SyncGroup for the rebalance): such a request leaves the broker's
 * `queued.max.requests` count, as a Kafka request in a purgatory has left the request queue.
 */
const PARKING_APIS: ReadonlySet<number> = new Set([ApiKey.Fetch, ApiKey.JoinGroup, ApiKey.SyncGroup]);

/**
 * Decodes each request frame, hands it to the handler registered for its API key and writes
 * the response back in order. Kafka's rules for bad requests: an ApiVersions request at a
 * version we do not serve gets a v0 response with UNSUPPORTED_VERSION and our version ranges
 * (KIP-511); any other unknown key or version, or a malformed frame, closes the connection.
 */
export class RequestDispatcher implements RequestProcessor {
  private readonly broker: BrokerContext;

  constructor(broker: BrokerContext) {
    this.broker = broker;
  }

  process(frame: Buffer, connection: Connection, seq: number): void {
    const sasl = connection.sasl;
    if (sasl !== null) {
      if (!sasl.authenticated) {
        if (saslGate(frame, connection, seq, sasl, this.broker)) return;
      } else if (sasl.sessionExpiresAtMs !== null && authenticatedSaslGate(frame, connection, seq, sasl, this.broker)) {
        return;
      }
    }
    let request: DecodedRequest;
    try {
      request = decodeRequestFrame(frame);
    } catch (err) {
      this.rejectUndecodable(err, frame, connection, seq);
      return;
    }
    const handler = this.broker.handlers.get(request.apiKey);
    if (handler === undefined || request.apiVersion < handler.minVersion || request.apiVersion > handler.maxVersion) {
      if (request.apiKey === ApiKey.ApiVersions) this.answerUnsupportedApiVersions(connection, seq, request.correlationId);
      else connection.close(`unsupported request: API key ${request.apiKey} version ${request.apiVersion}`);
      return;
    }
    const dispatchedAt = performance.now();
    const info: MeteredRequestInfo = {
      apiVersion: request.apiVersion,
      correlationId: request.correlationId,
      clientId: request.clientId,
      header: request.header,
      clientAddress: connection.remoteAddress,
      clientHost: connection.remoteHost,
      listenerName: connection.listenerName,
      principal: connection.principal,
      tokenAuthenticated: connection.tokenAuthenticated,
      requestBytes: frame.length,
      quotaMs: -1,
      consumerFetch: false,
      dispatchedAt,
      // A frame dispatched later than the read that brought it (a muted connection) waited since
      // at least that read; frames read together share its time.
      queueMs: connection.lastReadAt > 0 ? dispatchedAt - connection.lastReadAt : 0,
    };
    // The one check a request pays when no client quota is configured.
    const metered = this.broker.clientQuotas.refresh();
    let result: unknown;
    try {
      result = (handler as ApiHandler).handle(request.body as never, info, this.broker);
    } catch (err) {
      this.handlerFailed(err, handler, connection);
      return;
    }
    if (metered) {
      info.quotaMs = performance.now() - dispatchedAt;
      if (request.apiKey === ApiKey.Fetch) info.consumerFetch = isConsumerFetch(request.body as FetchRequest, request.apiVersion);
    }
    if (result === null) {
      // An acks=0 produce: no response, but its bytes count and may mute the connection.
      if (metered) connection.throttle(chargeRequest(this.broker.clientQuotas, request.apiKey, info, null, Date.now()));
      this.broker.stats.requests.record(request.apiKey, info.queueMs, performance.now() - dispatchedAt);
      connection.complete(seq, null);
    } else if (result instanceof Promise) {
      if (PARKING_APIS.has(request.apiKey)) connection.parked(seq);
      result.then(
        (body: unknown) => this.send(connection, seq, handler, info, body),
        (err: unknown) => this.handlerFailed(err, handler, connection),
      );
    } else {
      this.send(connection, seq, handler, info, result);
    }
  }

  private send(connection: Connection, seq: number, handler: ApiHandler, info: MeteredRequestInfo, body: unknown): void {
    let throttle = 0;
    if (info.quotaMs >= 0) throttle = chargeRequest(this.broker.clientQuotas, handler.apiKey, info, body, Date.now());
    if (body === null) {
      connection.throttle(throttle);
      this.broker.stats.requests.record(handler.apiKey, info.queueMs, performance.now() - info.dispatchedAt);
      connection.complete(seq, null);
      return;
    }
    let frame = this.encode(connection, handler, info, body);
    if (frame === null) return;
    if (info.consumerFetch) {
      throttle = chargeFetch(this.broker.clientQuotas, info, frameBytes(frame), throttle, Date.now());
      if (throttle > 0) {
        // Kafka sends a throttled consumer no data; the records read go back unsent.
        if (!Buffer.isBuffer(frame)) frame.written?.(null);
        frame = this.encode(connection, handler, info, throttledFetch(body as FetchResponse, throttle));
        if (frame === null) return;
      }
    }
    // Muted before completing, so that completing does not read the next request.
    connection.throttle(throttle);
    this.broker.stats.requests.record(handler.apiKey, info.queueMs, performance.now() - info.dispatchedAt);
    connection.complete(seq, frame);
  }

  private encode(connection: Connection, handler: ApiHandler, info: RequestInfo, body: unknown): Buffer | ChunkedFrame | null {
    try {
      return handler.encode !== undefined
        ? handler.encode(body as never, info)
        : encodeResponseFrame(handler.apiKey, info.apiVersion, info.correlationId, body as never);
    } catch (err) {
      this.handlerFailed(err, handler, connection);
      return null;
    }
  }

  private rejectUndecodable(err: unknown, frame: Buffer, connection: Connection, seq: number): void {
    if (err instanceof UnsupportedRequestError && err.apiKey === ApiKey.ApiVersions && err.correlationId >= 0) {
      this.answerUnsupportedApiVersions(connection, seq, err.correlationId);
      return;
    }
    if (err instanceof ProtocolDecodeError) {
      this.broker.logger.debug({ client: connection.remoteAddress, err: err.message }, 'closing connection after a request it could not decode');
      connection.close(`malformed request: ${err.message}`);
      return;
    }
    this.broker.logger.error({ client: connection.remoteAddress, err, bytes: frame.length }, 'unexpected error decoding a request');
    connection.close('internal error decoding request');
  }

  /** KIP-511: answer with ApiVersions v0, UNSUPPORTED_VERSION and the versions we serve. */
  private answerUnsupportedApiVersions(connection: Connection, seq: number, correlationId: number): void {
    const body = apiVersionsBody(this.broker, ErrorCode.UNSUPPORTED_VERSION);
    connection.complete(seq, encodeResponseFrame(ApiKey.ApiVersions, 0, correlationId, body));
  }

  private handlerFailed(err: unknown, handler: ApiHandler, connection: Connection): void {
    if (err instanceof CloseConnection) {
      this.broker.logger.debug({ client: connection.remoteAddress, apiKey: handler.apiKey, reason: err.message }, 'closing connection');
      connection.close(err.message);
      return;
    }
    this.broker.logger.error({ client: connection.remoteAddress, apiKey: handler.apiKey, err }, 'request handler failed; closing the connection');
    connection.close('internal error');
  }
}

/** Fetch from a consumer, not a follower (Kafka's FetchRequest.isFromFollower is false). */
function isConsumerFetch(request: FetchRequest, version: number): boolean {
  return (version >= 15 ? request.replicaState.replicaId : request.replicaId) < 0;
}
