/**
 * Errors raised by the storage layer. Each carries the name and numeric code of the Kafka
 * error a handler should put in its response (practice 8: errors carry a code, never a bare
 * string). The storage layer knows nothing of responses; the mapping is here so handlers
 * do not have to guess.
 */
export const StorageErrorCode = {
  /** Offset below the log start offset or above the log end offset. */
  OFFSET_OUT_OF_RANGE: 1,
  /** A batch failed its CRC or structural checks. */
  CORRUPT_MESSAGE: 2,
  /** One batch is larger than `max.message.bytes`. */
  MESSAGE_TOO_LARGE: 10,
  /** The records of one append are larger than `segment.bytes`. */
  RECORD_LIST_TOO_LARGE: 18,
  /** A disk operation failed; the partition log is offline until reopened. */
  KAFKA_STORAGE_ERROR: 56,
  /** The records are structurally invalid for this log (bad magic, offsets). */
  INVALID_RECORD: 87,
  /** A follower append whose offsets go backwards. */
  UNEXPECTED_APPEND_OFFSET: -1,
  /** Misuse of the API (bad argument); a bug in the caller. */
  INVALID_REQUEST: 42,
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
