/**
 * DescribeConfigs for topics, brokers (this broker's settings, or the cluster-wide dynamic
 * defaults with an empty name), broker loggers, groups and client metrics subscriptions, as Kafka's ConfigHelper answers: values,
 * sources, synonyms in order of precedence, read-only and sensitive flags, types and
 * documentation.
 */
import type { DescribeConfigsResource } from '../../protocol/generated/describe-configs-request.js';
import type { DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym } from '../../protocol/generated/describe-configs-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ConfigSource } from '../settings/broker-config.js';
import { BROKER_CONFIGS, brokerConfigSynonyms } from '../settings/definitions.js';
import type { BrokerContext } from '../context.js';
import { topicNameError } from '../topics.js';
import { brokerDoc } from '../settings/broker-docs.js';
import { brokerSettingInfo, brokerSynonymEntries, dynamicConfigs, effectiveBrokerValue, nodeScope, topicDefaultFromBroker, type SynonymEntry } from './broker-values.js';
import { CONFIG_TYPE_ID, parseBrokerId } from '../../common/config-def.js';
import { TOPIC_CONFIGS, type TopicConfigDef } from '../../storage/topic-configs.js';
import { describeBrokerLoggers } from './broker-logger.js';
import { KAFKA_BROKER_CONFIGS } from '../settings/kafka-broker-configs.js';
import { describeClientMetricsConfigs, describeGroupConfigs } from './entity-configs.js';

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
      if (resource.resourceName === '') return result(resource, ErrorCode.INVALID_REQUEST, 'Client metrics subscription name must not be empty');
      return result(resource, ErrorCode.NONE, '', describeClientMetricsConfigs(broker, resource.resourceName, (n) => keep(resource, n), opts));
    case ResourceType.GROUP:
      if (resource.resourceName === '') return result(resource, ErrorCode.INVALID_REQUEST, 'Group name must not be empty');
      return result(resource, ErrorCode.NONE, '', describeGroupConfigs(broker, resource.resourceName, (n) => keep(resource, n), opts));
    default:
      return result(resource, ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resource.resourceType}`);
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

// ---- brokers ----------------------------------------------------------------------------

/**
 * This broker's settings, as Kafka's ConfigHelper lists them: every setting Millrace reads,
 * every other setting Kafka 4.4 knows (with its value from server.properties or a dynamic
 * config, else Kafka's default: accepted, not acted upon, still described), then settings
 * neither knows that were given statically or dynamically, which Kafka describes as of unknown
 * type, sensitive and without a value.
 */
function describeBroker(broker: BrokerContext, resource: DescribeConfigsResource, opts: DescribeOptions): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<string>();
  const add = (name: string) => {
    if (seen.has(name) || !keep(resource, name)) return;
    seen.add(name);
    out.push(brokerEntry(broker, name, effectiveBrokerValue(broker, name), true, opts));
  };
  for (const name of BROKER_CONFIGS.keys()) add(name);
  for (const name of KAFKA_BROKER_CONFIGS.keys()) add(name);
  for (const name of [...broker.config.ignored, ...broker.config.unknown]) add(name);
  for (const scope of [nodeScope(broker), '']) {
    for (const name of Object.keys(dynamicConfigs(broker, scope))) add(name);
  }
  return out;
}

/** The cluster-wide dynamic defaults (resource name ''): only what has been set there. */
function describeClusterDefaults(broker: BrokerContext, resource: DescribeConfigsResource, opts: DescribeOptions): Entry[] {
  const out: Entry[] = [];
  for (const [name, value] of Object.entries(dynamicConfigs(broker, ''))) {
    if (keep(resource, name)) out.push(brokerEntry(broker, name, value, false, opts));
  }
  return out;
}

/**
 * One broker setting (ConfigHelper.createBrokerConfigEntry): Kafka's type, read-only unless
 * it may change at runtime, sensitive when a password or of unknown type (value and synonym
 * values then withheld), synonyms in order of precedence; for the cluster defaults only the
 * dynamic default synonyms.
 */
function brokerEntry(broker: BrokerContext, name: string, value: string | null, perBroker: boolean, opts: DescribeOptions): Entry {
  const info = brokerSettingInfo(name);
  const sensitive = info === undefined || info.type === 'PASSWORD';
  const synonymNames = info === undefined ? [name] : brokerConfigSynonyms(name);
  const synonyms = brokerSynonymEntries(broker, name, synonymNames, sensitive).filter((s) => perBroker || s.source === ConfigSource.DynamicDefaultBrokerConfig);
  return {
    name,
    value: sensitive ? null : value,
    readOnly: info === undefined || info.dynamic === '',
    configSource: synonyms[0]?.source ?? ConfigSource.DefaultConfig,
    isSensitive: sensitive,
    synonyms: opts.includeSynonyms ? synonyms.map(toSynonym) : [],
    configType: info === undefined ? 0 : CONFIG_TYPE_ID[info.type],
    documentation: opts.includeDocumentation && info !== undefined ? brokerDoc(name) : null,
  };
}
