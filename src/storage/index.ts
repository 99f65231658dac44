/**
 * The storage layer: partition logs in Kafka's on-disk format. The broker uses LogManager
 * (all partitions under `log.dirs`) and PartitionLog (one partition); the rest is exported
 * for tools and tests.
 */
export { LogManager, type LogManagerOptions } from './log-manager.js';
export { LogCleaner, type CleanSummary, type LogToClean } from './cleaner/log-cleaner.js';
export {
  PartitionLog,
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  EARLIEST_LOCAL_TIMESTAMP,
  LATEST_TIERED_TIMESTAMP,
  EARLIEST_PENDING_UPLOAD_TIMESTAMP,
  type AppendOptions,
  type FetchDataInfo,
  type FetchIsolation,
  type LogAppendInfo,
  type LogOffsetsListener,
  type PartitionLogOptions,
  type ReadOptions,
  type TxnMarker,
  type AbortedTxn,
} from './partition-log.js';
export {
  DEFAULT_LOG_CONFIG,
  DEFAULT_LOG_MANAGER_CONFIG,
  BROKER_SYNONYMS,
  LONG_MAX,
  resolveLogConfig,
  logConfigFromBrokerProps,
  isCompactPolicy,
  isDeletePolicy,
  type CleanupPolicy,
  type LogConfig,
  type LogManagerConfig,
  type TimestampType,
} from './config.js';
export { StorageError, StorageErrorCode, isStorageError, type StorageErrorName } from './errors.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { consoleLogger, silentLogger, MemoryLogger, type StorageLogger } from './logger.js';
export { NodeFs, type StorageFs, type FileStat, type OpenMode } from './fs/storage-fs.js';
export { FaultFs, type FsOp } from './fs/fault-fs.js';
export { LogSegment, type TimestampAndOffset } from './log-segment.js';
export { filenamePrefix } from './log-file-names.js';
export { encodeProducerSnapshot, decodeProducerSnapshot, type ProducerStateEntry } from './producer-state.js';
export { encodeOffsetCheckpoint, decodeOffsetCheckpoint, partitionKey, parsePartitionDirName } from './checkpoint.js';
