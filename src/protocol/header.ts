/**
 * Frames: a request is `[size:int32] header body`, a response `[size:int32] header body`.
 * The header version depends on the API key and version (api-keys.ts has Kafka's rules), so
 * these helpers pick it, decode or encode header and body together, and write a response
 * into one buffer with its size prefix.
 *
 * The network layer hands `decodeRequestFrame` the bytes after the size prefix; tests with
 * captured frames can pass `{ sizePrefixed: true }` instead.
 */
import {
  apiInfo, requestHeaderVersion, responseHeaderVersion, type RequestTypes, type ResponseTypes,
} from './generated/api-keys.js';
import * as RequestHeader from './generated/request-header.js';
import * as ResponseHeader from './generated/response-header.js';
import { ProtocolDecodeError, ProtocolEncodeError } from './primitives/errors.js';
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';

/** Kafka's UNSUPPORTED_VERSION error code. */
const UNSUPPORTED_VERSION = 35;

/**
 * A request for an API key or version this codec does not know. Carries what could be read
 * of the header, so the broker can answer UNSUPPORTED_VERSION (for ApiVersions, Kafka answers
 * with a v0 response listing the supported versions) or close the connection.
 */
export class UnsupportedRequestError extends ProtocolDecodeError {
  /** `api-key` when the key is unknown, `version` when the key is known but not the version. */
  readonly reason: 'api-key' | 'version';
  /** -1 when the frame was too short to hold one. */
  readonly correlationId: number;
  /** The decoded header when the API key is known and the header could be read. */
  readonly header: RequestHeader.RequestHeader | null;
  /** The error code to answer with: UNSUPPORTED_VERSION (35). */
  readonly errorCode = UNSUPPORTED_VERSION;

  constructor(
    message: string, offset: number, apiKey: number, apiVersion: number, reason: 'api-key' | 'version',
    correlationId: number, header: RequestHeader.RequestHeader | null,
  ) {
    super(message, offset, apiKey, apiVersion);
    this.reason = reason;
    this.correlationId = correlationId;
    this.header = header;
  }
}

interface RequestFrameBase {
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Request header version used (0, 1 or 2). */
  headerVersion: number;
  header: RequestHeader.RequestHeader;
  /** Offset of the body in the buffer given. */
  bodyOffset: number;
  /** Offset just after the body (bytes after it, if any, were not read). */
  end: number;
}

/** A decoded request; `switch (frame.apiKey)` narrows `body` to that API's request type. */
export type DecodedRequest = {
  [K in keyof RequestTypes]: RequestFrameBase & { apiKey: K; body: RequestTypes[K] };
}[keyof RequestTypes];

export interface DecodedResponse<T> {
  correlationId: number;
  headerVersion: number;
  header: ResponseHeader.ResponseHeader;
  body: T;
  end: number;
}

export interface FrameOptions {
  /** The buffer starts with the 4-byte size prefix, which must match the bytes that follow. */
  sizePrefixed?: boolean;
  /** Where the frame starts in the buffer (default 0). */
  offset?: number;
}

type RequestBody<K extends number> = K extends keyof RequestTypes ? RequestTypes[K] : unknown;
type ResponseBody<K extends number> = K extends keyof ResponseTypes ? ResponseTypes[K] : unknown;

function frameReader(buf: Buffer, options: FrameOptions | undefined): Reader {
  const start = options?.offset ?? 0;
  if (options?.sizePrefixed !== true) return new Reader(buf, start, buf.length);
  const r = new Reader(buf, start, buf.length);
  const size = r.int32();
  if (size < 0 || size !== r.remaining) {
    throw new ProtocolDecodeError(`frame size ${size} does not match the ${r.remaining} bytes that follow`, start);
  }
  return r;
}

/**
 * Decodes a request: header (at the version its API key and version call for) and body.
 * Unknown API keys and versions throw UnsupportedRequestError; malformed bytes throw
 * ProtocolDecodeError.
 */
export function decodeRequestFrame(buf: Buffer, options?: FrameOptions): DecodedRequest {
  const r = frameReader(buf, options);
  const start = r.pos;
  r.need(4);
  const apiKey = buf.readInt16BE(start);
  const apiVersion = buf.readInt16BE(start + 2);
  const api = apiInfo(apiKey);
  if (api === undefined) {
    const correlationId = r.remaining >= 8 ? buf.readInt32BE(start + 4) : -1;
    throw new UnsupportedRequestError(`unknown API key ${apiKey}`, start, apiKey, apiVersion, 'api-key', correlationId, null);
  }
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  let header: RequestHeader.RequestHeader;
  try {
    header = RequestHeader.read(r, headerVersion);
  } catch (e) {
    if (e instanceof ProtocolDecodeError) {
      e.apiKey = apiKey;
      e.apiVersion = apiVersion;
    }
    throw e;
  }
  const { lowest, highest } = api.validVersions;
  if (apiVersion < lowest || apiVersion > highest) {
    throw new UnsupportedRequestError(
      `unsupported version ${apiVersion} of ${api.name} (API key ${apiKey}); supported versions are ${lowest}-${highest}`,
      start, apiKey, apiVersion, 'version', header.correlationId, header);
  }
  const bodyOffset = r.pos;
  const body = api.request.read(r, apiVersion);
  return {
    apiKey, apiVersion, correlationId: header.correlationId, clientId: header.clientId, headerVersion, header,
    body, bodyOffset, end: r.pos,
  } as DecodedRequest;
}

/** Decodes a response to a request of `apiKey`/`apiVersion` (responses don't say which API they answer). */
export function decodeResponseFrame<K extends number>(
  buf: Buffer, apiKey: K, apiVersion: number, options?: FrameOptions,
): DecodedResponse<ResponseBody<K>> {
  const api = apiInfo(apiKey);
  if (api === undefined) throw new ProtocolDecodeError(`unknown API key ${apiKey}`, options?.offset ?? 0, apiKey, apiVersion);
  const r = frameReader(buf, options);
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  const header = ResponseHeader.read(r, headerVersion);
  const body = api.response.read(r, apiVersion) as ResponseBody<K>;
  return { correlationId: header.correlationId, headerVersion, header, body, end: r.pos };
}

/**
 * Encodes a response with its size prefix into one buffer: header at the version the API
 * calls for (ApiVersions always v0), then the body.
 */
export function encodeResponseFrame<K extends number>(
  apiKey: K, apiVersion: number, correlationId: number, body: ResponseBody<K>,
): Buffer {
  const api = apiInfo(apiKey);
  if (api === undefined) throw new ProtocolEncodeError(`unknown API key ${apiKey}`, apiKey, apiVersion);
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  const header: ResponseHeader.ResponseHeader = { correlationId };
  const headerSize = ResponseHeader.size(header, headerVersion);
  const bodySize = api.response.size(body, apiVersion);
  const w = new Writer(Buffer.allocUnsafe(4 + headerSize + bodySize), 0);
  w.int32(headerSize + bodySize);
  ResponseHeader.write(w, header, headerVersion);
  api.response.write(w, body, apiVersion);
  return w.buf;
}

export interface RequestHeaderFields {
  correlationId: number;
  /** Null or a string; ignored by request header v0 (ControlledShutdown v0). Default null. */
  clientId?: string | null;
}

/** Encodes a request with its size prefix into one buffer (for clients and tests). */
export function encodeRequestFrame<K extends number>(
  apiKey: K, apiVersion: number, fields: RequestHeaderFields, body: RequestBody<K>,
): Buffer {
  const api = apiInfo(apiKey);
  if (api === undefined) throw new ProtocolEncodeError(`unknown API key ${apiKey}`, apiKey, apiVersion);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const header: RequestHeader.RequestHeader = {
    requestApiKey: apiKey,
    requestApiVersion: apiVersion,
    correlationId: fields.correlationId,
    clientId: headerVersion === 0 ? '' : (fields.clientId ?? null),
  };
  const headerSize = RequestHeader.size(header, headerVersion);
  const bodySize = api.request.size(body, apiVersion);
  const w = new Writer(Buffer.allocUnsafe(4 + headerSize + bodySize), 0);
  w.int32(headerSize + bodySize);
  RequestHeader.write(w, header, headerVersion);
  api.request.write(w, body, apiVersion);
  return w.buf;
}
