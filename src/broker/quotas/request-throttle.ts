/**
 * How a request is charged to its client's quotas once its response is ready (KafkaApis'
 * produce, fetch and request-quota paths with RequestHandlerHelper.throttle): Produce records
 * its request bytes against `producer_byte_rate`; a consumer's Fetch its response bytes
 * against `consumer_byte_rate` (a throttled Fetch answers empty and takes its bytes back, as
 * Kafka does); every request but cluster actions and acks=0 produces records the time its
 * handler ran against `request_percentage`. The larger throttle goes into the response's
 * throttle_time_ms and mutes the connection for that long.
 */
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { FetchResponse } from '../../protocol/generated/fetch-response.js';
import type { ChunkedFrame } from '../network/connection.js';
import type { RequestInfo } from '../handlers/handler.js';
import { quotaUser, type ClientQuotas } from './client-quotas.js';

/** What the dispatcher keeps about a request for its quotas. */
export interface MeteredRequestInfo extends RequestInfo {
  /** Size of the request frame. */
  readonly requestBytes: number;
  /** Milliseconds its handler ran on the event loop; -1 when no client quota is configured. */
  quotaMs: number;
  /** A consumer's Fetch (false for a follower's, which quotas leave alone). */
  consumerFetch: boolean;
  /** performance.now() when the request was dispatched, for its total time (RequestMetrics TotalTimeMs). */
  readonly dispatchedAt: number;
  /** Milliseconds between the read that completed its frame and its dispatch (RequestQueueTimeMs). */
  readonly queueMs: number;
}

/** Cluster actions: exempt from the request quota (KafkaApis answers them with sendResponseExemptThrottle). */
function exemptFromRequestQuota(apiKey: number, info: MeteredRequestInfo): boolean {
  return apiKey === ApiKey.WriteTxnMarkers || (apiKey === ApiKey.Fetch && !info.consumerFetch);
}

/** Percent of one thread over a second, per millisecond of handling (ClientRequestQuotaManager.nanosToPercentage). */
const PERCENT_PER_MS = 100 / 1000;

/**
 * Records the request in the quotas that apply and returns the throttle in ms (0: none), after
 * putting it in `body.throttleTimeMs`. `body` null (an acks=0 produce) is only charged bytes.
 */
export function chargeRequest(quotas: ClientQuotas, apiKey: number, info: MeteredRequestInfo, body: unknown, nowMs: number): number {
  const user = quotaUser(info.principal);
  const clientId = info.clientId ?? '';
  const bandwidth = apiKey === ApiKey.Produce ? quotas.produce.recordAndGetThrottleTimeMs(user, clientId, info.requestBytes, nowMs) : 0;
  const request = body === null || exemptFromRequestQuota(apiKey, info) ? 0 : quotas.request.recordAndGetThrottleTimeMs(user, clientId, info.quotaMs * PERCENT_PER_MS, nowMs);
  const throttle = Math.max(bandwidth, request);
  if (throttle > 0 && body !== null) setThrottle(body, throttle);
  return throttle;
}

/**
 * A consumer's Fetch response of `bytes`, already charged to the request quota with
 * `requestThrottle`: the throttle in ms. Throttled either way, the response is sent without
 * data (`throttledFetch`), so its bytes are taken back, as KafkaApis unrecords them.
 */
export function chargeFetch(quotas: ClientQuotas, info: MeteredRequestInfo, bytes: number, requestThrottle: number, nowMs: number): number {
  const user = quotaUser(info.principal);
  const clientId = info.clientId ?? '';
  const throttle = Math.max(quotas.fetch.recordAndGetThrottleTimeMs(user, clientId, bytes, nowMs), requestThrottle);
  if (throttle > 0) quotas.fetch.unrecord(user, clientId, bytes, nowMs);
  return throttle;
}

/** FetchContext.getThrottledResponse: no data, the session kept. */
export function throttledFetch(body: FetchResponse, throttleMs: number): FetchResponse {
  return { throttleTimeMs: throttleMs, errorCode: 0, sessionId: body.sessionId, responses: [], nodeEndpoints: [] };
}

export function frameBytes(frame: Buffer | ChunkedFrame): number {
  if (Buffer.isBuffer(frame)) return frame.length;
  let n = 0;
  for (const c of frame.chunks) n += c.length;
  return n;
}

function setThrottle(body: unknown, ms: number): void {
  const b = body as { throttleTimeMs?: unknown };
  if (typeof b.throttleTimeMs === 'number' && b.throttleTimeMs < ms) b.throttleTimeMs = ms;
}
