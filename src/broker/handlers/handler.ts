import type { RequestTypes, ResponseTypes } from '../../protocol/generated/api-keys.js';
import type * as RequestHeader from '../../protocol/generated/request-header.js';
import type { BrokerContext } from '../context.js';
import type { ChunkedFrame } from '../network/connection.js';

/** What a handler learns about the request besides its body. */
export interface RequestInfo {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly header: RequestHeader.RequestHeader;
  /** `host:port` of the client. */
  readonly clientAddress: string;
  /** The client's IP address as Kafka's ACL host filters name it (no port, IPv4 without `::ffff:`). */
  readonly clientHost: string;
  /** The listener the request came in on: Metadata and its kin answer with endpoints of that listener. */
  readonly listenerName: string;
  /** The connection's authenticated principal (`User:ANONYMOUS` without TLS client auth or SASL). */
  readonly principal: string;
  /** True when the connection authenticated with a delegation token (absent: it did not). */
  readonly tokenAuthenticated?: boolean;
}

export type HandlerResult<R> = R | Promise<R> | null;

/**
 * One API key: the versions it serves and the function that serves them. Request in,
 * response out; Kafka errors go in the response's error codes. Returning null sends no
 * response (Produce with acks=0). A thrown error closes the connection.
 */
export interface ApiHandler<K extends keyof RequestTypes & keyof ResponseTypes = keyof RequestTypes & keyof ResponseTypes> {
  readonly apiKey: K;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: RequestTypes[K], info: RequestInfo, broker: BrokerContext): HandlerResult<ResponseTypes[K]>;
  /**
   * Optional: encodes the response frame (size prefix, header, body) instead of
   * `encodeResponseFrame`, as one buffer or as chunks written in order (Fetch leaves its
   * records buffers uncopied).
   */
  encode?(response: ResponseTypes[K], info: RequestInfo): Buffer | ChunkedFrame;
}

/**
 * Thrown by a handler to close the client's connection as Kafka does for some requests (a
 * failed acks=0 produce, a version that is advertised but not served). Logged at debug level,
 * unlike other errors, which mean a broker fault.
 */
export class CloseConnection extends Error {
  override readonly name = 'CloseConnection';
}

/** Type-checks a handler definition against its API key's request and response types. */
export function defineHandler<K extends keyof RequestTypes & keyof ResponseTypes>(handler: ApiHandler<K>): ApiHandler<K> {
  return handler;
}
