/**
 * Effective topic configs: a topic's override, else the broker default that supplies it
 * (dynamic, then static broker settings), else Kafka's default. For CreateTopics responses
 * (v5+) and for layers that need a topic config the storage layer does not hold
 * (compression.type, min.insync.replicas, unclean.leader.election.enable, ...).
 */
import { ConfigSource } from '../settings/broker-config.js';
import type { BrokerContext } from '../context.js';
import { dynamicConfigs, nodeScope, topicDefaultFromBroker } from './broker-values.js';
import { TOPIC_CONFIGS, type TopicConfigDef } from '../../storage/topic-configs.js';

export interface EffectiveConfig {
  name: string;
  value: string | null;
  source: ConfigSource;
  isSensitive: boolean;
  readOnly: boolean;
}

/** The value a topic config has for `topic` now (override, else broker default), or undefined for an unknown name. */
export function topicConfigValue(broker: BrokerContext, topic: string, name: string): string | undefined {
  const def = TOPIC_CONFIGS.get(name);
  if (def === undefined) return undefined;
  return broker.metadata.topic(topic)?.configs[name] ?? topicDefaultFromBroker(broker, def);
}

/**
 * Every topic config for a topic with `overrides`, sorted by name, with its source, the way
 * Kafka's controller resolves them for a CreateTopics response (KafkaConfigSchema): the
 * override, else the first synonym set dynamically for this broker, then for the cluster,
 * then statically, else Kafka's default.
 */
export function effectiveTopicConfigs(broker: BrokerContext, overrides: Readonly<Record<string, string>>): EffectiveConfig[] {
  const node = dynamicConfigs(broker, nodeScope(broker));
  const cluster = dynamicConfigs(broker, '');
  const out: EffectiveConfig[] = [];
  for (const def of [...TOPIC_CONFIGS.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const entry = (value: string | null, source: ConfigSource): EffectiveConfig => ({ name: def.name, value, source, isSensitive: false, readOnly: false });
    const override = overrides[def.name];
    if (override !== undefined) {
      out.push(entry(override, ConfigSource.TopicConfig));
      continue;
    }
    out.push(
      fromSynonyms(def, (n) => node[n], ConfigSource.DynamicBrokerConfig, entry) ??
        fromSynonyms(def, (n) => cluster[n], ConfigSource.DynamicDefaultBrokerConfig, entry) ??
        fromSynonyms(def, (n) => (broker.config.isSet(n) ? (broker.config.raw(n) ?? undefined) : undefined), ConfigSource.StaticBrokerConfig, entry) ??
        entry(def.default, ConfigSource.DefaultConfig),
    );
  }
  return out;
}

function fromSynonyms(
  def: TopicConfigDef,
  lookup: (name: string) => string | undefined,
  source: ConfigSource,
  entry: (value: string | null, source: ConfigSource) => EffectiveConfig,
): EffectiveConfig | undefined {
  for (const syn of def.synonyms) {
    const v = lookup(syn.name);
    if (v === undefined) continue;
    if (syn.scale === undefined) return entry(v, source);
    try {
      return entry(String(BigInt(v.trim()) * BigInt(syn.scale)), source);
    } catch {
      return entry(v, source);
    }
  }
  return undefined;
}
