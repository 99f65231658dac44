/**
 * AlterConfigs (replace a resource's whole set) and IncrementalAlterConfigs (SET, DELETE,
 * APPEND, SUBTRACT) for topics, this broker, the cluster-wide broker defaults, the broker
 * logger, groups and client metrics subscriptions (entity-configs.ts), with the checks and messages of Kafka's ConfigAdminManager (broker side) and
 * ConfigurationControlManager (controller side).
 */
import path from 'node:path';
import { AclOperation } from '../../cluster/acls.js';
import { configResourceError } from '../authorize.js';
import type { RequestInfo } from '../handlers/handler.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import { logConfigFromBrokerProps } from '../../storage/config.js';
import { StorageError } from '../../storage/errors.js';
import { BROKER_CONFIGS } from '../settings/definitions.js';
import { CORDONED_LOG_DIRS, cordonedLogDirs, cordonedLogDirsProblem, listEntries } from '../settings/cordoned-log-dirs.js';
import type { BrokerContext } from '../context.js';
import { topicNameError } from '../topics.js';
import { alterBrokerLoggers } from './broker-logger.js';
import { brokerDefault, brokerPropsWithDynamic, brokerSettingInfo, dynamicConfigs, kafkaType, nodeScope } from './broker-values.js';
import { atLeast, ConfigProblem, parseBrokerId, parseConfigValue } from '../../common/config-def.js';
import { ResourceType } from './describe.js';
import { KAFKA_BROKER_CONFIGS } from '../settings/kafka-broker-configs.js';
import { TOPIC_CONFIGS } from '../../storage/topic-configs.js';
import { validateTopicConfigs } from './topic-validate.js';
import { alterEntityConfigs } from './entity-configs.js';
import { ELIGIBLE_LEADER_REPLICAS_VERSION, featureLevel } from '../../cluster/features.js';

/** IncrementalAlterConfigs operations (AlterConfigOp.OpType). */
export const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

export interface AlterResource {
  resourceType: number;
  resourceName: string;
  configs: ReadonlyArray<{ name: string; value: string | null; configOperation?: number }>;
}

export interface AlterResult {
  resourceType: number;
  resourceName: string;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * Applies the changes of every resource and returns one result per resource, in request
 * order. `incremental` selects IncrementalAlterConfigs semantics.
 */
export async function alterConfigs(broker: BrokerContext, resources: readonly AlterResource[], incremental: boolean, validateOnly: boolean, info: RequestInfo): Promise<AlterResult[]> {
  const counts = new Map<string, number>();
  const key = (r: AlterResource) => `${r.resourceType}\u0000${r.resourceName}`;
  for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  const out: AlterResult[] = [];
  for (const r of resources) {
    const res = (errorCode: number, errorMessage: string | null): AlterResult => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode, errorMessage });
    if (counts.get(key(r))! > 1) {
      out.push(res(ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'));
      continue;
    }
    const refused = configResourceError(broker, info, AclOperation.AlterConfigs, r.resourceType, r.resourceName);
    if (refused !== ErrorCode.NONE) {
      out.push(res(refused, errorMessage(refused)));
      continue;
    }
    try {
      await alterResource(broker, r, incremental, validateOnly);
      out.push(res(ErrorCode.NONE, null));
    } catch (e) {
      if (!(e instanceof ConfigProblem)) throw e;
      out.push(res(e.errorCode, e.message));
    }
  }
  return out;
}

async function alterResource(broker: BrokerContext, r: AlterResource, incremental: boolean, validateOnly: boolean): Promise<void> {
  const names = r.configs.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const nulls = r.configs.filter((c) => c.value === null && (!incremental || c.configOperation !== OpType.DELETE)).map((c) => c.name);
  if (nulls.length > 0) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
  switch (r.resourceType) {
    case ResourceType.TOPIC:
      return alterTopic(broker, r, incremental, validateOnly);
    case ResourceType.BROKER:
      return alterBroker(broker, r, incremental, validateOnly);
    case ResourceType.BROKER_LOGGER:
      if (!incremental) break;
      return alterBrokerLoggers(broker, r.resourceName, r.configs.map((c) => ({ name: c.name, value: c.value, configOperation: c.configOperation ?? 0 })), validateOnly);
    case ResourceType.CLIENT_METRICS:
      return alterEntityConfigs(broker, 'client-metrics', r.resourceName, r.configs, incremental, validateOnly);
    case ResourceType.GROUP:
      return alterEntityConfigs(broker, 'groups', r.resourceName, r.configs, incremental, validateOnly);
  }
  throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Unknown resource type ${r.resourceType}`);
}

// ---- topics ----------------------------------------------------------------------------

async function alterTopic(broker: BrokerContext, r: AlterResource, incremental: boolean, validateOnly: boolean): Promise<void> {
  const name = r.resourceName;
  if (name === '') throw new ConfigProblem(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
  const nameProblem = topicNameError(name);
  if (nameProblem !== null) throw new ConfigProblem(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  const current = broker.metadata.topic(name)?.configs ?? {};
  let next: Record<string, string>;
  if (incremental) {
    next = { ...current };
    for (const c of r.configs) {
      const op = c.configOperation ?? OpType.SET;
      switch (op) {
        case OpType.SET:
          next[c.name] = c.value!;
          break;
        case OpType.DELETE:
          delete next[c.name];
          break;
        case OpType.APPEND:
        case OpType.SUBTRACT: {
          const def = TOPIC_CONFIGS.get(c.name);
          if (def?.type !== 'LIST') throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Can't ${OP_NAMES[op]} to key ${c.name} because its type is not LIST.`);
          const parts = (next[c.name] ?? def.default).split(',').filter((s) => s !== '');
          next[c.name] = applyListOp(parts, c.value!, op).join(',');
          break;
        }
        default:
          throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Unknown operations type ${op}`);
      }
    }
  } else {
    next = {};
    for (const c of r.configs) next[c.name] = c.value!;
  }
  const configs = validateTopicConfigs(broker, next);
  if (broker.metadata.topic(name) === undefined) throw new ConfigProblem(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
  if (validateOnly) return;
  try {
    await broker.metadata.setTopicConfigs(name, configs);
  } catch (e) {
    // Deleted while this request was being served.
    if (broker.metadata.topic(name) === undefined) throw new ConfigProblem(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    throw e;
  }
  broker.logs.setTopicConfig(name, configs);
}

/** APPEND adds the values not yet present; SUBTRACT removes one occurrence of each. */
function applyListOp(parts: string[], value: string, op: number): string[] {
  const values = value.split(',');
  if (op === OpType.APPEND) {
    for (const v of values) if (!parts.includes(v)) parts.push(v);
    return parts;
  }
  for (const v of values) {
    const i = parts.indexOf(v);
    if (i >= 0) parts.splice(i, 1);
  }
  return parts;
}

// ---- brokers ---------------------------------------------------------------------------

/**
 * ConfigurationControlManager's ELR guards (KIP-966): while eligible.leader.replicas.version is
 * 1 the min ISR the ELR was computed with must be one for the whole cluster, so a broker's own
 * min.insync.replicas may not change and the cluster-wide one may not be removed.
 */
function checkMinIsrWithElr(broker: BrokerContext, scope: string, next: Readonly<Record<string, string>>): void {
  if (featureLevel(broker.metadata.finalizedFeatures(), ELIGIBLE_LEADER_REPLICAS_VERSION) < 1) return;
  const before = dynamicConfigs(broker, scope)['min.insync.replicas'];
  const after = next['min.insync.replicas'];
  if (before === after) return;
  if (scope !== '') throw new ConfigProblem(ErrorCode.INVALID_CONFIG, 'Broker-level min.insync.replicas cannot be altered while ELR is enabled.');
  if (after === undefined) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, 'Cluster-level min.insync.replicas cannot be removed while ELR is enabled.');
}

async function alterBroker(broker: BrokerContext, r: AlterResource, incremental: boolean, validateOnly: boolean): Promise<void> {
  let scope = r.resourceName;
  if (scope !== '') {
    const id = parseBrokerId(scope);
    if (id === null) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${scope}`);
    if (id !== broker.nodeId) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId}, but received ${scope}`);
    scope = nodeScope(broker);
  }
  let next: Record<string, string>;
  if (incremental) {
    next = { ...dynamicConfigs(broker, scope) };
    for (const c of r.configs) {
      const op = c.configOperation ?? OpType.SET;
      if (op < 0 || op > 3) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Unknown operations type ${op}`);
    }
    for (const c of r.configs) {
      const op = c.configOperation ?? OpType.SET;
      if (op === OpType.SET) next[c.name] = c.value!;
      else if (op === OpType.DELETE) delete next[c.name];
      else {
        const info = brokerSettingInfo(c.name);
        if (info === undefined) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Unknown config name: ${c.name}`);
        if (info.type !== 'LIST') {
          throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Config value ${op === OpType.APPEND ? 'append' : 'subtract'} is not allowed for config key: ${c.name}`);
        }
        const parts = (next[c.name] ?? brokerDefault(c.name) ?? '').split(',').filter((s) => op === OpType.SUBTRACT || s !== '');
        next[c.name] = applyListOp(parts, c.value!, op).join(',');
      }
    }
  } else {
    next = {};
    for (const c of r.configs) next[c.name] = c.value!;
  }
  validateDynamicBrokerConfigs(broker, scope, next);
  checkMinIsrWithElr(broker, scope, next);
  const store = broker.metadata;
  if (store.setBrokerConfigs === undefined) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, 'This metadata store does not keep dynamic broker configs.');
  if (validateOnly) return;
  await store.setBrokerConfigs(scope, next);
  applyDynamicBrokerConfigs(broker);
}

/**
 * Kafka's DynamicBrokerConfig.validate for the complete set a scope will have: only settings
 * that may change at runtime (per-broker-only ones not as cluster defaults), values by type and
 * range — Millrace's checks for the settings it reads, Kafka 4.4's validators for the others.
 * Errors are INVALID_REQUEST, as in Kafka (KAFKA-13609). Settings neither Millrace nor Kafka
 * knows are accepted, as Kafka accepts them.
 */
function validateDynamicBrokerConfigs(broker: BrokerContext, scope: string, next: Readonly<Record<string, string>>): void {
  const fixed = Object.keys(next).filter((n) => brokerSettingInfo(n)?.dynamic === '');
  if (fixed.length > 0) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: [${fixed.join(', ')}]`);
  if (scope === '') {
    const perBroker = Object.keys(next).filter((n) => brokerSettingInfo(n)?.dynamic === 'B');
    if (perBroker.length > 0) {
      throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Cannot update these configs at default cluster level, broker id must be specified: [${perBroker.join(', ')}]`);
    }
  }
  for (const [name, raw] of Object.entries(next)) {
    const info = brokerSettingInfo(name);
    if (info === undefined) continue;
    const def = BROKER_CONFIGS.get(name);
    try {
      const value = parseConfigValue(name, raw, info.type, ErrorCode.INVALID_REQUEST);
      KAFKA_BROKER_CONFIGS.get(name)?.validator?.(name, value);
      if (def === undefined) continue;
      if (def.min !== undefined) atLeast(def.min, info.type === 'DOUBLE' ? 'double' : 'integer')(name, value);
      // A topic default's validator is the topic config's, written for values of its type.
      if (kafkaType(def.type) === info.type) def.validator?.(name, value);
    } catch (e) {
      if (e instanceof ConfigProblem) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, e.message);
      throw e;
    }
  }
  const node = scope === '' ? dynamicConfigs(broker, nodeScope(broker)) : next;
  const cluster = scope === '' ? next : dynamicConfigs(broker, '');
  // KafkaConfig.validateCordonedLogDirs on the config the update would give (a per-broker setting).
  const cordoned = cordonedLogDirsProblem(broker.config.logDirs(), listEntries(node[CORDONED_LOG_DIRS] ?? broker.config.raw(CORDONED_LOG_DIRS)));
  if (cordoned !== null) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `requirement failed: ${cordoned}`);
  try {
    logConfigFromBrokerProps(brokerPropsWithDynamic(broker, node, cluster));
  } catch (e) {
    if (e instanceof StorageError) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, e.message);
    throw e;
  }
}

/**
 * Makes the dynamic broker configs in the metadata store take effect: the topic defaults
 * they supply are handed to the log manager. Called after every change, and meant to be
 * called once at start-up after the logs are open.
 */
export function applyDynamicBrokerConfigs(broker: BrokerContext): void {
  const props = brokerPropsWithDynamic(broker);
  broker.logs.setDefaultLogConfig(logConfigFromBrokerProps(props));
  // DynamicLogConfig.reconfigure: the log manager's cordoned directories, and the broker's
  // registration (which the controller places replicas by) says them too.
  const logDirs = broker.config.logDirs();
  broker.logs.setCordonedLogDirs(cordonedLogDirs(logDirs, listEntries(props[CORDONED_LOG_DIRS])));
  broker.metadata.setLogDirs(logDirs.map((d) => path.resolve(d)), broker.logs.cordonedLogDirs());
}
