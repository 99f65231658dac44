/**
 * The topic configs the produce path reads that the storage layer does not resolve:
 * `compression.type` (with `compression.gzip.level` / `compression.zstd.level`),
 * `message.timestamp.before.max.ms`, `message.timestamp.after.max.ms` and
 * `min.insync.replicas`, each from the topic's override or else its broker-level synonym,
 * with Kafka's defaults. Resolved once per topic metadata object and reused while the broker
 * settings behind them are unchanged.
 */
import { CompressionType } from '../../protocol/compression/compression-type.js';
import type { BrokerConfig } from '../settings/broker-config.js';
import { TOPIC_CONFIGS, type TopicConfigDef } from '../../storage/topic-configs.js';
import type { TopicMetadata } from '../../cluster/metadata.js';

/** `compression.type=producer`: batches are kept as the producer compressed them. */
export const KEEP_PRODUCER_COMPRESSION = -1;

export interface TopicProduceSettings {
  /** Codec batches are stored with, or KEEP_PRODUCER_COMPRESSION. */
  readonly compression: number;
  /** Level for gzip/zstd recompression; undefined for the codec's default. */
  readonly compressionLevel: number | undefined;
  /** Oldest CreateTime accepted, as `now - value`; Infinity for Kafka's Long.MAX_VALUE. */
  readonly timestampBeforeMaxMs: number;
  /** Newest CreateTime accepted, as `now + value`; Infinity for Long.MAX_VALUE. */
  readonly timestampAfterMaxMs: number;
  readonly minInsyncReplicas: number;
}

/** The topic configs read here, in the order `broker` arrays below hold their broker settings. */
const TOPIC_NAMES = ['compression.type', 'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms', 'min.insync.replicas'] as const;

function tableEntry(name: string): TopicConfigDef {
  const def = TOPIC_CONFIGS.get(name);
  if (def === undefined || def.synonyms.length !== 1) throw new Error(`topic config ${name}: expected one broker synonym in the table`);
  return def;
}

/** Each one's broker setting and Kafka default, from the topic-config table. */
const BROKER_NAMES: readonly string[] = TOPIC_NAMES.map((n) => tableEntry(n).synonyms[0]!.name);
const DEFAULTS: readonly string[] = TOPIC_NAMES.map((n) => tableEntry(n).default);

interface Cached {
  settings: TopicProduceSettings;
  broker: Array<string | null>;
}

const cache = new WeakMap<TopicMetadata, Cached>();

const CODECS: Readonly<Record<string, number>> = {
  producer: KEEP_PRODUCER_COMPRESSION,
  uncompressed: CompressionType.None,
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

/** Long values as Kafka writes them; anything past 2^53 (Long.MAX_VALUE) is "no limit". */
function parseLong(raw: string | null | undefined, fallback: number): number {
  if (raw === null || raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return n >= Number.MAX_SAFE_INTEGER ? Infinity : n;
}

function resolve(topic: TopicMetadata, broker: Array<string | null>): TopicProduceSettings {
  const c = topic.configs;
  const codecName = (c['compression.type'] ?? broker[0] ?? DEFAULTS[0]!).trim().toLowerCase();
  const compression = CODECS[codecName] ?? KEEP_PRODUCER_COMPRESSION;
  let level: number | undefined;
  if (compression === CompressionType.Gzip && c['compression.gzip.level'] !== undefined) level = Number(c['compression.gzip.level']);
  if (compression === CompressionType.Zstd && c['compression.zstd.level'] !== undefined) level = Number(c['compression.zstd.level']);
  if (level !== undefined && !Number.isInteger(level)) level = undefined;
  return {
    compression,
    compressionLevel: level,
    timestampBeforeMaxMs: parseLong(c['message.timestamp.before.max.ms'] ?? broker[1] ?? DEFAULTS[1], Infinity),
    timestampAfterMaxMs: parseLong(c['message.timestamp.after.max.ms'] ?? broker[2] ?? DEFAULTS[2], 3_600_000),
    minInsyncReplicas: Math.max(1, parseLong(c['min.insync.replicas'] ?? broker[3] ?? DEFAULTS[3], 1)),
  };
}

export function topicProduceSettings(topic: TopicMetadata, config: BrokerConfig): TopicProduceSettings {
  const cached = cache.get(topic);
  if (cached !== undefined) {
    let same = true;
    for (let i = 0; i < BROKER_NAMES.length; i++) {
      if (config.raw(BROKER_NAMES[i]!) !== cached.broker[i]) {
        same = false;
        break;
      }
    }
    if (same) return cached.settings;
  }
  const broker = BROKER_NAMES.map((n) => config.raw(n));
  const settings = resolve(topic, broker);
  cache.set(topic, { settings, broker });
  return settings;
}
