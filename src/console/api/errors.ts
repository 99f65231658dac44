/**
 * Errors as Confluent's REST Proxy answers them: an HTTP status and a JSON body
 * `{error_code, message}`. Kafka errors from the broker map to the status that says the same
 * thing (unknown topic 404, authorization 403, non-empty group 409, bad argument or existing
 * topic 400 as Confluent answers it, retriable 503); fastify's own (bad JSON, body too large, schema validation) keep their 4xx status.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KafkaConnectionError, KafkaResponseError } from '../../client/errors.js';
import { ErrorCode } from '../../protocol/generated/errors.js';

/** An answer other than 2xx, with Confluent's body. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly errorCode: number;

  constructor(statusCode: number, errorCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.errorCode = errorCode;
  }
}

export function notFound(message: string): HttpError {
  return new HttpError(404, 404, message);
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, 400, message);
}

const NOT_FOUND = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.RESOURCE_NOT_FOUND,
]);
const CONFLICT = new Set<number>([
  ErrorCode.NON_EMPTY_GROUP, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.REBALANCE_IN_PROGRESS,
]);
const TOO_LARGE = new Set<number>([ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE]);

/** The HTTP status for a Kafka error code. */
export function statusForKafkaError(code: number, name: string, retriable: boolean): number {
  // Confluent's REST Proxy answers a topic that exists with 400 (and error_code 40002).
  if (code === ErrorCode.TOPIC_ALREADY_EXISTS) return 400;
  if (NOT_FOUND.has(code)) return 404;
  if (CONFLICT.has(code)) return 409;
  if (TOO_LARGE.has(code)) return 413;
  if (code === ErrorCode.SASL_AUTHENTICATION_FAILED) return 401;
  if (name.endsWith('_AUTHORIZATION_FAILED')) return 403;
  if (retriable || code === ErrorCode.REQUEST_TIMED_OUT) return 503;
  if (name.startsWith('INVALID_') || name === 'POLICY_VIOLATION' || name === 'UNSUPPORTED_VERSION' || name === 'CORRUPT_MESSAGE') return 400;
  return 500;
}

/** Status and Confluent body for anything a route threw. */
export function errorBody(err: unknown): { status: number; body: { error_code: number; message: string } } {
  if (err instanceof HttpError) return { status: err.statusCode, body: { error_code: err.errorCode, message: err.message } };
  if (err instanceof KafkaResponseError) {
    const status = statusForKafkaError(err.code, err.errorName, err.retriable);
    // Confluent's REST Proxy reports an existing topic as 40002.
    const errorCode = err.code === ErrorCode.TOPIC_ALREADY_EXISTS ? 40002 : status;
    return { status, body: { error_code: errorCode, message: err.message } };
  }
  if (err instanceof KafkaConnectionError) return { status: 503, body: { error_code: 503, message: err.message } };
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error_code: fe.statusCode, message: fe.message ?? 'bad request' } };
  }
  return { status: 500, body: { error_code: 500, message: err instanceof Error ? err.message : String(err) } };
}

/** A fastify error handler for the console's routes; `challenge` is the WWW-Authenticate of a 401. */
export function errorHandler(challenge: string) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply): void => {
    const { status, body } = errorBody(err);
    if (status >= 500) req.log.warn({ err }, 'console request failed');
    if (status === 401) reply.header('www-authenticate', challenge);
    void reply.code(status).type('application/json').send(body);
  };
}
