/**
 * Topic-level log configuration (LogConfig), typed for the storage layer, and the broker-level
 * settings of the log manager (ServerLogConfigs / CleanerConfig). Names, defaults, bounds and
 * broker synonyms are the topic config table's (topic-configs.ts); this file only says how the
 * storage layer reads the configs it holds.
 *
 * Kafka's `Long.MAX_VALUE` ("never") is represented by `LONG_MAX`, the largest integer a JS
 * number holds exactly; comparisons against elapsed times and counts behave the same.
 */
import { ConfigProblem, type ConfigValue } from '../common/config-def.js';
import { StorageError } from './errors.js';
import { TOPIC_CONFIGS, type TopicConfigDef } from './topic-configs.js';

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

type Raw = string | number | boolean;
type Reader<T> = (def: TopicConfigDef, value: Raw) => T;

/**
 * Kafka's internal.segment.bytes bound (LegacyRecord.RECORD_OVERHEAD_V0): the storage layer
 * takes segments smaller than the 1 MiB that topics may ask for, as Kafka's own tests do.
 */
const MIN_INTERNAL_SEGMENT_BYTES = 14;

/** How the storage layer reads each topic config it holds (the type keeps this complete). */
const READERS: { readonly [K in keyof LogConfig]: Reader<LogConfig[K]> } = {
  'segment.bytes': (def, v) => integerAtLeast(def, v, MIN_INTERNAL_SEGMENT_BYTES),
  'segment.ms': integer,
  'segment.jitter.ms': integer,
  'segment.index.bytes': integer,
  'index.interval.bytes': integer,
  'flush.messages': integer,
  'flush.ms': integer,
  // A LONG without a validator in Kafka: any negative value means no size limit.
  'retention.bytes': integer,
  'retention.ms': integer,
  'max.message.bytes': integer,
  'file.delete.delay.ms': integer,
  'delete.retention.ms': integer,
  'min.compaction.lag.ms': integer,
  'max.compaction.lag.ms': integer,
  'min.cleanable.dirty.ratio': (def, v) => validated(def, toNumber(def.name, v)),
  'cleanup.policy': cleanupPolicy,
  'message.timestamp.type': (def, v) => validated(def, String(v) as TimestampType),
  preallocate: (_def, v) => v === true || v === 'true',
};

const LOG_CONFIG_NAMES = Object.keys(READERS) as (keyof LogConfig)[];

function isLogConfigName(name: string): name is keyof LogConfig {
  return Object.hasOwn(READERS, name);
}

function tableEntry(name: keyof LogConfig): TopicConfigDef {
  const def = TOPIC_CONFIGS.get(name);
  if (def === undefined) throw new Error(`${name} is missing from the topic config table`);
  return def;
}

function invalid(name: string, value: unknown, why: string): never {
  throw new StorageError('INVALID_REQUEST', `Invalid value ${String(value)} for configuration ${name}: ${why}`);
}

function toNumber(name: string, v: Raw): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) invalid(name, v, 'not a number');
  // Kafka's Long.MAX_VALUE written out in a properties file.
  return n > LONG_MAX ? LONG_MAX : n;
}

/** Runs the table's validator (Kafka's bounds) on a value the storage layer has read. */
function validated<T extends ConfigValue>(def: TopicConfigDef, value: T): T {
  try {
    def.validator?.(def.name, value);
  } catch (e) {
    if (e instanceof ConfigProblem) throw new StorageError('INVALID_REQUEST', e.message);
    throw e;
  }
  return value;
}

function integer(def: TopicConfigDef, v: Raw): number {
  const n = toNumber(def.name, v);
  if (!Number.isInteger(n)) invalid(def.name, v, 'not an integer');
  return validated(def, n);
}

function integerAtLeast(def: TopicConfigDef, v: Raw, min: number): number {
  const n = toNumber(def.name, v);
  if (!Number.isInteger(n)) invalid(def.name, v, 'not an integer');
  if (n < min) invalid(def.name, v, `Value must be at least ${min}`);
  return n;
}

/** Any case, in any order, repeated or not; the result is one of the four policies. */
function cleanupPolicy(def: TopicConfigDef, v: Raw): CleanupPolicy {
  const parts = String(v)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  validated(def, parts);
  const hasCompact = parts.includes('compact');
  const hasDelete = parts.includes('delete');
  return hasCompact && hasDelete ? 'compact,delete' : hasCompact ? 'compact' : hasDelete ? 'delete' : '';
}

function read<K extends keyof LogConfig>(c: LogConfig, name: K, raw: Raw): void {
  c[name] = READERS[name](tableEntry(name), raw);
}

function fromTableDefaults(): LogConfig {
  const c = {} as LogConfig;
  for (const name of LOG_CONFIG_NAMES) read(c, name, tableEntry(name).default);
  return c;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze(fromTableDefaults());

/** The broker-level names (server.properties) that set each topic config's default. */
export const BROKER_SYNONYMS: Readonly<Record<keyof LogConfig, string>> = Object.freeze(
  Object.fromEntries(LOG_CONFIG_NAMES.map((name) => [name, tableEntry(name).synonyms[0]!.name])) as Record<keyof LogConfig, string>,
);

/**
 * Builds a LogConfig from overrides keyed by Kafka's topic config names (strings from a
 * properties file or CreateTopics request, or typed values), over `base` (the broker
 * defaults). Validates ranges like Kafka's ConfigDef does.
 */
export function resolveLogConfig(overrides: Readonly<Record<string, Raw | undefined>> = {}, base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  const c: LogConfig = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    // Topic configs this layer does not use (compression.type, min.insync.replicas, ...)
    // belong to other layers; ignore them here.
    if (value === undefined || !isLogConfigName(key)) continue;
    read(c, key, value);
  }
  return c;
}

/**
 * Topic config defaults from broker settings (`log.segment.bytes`, `log.retention.hours`, ...):
 * each topic config takes the first of its broker synonyms that is set, in Kafka's order of
 * precedence (`log.retention.ms` > `.minutes` > `.hours`), hours and minutes in milliseconds.
 */
export function logConfigFromBrokerProps(props: Readonly<Record<string, Raw | undefined>>): LogConfig {
  const topic: Record<string, Raw | undefined> = {};
  for (const name of LOG_CONFIG_NAMES) {
    for (const synonym of tableEntry(name).synonyms) {
      const v = props[synonym.name];
      if (v === undefined) continue;
      topic[name] = synonym.scale === undefined ? v : toNumber(synonym.name, v) * synonym.scale;
      break;
    }
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
