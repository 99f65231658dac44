/**
 * Errors raised by the storage layer. Each carries the name and numeric code of the Kafka
 * error a handler should put in its response (practice 8: errors carry a code, never a bare
 * string). The storage layer knows nothing of responses; the mapping is here so handlers
 * do not have to guess. The numbers come from the generated error table, never literals.
 */
import { ErrorCode } from '../protocol/generated/errors.js';

export const StorageErrorCode = {
  /** Offset below the log start offset or above the log end offset. */
  OFFSET_OUT_OF_RANGE: ErrorCode.OFFSET_OUT_OF_RANGE,
  /** A batch failed its CRC or structural checks. */
  CORRUPT_MESSAGE: ErrorCode.CORRUPT_MESSAGE,
  /** One batch is larger than `max.message.bytes`. */
  MESSAGE_TOO_LARGE: ErrorCode.MESSAGE_TOO_LARGE,
  /** The records of one append are larger than `segment.bytes`. */
  RECORD_LIST_TOO_LARGE: ErrorCode.RECORD_LIST_TOO_LARGE,
  /** A disk operation failed; the partition log is offline until reopened. */
  KAFKA_STORAGE_ERROR: ErrorCode.KAFKA_STORAGE_ERROR,
  /** A log directory that is not one of `log.dirs` (AlterReplicaLogDirs). */
  LOG_DIR_NOT_FOUND: ErrorCode.LOG_DIR_NOT_FOUND,
  /** No local replica of the partition to move between log directories. */
  REPLICA_NOT_AVAILABLE: ErrorCode.REPLICA_NOT_AVAILABLE,
  /** The records are structurally invalid for this log (bad magic, offsets). */
  INVALID_RECORD: ErrorCode.INVALID_RECORD,
  /** A client batch whose producer sequence does not follow the producer's last one. */
  OUT_OF_ORDER_SEQUENCE_NUMBER: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  /** A client batch from a producer epoch older than the producer's current one. */
  INVALID_PRODUCER_EPOCH: ErrorCode.INVALID_PRODUCER_EPOCH,
  /**
   * A non-transactional batch from a producer with a transaction open on the partition
   * (Kafka's InvalidTxnStateException from ProducerAppendInfo.appendDataBatch).
   */
  INVALID_TXN_STATE: ErrorCode.INVALID_TXN_STATE,
  /**
   * An end-transaction marker whose coordinator epoch is older than the one the partition
   * last saw for the producer: a zombie coordinator (TransactionCoordinatorFencedException).
   */
  TRANSACTION_COORDINATOR_FENCED: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
  /**
   * A follower append whose offsets go backwards. Kafka's UnexpectedAppendOffsetException has
   * no wire code of its own: a client would see UNKNOWN_SERVER_ERROR.
   */
  UNEXPECTED_APPEND_OFFSET: ErrorCode.UNKNOWN_SERVER_ERROR,
  /** Misuse of the API (bad argument); a bug in the caller. */
  INVALID_REQUEST: ErrorCode.INVALID_REQUEST,
} as const;

export type StorageErrorName = keyof typeof StorageErrorCode;

export class StorageError extends Error {
  readonly errorName: StorageErrorName;
  readonly errorCode: number;

  constructor(name: StorageErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.errorName = name;
    this.errorCode = StorageErrorCode[name];
  }
}

export function isStorageError(e: unknown, name?: StorageErrorName): e is StorageError {
  return e instanceof StorageError && (name === undefined || e.errorName === name);
}
