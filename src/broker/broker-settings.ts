/**
 * How the broker's settings become its parts' settings: the storage layer's (LogManager,
 * default log config, logger) and the request memory pool's.
 */
import type { Logger } from 'pino';
import type { StorageLogger } from '../storage/logger.js';
import type { BrokerConfig } from './settings/broker-config.js';
import { BROKER_CONFIGS } from './settings/definitions.js';

/**
 * The request memory pool: `queued.max.request.bytes`, or when that is -1 (Kafka's default,
 * bounded in Kafka by its JVM heap) `millrace.request.memory.bytes`; <= 0 for none.
 */
export function requestMemoryBytes(config: BrokerConfig): number {
  const queued = config.long('queued.max.request.bytes');
  return queued > 0 ? queued : config.long('millrace.request.memory.bytes');
}

/** The broker settings as raw strings, for the storage layer's own parsing of `log.*`. */
export function brokerProps(config: BrokerConfig): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of BROKER_CONFIGS.keys()) {
    if (config.isSet(name)) out[name] = config.raw(name) ?? undefined;
  }
  return out;
}

export function logManagerConfig(config: BrokerConfig, dirs: string[]) {
  return {
    'log.dirs': dirs,
    'log.retention.check.interval.ms': config.long('log.retention.check.interval.ms'),
    'log.flush.scheduler.interval.ms': config.long('log.flush.scheduler.interval.ms'),
    'log.flush.offset.checkpoint.interval.ms': config.int('log.flush.offset.checkpoint.interval.ms'),
    'log.flush.start.offset.checkpoint.interval.ms': config.int('log.flush.start.offset.checkpoint.interval.ms'),
    'replica.high.watermark.checkpoint.interval.ms': config.long('replica.high.watermark.checkpoint.interval.ms'),
    'log.initial.task.delay.ms': config.long('log.initial.task.delay.ms'),
    'log.cleaner.enable': config.bool('log.cleaner.enable'),
    'log.cleaner.backoff.ms': config.long('log.cleaner.backoff.ms'),
    'log.cleaner.dedupe.buffer.size': config.long('log.cleaner.dedupe.buffer.size'),
    'log.cleaner.io.buffer.size': config.int('log.cleaner.io.buffer.size'),
    'millrace.log.max.open.files': config.int('millrace.log.max.open.files'),
    'millrace.log.index.cache.bytes': config.long('millrace.log.index.cache.bytes'),
  };
}

export function storageLogger(logger: Logger): StorageLogger {
  const child = logger.child({ component: 'storage' });
  return {
    debug: (msg) => child.debug(msg),
    info: (msg) => child.info(msg),
    warn: (msg) => child.warn(msg),
    error: (msg) => child.error(msg),
  };
}
