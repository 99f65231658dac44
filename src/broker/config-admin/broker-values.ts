/**
 * Where a broker setting's value comes from, in Kafka's order: the broker's own dynamic
 * config, the cluster-wide dynamic default, server.properties (or environment and overrides),
 * and Kafka's default. Topic configs fall back on these through their broker synonyms.
 */
import { ConfigSource } from '../settings/broker-config.js';
import { BROKER_CONFIGS, type ConfigType } from '../settings/definitions.js';
import type { BrokerContext } from '../context.js';
import { configValueToString, parseConfigValue, type KafkaConfigType } from '../../common/config-def.js';
import { KAFKA_BROKER_CONFIGS } from '../settings/kafka-broker-configs.js';
import type { TopicConfigDef } from '../../storage/topic-configs.js';

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/** Dynamic configs of a scope: `''` for the cluster default, else a broker id. */
export function dynamicConfigs(broker: BrokerContext, scope: string): Readonly<Record<string, string>> {
  return broker.metadata.brokerConfigs?.(scope) ?? NONE;
}

/** The scope of this broker's own dynamic configs. */
export function nodeScope(broker: BrokerContext): string {
  return String(broker.nodeId);
}

function staticValue(broker: BrokerContext, name: string): string | undefined {
  return broker.config.isSet(name) ? (broker.config.raw(name) ?? undefined) : undefined;
}

/** The default of a broker setting: Millrace's for those it reads, else Kafka 4.4's (null when none). */
export function brokerDefault(name: string): string | null {
  const def = BROKER_CONFIGS.get(name);
  if (def !== undefined) return def.default;
  return KAFKA_BROKER_CONFIGS.get(name)?.default ?? null;
}

/**
 * What DescribeConfigs and dynamic alteration need to know of a broker setting: Kafka's type
 * and whether it may change at runtime ('' read-only, 'B' per broker only, 'C' also as a
 * cluster-wide default); undefined for a name neither Millrace nor Kafka 4.4 knows.
 */
export interface BrokerSettingInfo {
  type: KafkaConfigType;
  dynamic: '' | 'B' | 'C';
}

export function brokerSettingInfo(name: string): BrokerSettingInfo | undefined {
  const own = BROKER_CONFIGS.get(name);
  const kafka = KAFKA_BROKER_CONFIGS.get(name);
  // Kafka's type where Kafka knows the name (listener.security.protocol.map is a STRING to
  // Kafka, the replication factors SHORTs); whether it may change at runtime is Millrace's
  // call for what it reads, since a setting read only at start-up must not look dynamic.
  if (own !== undefined) return { type: kafka?.type ?? kafkaType(own.type), dynamic: own.dynamic === true ? (kafka?.dynamic === 'B' ? 'B' : 'C') : '' };
  if (kafka !== undefined) return { type: kafka.type, dynamic: kafka.dynamic };
  return undefined;
}

/** The value a broker setting has now, from the highest-precedence source that sets it. */
export function effectiveBrokerValue(broker: BrokerContext, name: string): string | null {
  return dynamicConfigs(broker, nodeScope(broker))[name] ?? dynamicConfigs(broker, '')[name] ?? staticValue(broker, name) ?? brokerDefault(name);
}

export interface SynonymEntry {
  name: string;
  value: string | null;
  source: ConfigSource;
}

/**
 * Kafka's `configSynonyms`: each of `names` in every source that sets it, sources in order
 * of precedence, then everything before the first entry for `name` dropped (so describing
 * `log.retention.hours` does not list `log.retention.ms`).
 */
export function brokerSynonymEntries(broker: BrokerContext, name: string, names: readonly string[], sensitive: boolean): SynonymEntry[] {
  const out: SynonymEntry[] = [];
  const add = (map: (n: string) => string | null | undefined, source: ConfigSource) => {
    for (const n of names) {
      const v = map(n);
      if (v !== undefined && v !== null) out.push({ name: n, value: sensitive ? null : v, source });
    }
  };
  const node = dynamicConfigs(broker, nodeScope(broker));
  const cluster = dynamicConfigs(broker, '');
  add((n) => node[n], ConfigSource.DynamicBrokerConfig);
  add((n) => cluster[n], ConfigSource.DynamicDefaultBrokerConfig);
  add((n) => staticValue(broker, n), ConfigSource.StaticBrokerConfig);
  add((n) => brokerDefault(n), ConfigSource.DefaultConfig);
  const first = out.findIndex((s) => s.name === name);
  return first < 0 ? [] : out.slice(first);
}

/** Kafka's type name for a broker setting's type. */
export function kafkaType(type: ConfigType): KafkaConfigType {
  return type.toUpperCase() as KafkaConfigType;
}

/**
 * The broker-level default of a topic config: the first of its broker synonyms that has a
 * value (hours and minutes converted to milliseconds), else Kafka's topic default.
 */
export function topicDefaultFromBroker(broker: BrokerContext, def: TopicConfigDef): string {
  for (const syn of def.synonyms) {
    const raw = effectiveBrokerValue(broker, syn.name);
    if (raw === null) continue;
    try {
      if (syn.scale !== undefined) return String(BigInt(raw.trim()) * BigInt(syn.scale));
      return configValueToString(parseConfigValue(syn.name, raw, def.type), def.type);
    } catch {
      return raw;
    }
  }
  return def.default;
}

/**
 * The broker settings as raw strings, dynamic values over static ones, for the storage
 * layer's `logConfigFromBrokerProps`. Unset settings are left out so storage uses its
 * defaults, exactly as at start-up.
 */
export function brokerPropsWithDynamic(broker: BrokerContext, node = dynamicConfigs(broker, nodeScope(broker)), cluster = dynamicConfigs(broker, '')): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of BROKER_CONFIGS.keys()) {
    const v = node[name] ?? cluster[name] ?? staticValue(broker, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
