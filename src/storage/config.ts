/**
 * Topic-level log configuration with Kafka's names and defaults (TopicConfig / LogConfig), and
 * the broker-level settings of the log manager (ServerLogConfigs / CleanerConfig).
 *
 * Kafka's `Long.MAX_VALUE` ("never") is represented by `LONG_MAX`, the largest integer a JS
 * number holds exactly; comparisons against elapsed times and counts behave the same.
 */
import { StorageError } from './errors.js';

export const LONG_MAX = Number.MAX_SAFE_INTEGER;

/** '' (an empty list, Kafka 4.2+): neither deletion nor compaction, segments kept indefinitely. */
export type CleanupPolicy = '' | 'delete' | 'compact' | 'compact,delete';
export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  'segment.bytes': number;
  'segment.ms': number;
  'segment.jitter.ms': number;
  'segment.index.bytes': number;
  'index.interval.bytes': number;
  'flush.messages': number;
  'flush.ms': number;
  'retention.bytes': number;
  'retention.ms': number;
  'max.message.bytes': number;
  'file.delete.delay.ms': number;
  'delete.retention.ms': number;
  'min.compaction.lag.ms': number;
  'max.compaction.lag.ms': number;
  'min.cleanable.dirty.ratio': number;
  'cleanup.policy': CleanupPolicy;
  'message.timestamp.type': TimestampType;
  preallocate: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  'segment.bytes': 1024 * 1024 * 1024,
  'segment.ms': 7 * DAY_MS,
  'segment.jitter.ms': 0,
  'segment.index.bytes': 10 * 1024 * 1024,
  'index.interval.bytes': 4096,
  'flush.messages': LONG_MAX,
  'flush.ms': LONG_MAX,
  'retention.bytes': -1,
  'retention.ms': 7 * DAY_MS,
  'max.message.bytes': 1024 * 1024 + 12,
  'file.delete.delay.ms': 60_000,
  'delete.retention.ms': DAY_MS,
  'min.compaction.lag.ms': 0,
  'max.compaction.lag.ms': LONG_MAX,
  'min.cleanable.dirty.ratio': 0.5,
  'cleanup.policy': 'delete',
  'message.timestamp.type': 'CreateTime',
  preallocate: false,
});

/** The broker-level names (server.properties) that set each topic config's default. */
export const BROKER_SYNONYMS: Readonly<Record<keyof LogConfig, string>> = Object.freeze({
  'segment.bytes': 'log.segment.bytes',
  'segment.ms': 'log.roll.ms',
  'segment.jitter.ms': 'log.roll.jitter.ms',
  'segment.index.bytes': 'log.index.size.max.bytes',
  'index.interval.bytes': 'log.index.interval.bytes',
  'flush.messages': 'log.flush.interval.messages',
  'flush.ms': 'log.flush.interval.ms',
  'retention.bytes': 'log.retention.bytes',
  'retention.ms': 'log.retention.ms',
  'max.message.bytes': 'message.max.bytes',
  'file.delete.delay.ms': 'log.segment.delete.delay.ms',
  'delete.retention.ms': 'log.cleaner.delete.retention.ms',
  'min.compaction.lag.ms': 'log.cleaner.min.compaction.lag.ms',
  'max.compaction.lag.ms': 'log.cleaner.max.compaction.lag.ms',
  'min.cleanable.dirty.ratio': 'log.cleaner.min.cleanable.ratio',
  'cleanup.policy': 'log.cleanup.policy',
  'message.timestamp.type': 'log.message.timestamp.type',
  preallocate: 'log.preallocate',
});

type Raw = string | number | boolean;

function invalid(name: string, value: unknown, why: string): never {
  throw new StorageError('INVALID_REQUEST', `Invalid value ${String(value)} for configuration ${name}: ${why}`);
}

function toNumber(name: string, v: Raw): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) invalid(name, v, 'not a number');
  // Kafka's Long.MAX_VALUE written out in a properties file.
  return n > LONG_MAX ? LONG_MAX : n;
}

function intAtLeast(name: string, v: Raw, min: number): number {
  const n = toNumber(name, v);
  if (!Number.isInteger(n)) invalid(name, v, 'not an integer');
  if (n < min) invalid(name, v, `Value must be at least ${min}`);
  return n;
}

function parsePolicy(name: string, v: Raw): CleanupPolicy {
  const parts = String(v)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const hasCompact = parts.includes('compact');
  const hasDelete = parts.includes('delete');
  if (parts.some((p) => p !== 'compact' && p !== 'delete')) invalid(name, v, 'String must be one of: compact, delete');
  return hasCompact && hasDelete ? 'compact,delete' : hasCompact ? 'compact' : hasDelete ? 'delete' : '';
}

/**
 * Builds a LogConfig from overrides keyed by Kafka's topic config names (strings from a
 * properties file or CreateTopics request, or typed values), over `base` (the broker
 * defaults). Validates ranges like Kafka's ConfigDef does.
 */
export function resolveLogConfig(overrides: Readonly<Record<string, Raw | undefined>> = {}, base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  const c: LogConfig = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    switch (key) {
      case 'segment.bytes':
        c[key] = intAtLeast(key, value, 14); // LegacyRecord.RECORD_OVERHEAD_V0
        break;
      case 'segment.ms':
        c[key] = intAtLeast(key, value, 1);
        break;
      case 'segment.jitter.ms':
      case 'min.compaction.lag.ms':
      case 'delete.retention.ms':
      case 'file.delete.delay.ms':
      case 'index.interval.bytes':
        c[key] = intAtLeast(key, value, 0);
        break;
      case 'segment.index.bytes':
        c[key] = intAtLeast(key, value, 4);
        break;
      case 'flush.messages':
      case 'max.compaction.lag.ms':
        c[key] = intAtLeast(key, value, 1);
        break;
      case 'flush.ms':
        c[key] = intAtLeast(key, value, 0);
        break;
      case 'retention.bytes':
        // A LONG without a validator in Kafka: any negative value means no size limit.
        c[key] = intAtLeast(key, value, -Infinity);
        break;
      case 'retention.ms':
        c[key] = intAtLeast(key, value, -1);
        break;
      case 'max.message.bytes':
        c[key] = intAtLeast(key, value, 0);
        break;
      case 'min.cleanable.dirty.ratio': {
        const n = toNumber(key, value);
        if (n < 0 || n > 1) invalid(key, value, 'Value must be between 0 and 1');
        c[key] = n;
        break;
      }
      case 'cleanup.policy':
        c[key] = parsePolicy(key, value);
        break;
      case 'message.timestamp.type': {
        const s = String(value);
        if (s !== 'CreateTime' && s !== 'LogAppendTime') invalid(key, value, 'String must be one of: CreateTime, LogAppendTime');
        c[key] = s;
        break;
      }
      case 'preallocate':
        c[key] = value === true || value === 'true';
        break;
      default:
        // Topic configs this layer does not use (compression.type, min.insync.replicas, ...)
        // belong to other layers; ignore them here.
        break;
    }
  }
  return c;
}

/**
 * Topic config defaults from broker settings (`log.segment.bytes`, `log.retention.hours`, ...),
 * following Kafka's precedence: `log.retention.ms` > `.minutes` > `.hours`; `log.roll.ms` >
 * `log.roll.hours`; `log.roll.jitter.ms` > `.hours`.
 */
export function logConfigFromBrokerProps(props: Readonly<Record<string, Raw | undefined>>): LogConfig {
  const topic: Record<string, Raw | undefined> = {};
  for (const [topicName, brokerName] of Object.entries(BROKER_SYNONYMS)) {
    if (props[brokerName] !== undefined) topic[topicName] = props[brokerName];
  }
  const hours = (name: string) => (props[name] !== undefined ? toNumber(name, props[name]) * 3_600_000 : undefined);
  const minutes = (name: string) => (props[name] !== undefined ? toNumber(name, props[name]) * 60_000 : undefined);
  if (topic['retention.ms'] === undefined) topic['retention.ms'] = minutes('log.retention.minutes') ?? hours('log.retention.hours');
  if (topic['segment.ms'] === undefined) topic['segment.ms'] = hours('log.roll.hours');
  if (topic['segment.jitter.ms'] === undefined) topic['segment.jitter.ms'] = hours('log.roll.jitter.hours');
  if (topic['flush.ms'] === undefined && props['log.flush.scheduler.interval.ms'] !== undefined) {
    topic['flush.ms'] = props['log.flush.scheduler.interval.ms'];
  }
  return resolveLogConfig(topic);
}

/** True when retention by time/size applies (`delete` or `compact,delete`). */
export function isDeletePolicy(c: Readonly<LogConfig>): boolean {
  return c['cleanup.policy'] === 'delete' || c['cleanup.policy'] === 'compact,delete';
}

/** True when the cleaner compacts this log (`compact` or `compact,delete`). */
export function isCompactPolicy(c: Readonly<LogConfig>): boolean {
  return c['cleanup.policy'] === 'compact' || c['cleanup.policy'] === 'compact,delete';
}

/** Broker-level settings of the LogManager, with Kafka's names and defaults. */
export interface LogManagerConfig {
  'log.dirs': string[];
  'log.retention.check.interval.ms': number;
  'log.flush.scheduler.interval.ms': number;
  'log.flush.offset.checkpoint.interval.ms': number;
  'log.flush.start.offset.checkpoint.interval.ms': number;
  'replica.high.watermark.checkpoint.interval.ms': number;
  'log.initial.task.delay.ms': number;
  'log.cleaner.enable': boolean;
  'log.cleaner.backoff.ms': number;
  'log.cleaner.dedupe.buffer.size': number;
  'log.cleaner.io.buffer.size': number;
  'log.cleaner.min.cleanable.ratio'?: number;
  /**
   * Millrace-specific: most file descriptors the storage layer keeps open at once (segment
   * files are opened on use and closed least-recently-used first). Kafka keeps every segment
   * open and relies on a high `ulimit -n`; Millrace bounds it so 10,000 partitions fit a
   * default limit.
   */
  'millrace.log.max.open.files': number;
  /**
   * Millrace-specific: bytes of offset/time index kept in memory for inactive segments
   * (Kafka memory-maps them); least-recently-used indexes are dropped and reread on demand.
   */
  'millrace.log.index.cache.bytes': number;
}

export const DEFAULT_LOG_MANAGER_CONFIG: Readonly<Omit<LogManagerConfig, 'log.dirs'>> = Object.freeze({
  'log.retention.check.interval.ms': 5 * 60 * 1000,
  'log.flush.scheduler.interval.ms': LONG_MAX,
  'log.flush.offset.checkpoint.interval.ms': 60_000,
  'log.flush.start.offset.checkpoint.interval.ms': 60_000,
  'replica.high.watermark.checkpoint.interval.ms': 5_000,
  'log.initial.task.delay.ms': 30_000,
  'log.cleaner.enable': true,
  'log.cleaner.backoff.ms': 15_000,
  'log.cleaner.dedupe.buffer.size': 128 * 1024 * 1024,
  'log.cleaner.io.buffer.size': 512 * 1024,
  'millrace.log.max.open.files': 1024,
  'millrace.log.index.cache.bytes': 64 * 1024 * 1024,
});
