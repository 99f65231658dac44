/**
 * DescribeConfigs and (Incremental)AlterConfigs for the GROUP and CLIENT_METRICS config
 * resources, as Kafka 4.4's ConfigHelper describes them and its controller
 * (ControllerConfigurationValidator, ConfigurationControlManager) validates and stores them.
 * The configs live in the metadata store (the local file, or etcd in a cluster) like topic
 * configs, and survive restarts.
 */
import type { DescribeConfigsResourceResult } from '../../protocol/generated/describe-configs-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { CONFIG_TYPE_ID, ConfigProblem, configValueToString, parseConfigValue } from '../../common/config-def.js';
import { isMetadataError, type EntityConfigType } from '../../cluster/metadata.js';
import { GROUP_CONFIG_DEFS, GROUP_CONFIGS, validateGroupConfigs, type BrokerGroupSettings, type GroupConfigDef } from '../../coordinator/group/group-configs.js';
import { ConfigSource } from '../settings/broker-config.js';
import { brokerConfigSynonyms } from '../settings/definitions.js';
import type { BrokerContext } from '../context.js';
import { brokerSynonymEntries, effectiveBrokerValue, type SynonymEntry } from './broker-values.js';
import { CLIENT_METRICS_CONFIG_DEFS, validateClientMetricsConfigs } from './client-metrics.js';

type Entry = DescribeConfigsResourceResult;

export interface EntityDescribeOptions {
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

/** The broker settings group configs are checked against and fall back on, as they are now. */
export function brokerGroupSettings(broker: BrokerContext): BrokerGroupSettings {
  return (name) => effectiveBrokerValue(broker, name);
}

// ---- describe ----------------------------------------------------------------------------

/**
 * A group's configs (ConfigHelper.createGroupConfigEntry): every config Kafka describes (the
 * internal ones only when the group sets them), sorted by name; the group's value (source
 * GROUP_CONFIG) else its broker synonym's (with the broker synonyms' sources) else Kafka's
 * default.
 */
export function describeGroupConfigs(broker: BrokerContext, group: string, keep: (name: string) => boolean, opts: EntityDescribeOptions): Entry[] {
  const overrides = broker.metadata.entityConfigs('groups', group);
  const out: Entry[] = [];
  for (const d of [...GROUP_CONFIG_DEFS].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if ((d.internal && overrides[d.name] === undefined) || !keep(d.name)) continue;
    out.push(groupEntry(broker, d, overrides[d.name], opts));
  }
  return out;
}

function groupEntry(broker: BrokerContext, d: GroupConfigDef, override: string | undefined, opts: EntityDescribeOptions): Entry {
  const synonyms: SynonymEntry[] = [];
  if (override !== undefined) synonyms.push({ name: d.name, value: override, source: ConfigSource.GroupConfig });
  if (d.brokerSynonym !== null) synonyms.push(...brokerSynonymEntries(broker, d.brokerSynonym, brokerConfigSynonyms(d.brokerSynonym), false));
  else if (d.default !== null) synonyms.push({ name: d.name, value: d.default, source: ConfigSource.DefaultConfig });
  return {
    name: d.name,
    value: override ?? groupDefaultValue(broker, d),
    readOnly: false,
    configSource: synonyms[0]?.source ?? ConfigSource.DefaultConfig,
    isSensitive: false,
    synonyms: opts.includeSynonyms ? synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
    configType: CONFIG_TYPE_ID[d.type],
    documentation: opts.includeDocumentation ? d.doc : null,
  };
}

/** What a group without its own value has: the broker synonym's value in the group config's form, else Kafka's default. */
function groupDefaultValue(broker: BrokerContext, d: GroupConfigDef): string | null {
  if (d.brokerSynonym === null) return d.default;
  const raw = effectiveBrokerValue(broker, d.brokerSynonym);
  if (raw === null) return d.default;
  // group.streams.assignors lists the assignors; the group's default is the first.
  if (d.brokerSynonym === 'group.streams.assignors') return raw.split(',')[0]?.trim() ?? d.default;
  try {
    return configValueToString(parseConfigValue(d.brokerSynonym, raw, d.type), d.type);
  } catch {
    return raw;
  }
}

/** A client metrics subscription's configs (ConfigHelper.createClientMetricsConfigEntry); a subscription that does not exist shows the defaults. */
export function describeClientMetricsConfigs(broker: BrokerContext, subscription: string, keep: (name: string) => boolean, opts: EntityDescribeOptions): Entry[] {
  const configs = broker.metadata.entityConfigs('client-metrics', subscription);
  const out: Entry[] = [];
  for (const d of CLIENT_METRICS_CONFIG_DEFS) {
    if (!keep(d.name)) continue;
    const set = configs[d.name];
    out.push({
      name: d.name,
      value: set ?? d.default,
      readOnly: false,
      configSource: set === undefined ? ConfigSource.DefaultConfig : ConfigSource.ClientMetricsConfig,
      isSensitive: false,
      synonyms: opts.includeSynonyms && set !== undefined ? [{ name: d.name, value: set, source: ConfigSource.ClientMetricsConfig }] : [],
      configType: CONFIG_TYPE_ID[d.type],
      documentation: opts.includeDocumentation ? d.doc : null,
    });
  }
  return out;
}

// ---- alter -------------------------------------------------------------------------------

/** IncrementalAlterConfigs' operation types (AlterConfigOp.OpType). */
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

export interface EntityChange {
  name: string;
  value: string | null;
  configOperation?: number;
}

/**
 * Changes a group's or subscription's configs: `incremental` applies SET, DELETE, APPEND and
 * SUBTRACT to what it has (ConfigurationControlManager.incrementalAlterConfigResource), else
 * the given set replaces it (legacyAlterConfigResource); then the complete set is validated
 * and, unless `validateOnly`, stored.
 */
export async function alterEntityConfigs(broker: BrokerContext, type: EntityConfigType, name: string, changes: readonly EntityChange[], incremental: boolean, validateOnly: boolean): Promise<void> {
  if (type === 'groups' && name === '') throw new ConfigProblem(ErrorCode.INVALID_REQUEST, 'Default group resources are not allowed.');
  const current = broker.metadata.entityConfigs(type, name);
  let next: Record<string, string>;
  if (incremental) {
    next = { ...current };
    for (const c of changes) {
      const op = c.configOperation ?? SET;
      switch (op) {
        case SET:
          next[c.name] = c.value!;
          break;
        case DELETE:
          delete next[c.name];
          break;
        case APPEND:
        case SUBTRACT: {
          const def = listDefault(type, c.name);
          if (def === undefined) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Can't ${OP_NAMES[op]} to key ${c.name} because its type is not LIST.`);
          const parts = (next[c.name] ?? def).split(',').filter((s) => s !== '');
          next[c.name] = applyListOp(parts, c.value!, op).join(',');
          break;
        }
        default:
          throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Unknown operations type ${op}`);
      }
    }
  } else {
    next = {};
    for (const c of changes) next[c.name] = c.value!;
  }
  const valid = type === 'groups' ? validateGroupConfigs(next, brokerGroupSettings(broker)) : validateClientMetricsConfigs(name, next);
  if (validateOnly) return;
  try {
    await broker.metadata.setEntityConfigs(type, name, valid);
  } catch (e) {
    // A cluster's store refuses a change computed from an image that moved on meanwhile.
    if (isMetadataError(e)) throw new ConfigProblem(e.errorCode, e.message);
    throw e;
  }
}

/** The default of a LIST config of the resource type (what APPEND and SUBTRACT start from), undefined when not a list. */
function listDefault(type: EntityConfigType, name: string): string | undefined {
  if (type === 'groups') {
    const d = GROUP_CONFIGS.get(name);
    return d?.type === 'LIST' ? (d.default ?? '') : undefined;
  }
  const d = CLIENT_METRICS_CONFIG_DEFS.find((x) => x.name === name);
  return d?.type === 'LIST' ? d.default : undefined;
}

/** APPEND adds the values not yet present; SUBTRACT removes every occurrence of each. */
function applyListOp(parts: string[], value: string, op: number): string[] {
  const values = value.split(',').map((v) => v.trim());
  if (op === APPEND) {
    for (const v of values) if (!parts.includes(v)) parts.push(v);
    return parts;
  }
  return parts.filter((p) => !values.includes(p));
}
