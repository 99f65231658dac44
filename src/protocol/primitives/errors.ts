/**
 * The one error type malformed protocol input produces. Decoders never let a RangeError or
 * any other exception escape: a caller that sees this can answer with Kafka's error code or
 * close the connection, and nothing else about the process is in doubt.
 */
export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError';
  readonly code = 'ERR_KAFKA_DECODE';
  /** API key of the message being decoded, -1 for headers, records and internal records. */
  apiKey: number;
  /** Version being decoded, -1 when not known. */
  apiVersion: number;
  /** Dotted path of the field being read, e.g. `topics.partitions.records`; '' when unknown. */
  path: string;
  /** Byte offset in the buffer where reading failed. */
  offset: number;

  constructor(message: string, offset: number, apiKey = -1, apiVersion = -1, path = '') {
    super(message);
    this.offset = offset;
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
    this.path = path;
  }

  /** Adds message context on the way out of a generated decoder; keeps the innermost path. */
  withContext(apiKey: number, apiVersion: number, path: string): this {
    if (this.apiKey === -1) this.apiKey = apiKey;
    if (this.apiVersion === -1) this.apiVersion = apiVersion;
    if (this.path === '') this.path = path;
    const where = `api ${this.apiKey} v${this.apiVersion}${this.path ? ` field ${this.path}` : ''}`;
    this.message = `${this.message} (${where}, offset ${this.offset})`;
    return this;
  }
}

/** An encoder was handed a value it cannot represent at the requested version. */
export class ProtocolEncodeError extends Error {
  override readonly name = 'ProtocolEncodeError';
  readonly code = 'ERR_KAFKA_ENCODE';
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly path: string;

  constructor(message: string, apiKey = -1, apiVersion = -1, path = '') {
    super(message);
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
    this.path = path;
  }
}
