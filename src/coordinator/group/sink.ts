/**
 * Where the coordinator's records go: the group's partition of __consumer_offsets (see
 * offsets-topic.ts), or a list in unit tests.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { CoordinatorRecord } from './records.js';

export interface RecordSink {
  /**
   * Appends an operation's records, as one batch, to the group's partition. Synchronous: the
   * records are in the log when it returns, or it throws a CoordinatorWriteError. Returns null
   * when they are committed already, or a promise that settles when they are (the flush
   * policy may want an fsync first).
   */
  append(groupId: string, records: readonly CoordinatorRecord[]): Promise<void> | null;
  /** Settles when every append made so far to the group's partition is committed; null when none waits. */
  pending(groupId: string): Promise<void> | null;
}

/** A failed append, with the error code the request should answer with. */
export class CoordinatorWriteError extends Error {
  override readonly name = 'CoordinatorWriteError';
  readonly errorCode: number;
  constructor(errorCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.errorCode = errorCode;
  }
}

/**
 * Kafka's mapping of an append error to what a group request answers
 * (appendGroupMetadataErrorToResponseError; GroupCoordinatorService.normalizeException). A
 * replicated write can also fail after its append (NOT_ENOUGH_REPLICAS_AFTER_APPEND), which
 * the offset commit path of Kafka's GroupMetadataManager answered COORDINATOR_NOT_AVAILABLE.
 */
export function appendErrorToResponseError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

/** The response error of a failed write: its mapped append error, else UNKNOWN_SERVER_ERROR. */
export function writeErrorOf(err: unknown): number {
  return err instanceof CoordinatorWriteError ? appendErrorToResponseError(err.errorCode) : ErrorCode.UNKNOWN_SERVER_ERROR;
}

/**
 * Answers `result` once `write()` (an append, plain or transactional) is committed, or
 * `failed` with the response error when it is refused or fails; `what` names a refused write
 * in the log.
 */
export function answerAfter<T>(logger: Logger, groupId: string, write: () => Promise<void> | null, result: T, failed: (errorCode: number) => T, what?: string): T | Promise<T> {
  let done: Promise<void> | null;
  try {
    done = write();
  } catch (err) {
    if (what !== undefined) logger.warn({ err, groupId }, `failed to write ${what}`);
    return failed(writeErrorOf(err));
  }
  if (done === null) return result;
  return done.then(
    () => result,
    (err: unknown) => failed(writeErrorOf(err)),
  );
}
