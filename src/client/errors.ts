import { errorInfo } from '../protocol/generated/errors.js';

/** A broker answered with a Kafka error code. */
export class KafkaResponseError extends Error {
  readonly code: number;
  /** Kafka's name for the code: `UNKNOWN_TOPIC_OR_PARTITION`. */
  readonly errorName: string;
  readonly retriable: boolean;

  constructor(code: number, context: string, brokerMessage?: string | null) {
    const info = errorInfo(code);
    const name = info?.name ?? `error code ${code}`;
    const detail = brokerMessage ?? info?.message ?? '';
    super(`${context}: ${name}${detail === '' ? '' : ` (${detail})`}`);
    this.name = 'KafkaResponseError';
    this.code = code;
    this.errorName = name;
    this.retriable = info?.retriable ?? false;
  }
}

/** The connection failed, closed, or a request timed out. */
export class KafkaConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaConnectionError';
  }
}

/** Throws a KafkaResponseError unless `code` is NONE. */
export function throwIfError(code: number, context: string, brokerMessage?: string | null): void {
  if (code !== 0) throw new KafkaResponseError(code, context, brokerMessage);
}
