/**
 * DescribeConfigs for topics, brokers (this broker's settings, or the cluster-wide dynamic
 * defaults with an empty name) and broker loggers, as Kafka's ConfigHelper answers: values,
 * sources, synonyms in order of precedence, read-only and sensitive flags, types and
 * documentation.
 */
import type { DescribeConfigsResource } from '../../protocol/generated/describe-configs-request.js';
import type { DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym } from '../../protocol/generated/describe-configs-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ConfigSource } from '../config/broker-config.js';
import { BROKER_CONFIGS } from '../config/definitions.js';
import type { BrokerContext } from '../context.js';
import { topicNameError } from '../topics.js';
import { brokerDoc } from './broker-docs.js';
import { brokerSynonymEntries, dynamicConfigs, effectiveBrokerValue, kafkaType, nodeScope, topicDefaultFromBroker, type SynonymEntry } from './broker-values.js';
import { CONFIG_TYPE_ID, parseBrokerId } from './config-def.js';
import { brokerConfigSynonyms, TOPIC_CONFIGS, type TopicConfigDef } from './topic-configs.js';
import { describeBrokerLoggers } from './broker-logger.js';

/** ConfigResource.Type ids. */
export const ResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

const KNOWN_TYPES: ReadonlySet<number> = new Set([2, 4, 8, 16, 32]);

/** Whether Kafka knows the resource type (an unknown one fails the whole request). */
export function isKnownResourceType(type: number): boolean {
  return KNOWN_TYPES.has(type);
}

export interface DescribeOptions {
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

type Entry = DescribeConfigsResourceResult;

function result(resource: DescribeConfigsResource, errorCode: number, errorMessage: string | null, configs: Entry[] = []): DescribeConfigsResult {
  return { errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName, configs };
}

function keep(resource: DescribeConfigsResource, name: string): boolean {
  const keys = resource.configurationKeys;
  return keys === null || keys.length === 0 || keys.includes(name);
}

/** Describes one resource; errors go in the result, as Kafka reports them per resource. */
export function describeResource(broker: BrokerContext, resource: DescribeConfigsResource, opts: DescribeOptions): DescribeConfigsResult {
  switch (resource.resourceType) {
    case ResourceType.TOPIC:
      return describeTopic(broker, resource, opts);
    case ResourceType.BROKER: {
      const name = resource.resourceName;
      if (name === '') return result(resource, ErrorCode.NONE, '', describeClusterDefaults(broker, resource, opts));
      const id = parseBrokerId(name);
      if (id === null) return result(resource, ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
      if (id !== broker.nodeId) {
        return result(resource, ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${name}`);
      }
      return result(resource, ErrorCode.NONE, '', describeBroker(broker, resource, opts));
    }
    case ResourceType.BROKER_LOGGER: {
      const name = resource.resourceName;
      if (name === '') return result(resource, ErrorCode.INVALID_REQUEST, 'Broker id must not be empty');
      const id = parseBrokerId(name);
      if (id === null) return result(resource, ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
      if (id !== broker.nodeId) return result(resource, ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} but received ${name}`);
      return result(resource, ErrorCode.NONE, '', describeBrokerLoggers(broker).filter((e) => keep(resource, e.name)));
    }
    case ResourceType.CLIENT_METRICS:
      // No client metrics subscriptions exist in Millrace; Kafka answers an unknown one with no configs.
      if (resource.resourceName === '') return result(resource, ErrorCode.INVALID_REQUEST, 'Client metrics subscription name must not be empty');
      return result(resource, ErrorCode.NONE, '');
    default:
      return result(resource, ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resource.resourceType === ResourceType.GROUP ? 'GROUP' : resource.resourceType}`);
  }
}

// ---- topics ----------------------------------------------------------------------------

function describeTopic(broker: BrokerContext, resource: DescribeConfigsResource, opts: DescribeOptions): DescribeConfigsResult {
  const nameProblem = topicNameError(resource.resourceName);
  if (nameProblem !== null) return result(resource, ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  const topic = broker.metadata.topic(resource.resourceName);
  if (topic === undefined) return result(resource, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, '');
  const configs: Entry[] = [];
  for (const def of TOPIC_CONFIGS.values()) {
    if (keep(resource, def.name)) configs.push(topicEntry(broker, def, topic.configs, opts));
  }
  return result(resource, ErrorCode.NONE, '', configs);
}

/** One topic config as DescribeConfigs shows it: the override, else the broker's default. */
export function topicEntry(broker: BrokerContext, def: TopicConfigDef, overrides: Readonly<Record<string, string>>, opts: DescribeOptions): Entry {
  const override = overrides[def.name];
  const synonyms: SynonymEntry[] = [];
  if (override !== undefined) synonyms.push({ name: def.name, value: override, source: ConfigSource.TopicConfig });
  const brokerName = def.synonyms[0]?.name;
  if (brokerName !== undefined) synonyms.push(...brokerSynonymEntries(broker, brokerName, brokerConfigSynonyms(brokerName), false));
  return {
    name: def.name,
    value: override ?? topicDefaultFromBroker(broker, def),
    readOnly: false,
    isDefault: false,
    configSource: synonyms[0]?.source ?? ConfigSource.DefaultConfig,
    isSensitive: false,
    synonyms: opts.includeSynonyms ? synonyms.map(toSynonym) : [],
    configType: CONFIG_TYPE_ID[def.type],
    documentation: opts.includeDocumentation ? def.doc : null,
  };
}

function toSynonym(s: SynonymEntry): DescribeConfigsSynonym {
  return { name: s.name, value: s.value, source: s.source };
}

// ---- brokers ---------------------------------------------------------------------------

function describeBroker(broker: BrokerContext, resource: DescribeConfigsResource, opts: DescribeOptions): Entry[] {
  const out: Entry[] = [];
  for (const def of BROKER_CONFIGS.values()) {
    if (!keep(resource, def.name)) continue;
    const type = kafkaType(def.type);
    const sensitive = type === 'PASSWORD';
    const synonyms = brokerSynonymEntries(broker, def.name, brokerConfigSynonyms(def.name), sensitive);
    out.push({
      name: def.name,
      value: sensitive ? null : effectiveBrokerValue(broker, def.name),
      readOnly: def.dynamic !== true,
      isDefault: false,
      configSource: synonyms[0]?.source ?? ConfigSource.DefaultConfig,
      isSensitive: sensitive,
      synonyms: opts.includeSynonyms ? synonyms.map(toSynonym) : [],
      configType: CONFIG_TYPE_ID[type],
      documentation: opts.includeDocumentation ? brokerDoc(def.name) : null,
    });
  }
  // Dynamic settings Millrace does not know (Kafka accepts them): shown as Kafka shows
  // settings of unknown type, sensitive and without a value.
  const seen = new Set<string>();
  for (const scope of [nodeScope(broker), '']) {
    for (const name of Object.keys(dynamicConfigs(broker, scope))) {
      if (BROKER_CONFIGS.has(name) || seen.has(name) || !keep(resource, name)) continue;
      seen.add(name);
      out.push(unknownEntry(broker, name, true, opts));
    }
  }
  return out;
}

/** The cluster-wide dynamic defaults (resource name ''): only what has been set there. */
function describeClusterDefaults(broker: BrokerContext, resource: DescribeConfigsResource, opts: DescribeOptions): Entry[] {
  const out: Entry[] = [];
  for (const [name, value] of Object.entries(dynamicConfigs(broker, ''))) {
    if (!keep(resource, name)) continue;
    const def = BROKER_CONFIGS.get(name);
    if (def === undefined) {
      out.push(unknownEntry(broker, name, false, opts));
      continue;
    }
    const type = kafkaType(def.type);
    const sensitive = type === 'PASSWORD';
    const synonyms = brokerSynonymEntries(broker, name, brokerConfigSynonyms(name), sensitive).filter((s) => s.source === ConfigSource.DynamicDefaultBrokerConfig);
    out.push({
      name,
      value: sensitive ? null : value,
      readOnly: def.dynamic !== true,
      isDefault: false,
      configSource: synonyms[0]?.source ?? ConfigSource.DefaultConfig,
      isSensitive: sensitive,
      synonyms: opts.includeSynonyms ? synonyms.map(toSynonym) : [],
      configType: CONFIG_TYPE_ID[type],
      documentation: opts.includeDocumentation ? brokerDoc(name) : null,
    });
  }
  return out;
}

function unknownEntry(broker: BrokerContext, name: string, perBroker: boolean, opts: DescribeOptions): Entry {
  const synonyms = brokerSynonymEntries(broker, name, [name], true).filter((s) => perBroker || s.source === ConfigSource.DynamicDefaultBrokerConfig);
  return {
    name,
    value: null,
    readOnly: true,
    isDefault: false,
    configSource: synonyms[0]?.source ?? ConfigSource.DefaultConfig,
    isSensitive: true,
    synonyms: opts.includeSynonyms ? synonyms.map(toSynonym) : [],
    configType: 0,
    documentation: null,
  };
}
