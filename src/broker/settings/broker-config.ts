import { readFileSync } from 'node:fs';
import { BROKER_CONFIGS, IGNORED_KAFKA_CONFIGS, LONG_MAX, type ConfigDef } from './definitions.js';
import { parseProperties } from '../../common/properties.js';
import { envNameToConfig } from './properties.js';
import { ConfigProblem, parseConfigValue, type ConfigValue } from '../../common/config-def.js';
import { TOPIC_CONFIGS } from '../../storage/topic-configs.js';
import { KAFKA_BROKER_CONFIGS } from './kafka-broker-configs.js';
import { parsePerIpOverrides } from './per-ip-overrides.js';
import { CORDONED_LOG_DIRS, cordonedLogDirs, cordonedLogDirsProblem } from './cordoned-log-dirs.js';
import { parseListener, resolveListeners, type Listener, type ListenerSettings } from '../../security/listeners.js';

/** DescribeConfigs `config_source` values, as Kafka numbers them. */
export const enum ConfigSource {
  Unknown = 0,
  TopicConfig = 1,
  DynamicBrokerConfig = 2,
  DynamicDefaultBrokerConfig = 3,
  StaticBrokerConfig = 4,
  DefaultConfig = 5,
  DynamicBrokerLoggerConfig = 6,
  ClientMetricsConfig = 7,
  GroupConfig = 8,
}

export type { Listener } from '../../security/listeners.js';
export { parseListener } from '../../security/listeners.js';

export interface LoadOptions {
  /** server.properties path. */
  file?: string;
  /** Environment to read MILLRACE_* from (defaults to none, so embedded brokers are hermetic). */
  env?: NodeJS.ProcessEnv;
  /** `key=value` strings (`--override`) or an object, applied last. */
  overrides?: readonly string[] | Readonly<Record<string, string | number | boolean>>;
}

/** Thrown when settings are invalid; `problems` has one line per bad setting. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Broker settings after merging defaults, file, environment and overrides. */
export class BrokerConfig {
  private readonly values: Map<string, string>;
  /** Settings given but not known to Millrace (reported as warnings). */
  readonly unknown: string[];
  /** Kafka settings given that Millrace accepts and does not use. */
  readonly ignored: string[];
  /** The listeners with their security protocols, the advertised ones and the inter-broker one (checked at load). */
  listenerSettings!: ListenerSettings;

  private constructor(values: Map<string, string>, unknown: string[], ignored: string[]) {
    this.values = values;
    this.unknown = unknown;
    this.ignored = ignored;
  }

  static load(options: LoadOptions = {}): BrokerConfig {
    const given = new Map<string, string>();
    if (options.file !== undefined) {
      for (const [k, v] of parseProperties(readFileSync(options.file, 'utf8'))) given.set(k, v);
    }
    for (const [envName, v] of Object.entries(options.env ?? {})) {
      const name = envNameToConfig(envName);
      if (name !== null && v !== undefined) given.set(name, v);
    }
    const overrides = options.overrides ?? [];
    if (Array.isArray(overrides)) {
      const problems: string[] = [];
      for (const o of overrides as readonly string[]) {
        const eq = o.indexOf('=');
        if (eq <= 0) problems.push(`--override ${JSON.stringify(o)}: expected key=value`);
        else given.set(o.slice(0, eq).trim(), o.slice(eq + 1).trim());
      }
      if (problems.length > 0) throw new ConfigError(problems);
    } else {
      for (const [k, v] of Object.entries(overrides)) given.set(k, String(v));
    }
    const unknown: string[] = [];
    const ignored: string[] = [];
    const problems: string[] = [];
    for (const [name, value] of given) {
      const def = BROKER_CONFIGS.get(name) ?? listenerPrefixedDef(name);
      if (def === undefined) {
        const kafka = KAFKA_BROKER_CONFIGS.get(name);
        if (kafka !== undefined) {
          // A setting Millrace does not act on is still held to Kafka's type and validator:
          // Kafka refuses to start with it, and so does Millrace.
          const problem = kafkaProblem(name, value, kafka.type, kafka.validator);
          if (problem !== null) problems.push(problem);
        }
        if (IGNORED_KAFKA_CONFIGS.has(name) || kafka !== undefined) ignored.push(name);
        else unknown.push(name);
        continue;
      }
      const problem = checkValue(def, value);
      if (problem !== null) problems.push(`${name}=${value}: ${problem}`);
    }
    const config = new BrokerConfig(given, unknown, ignored);
    problems.push(...config.checkListeners());
    if (problems.length === 0) {
      const resolved = resolveListeners({
        listeners: config.list('listeners'),
        advertisedListeners: config.isSet('advertised.listeners') ? config.list('advertised.listeners') : null,
        protocolMap: config.raw('listener.security.protocol.map') ?? '',
        interBrokerListenerName: config.raw('inter.broker.listener.name'),
        securityInterBrokerProtocol: config.isSet('security.inter.broker.protocol') ? config.raw('security.inter.broker.protocol') : null,
      });
      if (Array.isArray(resolved)) problems.push(...resolved);
      else config.listenerSettings = resolved;
    }
    if (problems.length === 0) problems.push(...config.checkNetwork());
    const cordoned = cordonedLogDirsProblem(config.logDirs(), config.list(CORDONED_LOG_DIRS));
    if (cordoned !== null) problems.push(cordoned);
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
  }

  /**
   * A setting as one listener sees it: `listener.name.<listener>.<name>` (the listener's name
   * in lower case, as Kafka prefixes it), else the setting itself, else its default.
   */
  listenerRaw(listener: string, name: string): string | null {
    return this.values.get(`${listenerPrefix(listener)}${name}`) ?? this.raw(name);
  }

  /** `listener.name.<listener>.<name>` when given, else null (no fallback). */
  listenerOnly(listener: string, name: string): string | null {
    return this.values.get(`${listenerPrefix(listener)}${name}`) ?? null;
  }

  /** True when `listener.name.<listener>.<name>` or `name` itself was given. */
  isListenerSet(listener: string, name: string): boolean {
    return this.values.has(`${listenerPrefix(listener)}${name}`) || this.values.has(name);
  }

  /** True when the setting was given (file, environment or override) rather than defaulted. */
  isSet(name: string): boolean {
    return this.values.has(name);
  }

  /** The setting as a string, or its default, or null. */
  raw(name: string): string | null {
    const v = this.values.get(name);
    if (v !== undefined) return v;
    const def = BROKER_CONFIGS.get(name);
    if (def === undefined) throw new Error(`unknown broker setting ${name}`);
    return def.default;
  }

  source(name: string): ConfigSource {
    return this.values.has(name) ? ConfigSource.StaticBrokerConfig : ConfigSource.DefaultConfig;
  }

  int(name: string): number {
    return parseNumber(this.raw(name), name);
  }

  /** Longs are numbers; Long.MAX_VALUE becomes Number.MAX_SAFE_INTEGER-ish infinity stand-in. */
  long(name: string): number {
    const raw = this.raw(name);
    if (raw === LONG_MAX) return Number.MAX_SAFE_INTEGER;
    return parseNumber(raw, name);
  }

  longOrNull(name: string): number | null {
    return this.raw(name) === null ? null : this.long(name);
  }

  double(name: string): number {
    return parseNumber(this.raw(name), name);
  }

  bool(name: string): boolean {
    return this.raw(name)?.trim().toLowerCase() === 'true';
  }

  list(name: string): string[] {
    const raw = this.raw(name);
    if (raw === null) return [];
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  /** `cordoned.log.dirs` with `*` expanded to every log directory (validated at load). */
  cordonedLogDirs(): string[] {
    return cordonedLogDirs(this.logDirs(), this.list(CORDONED_LOG_DIRS));
  }

  /** `log.dirs`, falling back to `log.dir` as Kafka does. */
  logDirs(): string[] {
    if (this.isSet('log.dirs') || !this.isSet('log.dir')) return this.list('log.dirs');
    return [this.raw('log.dir')!];
  }

  listeners(): Listener[] {
    return this.list('listeners').map(parseListener);
  }

  /** `advertised.listeners`, or `listeners` when unset. */
  advertisedListeners(): Listener[] {
    const advertised = this.list('advertised.listeners');
    return advertised.length > 0 ? advertised.map(parseListener) : this.listeners();
  }

  /** Effective `log.retention.ms`: ms, else minutes, else hours (Kafka's precedence). */
  retentionMs(): number {
    return this.topicDefault('retention.ms');
  }

  /** Effective `log.roll.ms`: ms, else hours. */
  rollMs(): number {
    return this.topicDefault('segment.ms');
  }

  /** Effective `log.roll.jitter.ms`: ms, else hours. */
  rollJitterMs(): number {
    return this.topicDefault('segment.jitter.ms');
  }

  /**
   * The default these settings give a numeric topic config: its first broker synonym with a
   * value (hours and minutes in milliseconds), in the topic config table's order of precedence.
   */
  private topicDefault(topicConfig: string): number {
    const def = TOPIC_CONFIGS.get(topicConfig);
    if (def === undefined) throw new Error(`unknown topic config ${topicConfig}`);
    for (const synonym of def.synonyms) {
      if (this.raw(synonym.name) !== null) return this.long(synonym.name) * (synonym.scale ?? 1);
    }
    return Number(def.default);
  }

  /** Every known setting with its value and source, for DescribeConfigs. */
  *entries(): IterableIterator<{ def: ConfigDef; value: string | null; source: ConfigSource }> {
    for (const def of BROKER_CONFIGS.values()) {
      yield { def, value: this.raw(def.name), source: this.source(def.name) };
    }
  }

  /** `max.connections.per.ip.overrides`, parsed (validated at load). */
  perIpOverrides(): Map<string, number> {
    return parsePerIpOverrides(this.raw('max.connections.per.ip.overrides') ?? '');
  }

  /** KafkaConfig.validateValues for the socket server settings. */
  private checkNetwork(): string[] {
    const problems: string[] = [];
    const queuedBytes = this.long('queued.max.request.bytes');
    if (queuedBytes > 0 && queuedBytes < this.int('socket.request.max.bytes')) {
      problems.push('queued.max.request.bytes must be larger or equal to socket.request.max.bytes');
    }
    const failedAuthDelay = this.int('connection.failed.authentication.delay.ms');
    const maxIdle = this.long('connections.max.idle.ms');
    if (failedAuthDelay >= maxIdle) {
      problems.push(`connection.failed.authentication.delay.ms=${failedAuthDelay} should always be less than connections.max.idle.ms=${maxIdle} to prevent failed authentication responses from timing out`);
    }
    let overrides: Map<string, number>;
    try {
      overrides = this.perIpOverrides();
    } catch (err) {
      problems.push((err as Error).message);
      return problems;
    }
    if (this.int('max.connections.per.ip') === 0 && overrides.size === 0) {
      problems.push('max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.');
    }
    return problems;
  }

  private checkListeners(): string[] {
    const problems: string[] = [];
    for (const name of ['listeners', 'advertised.listeners']) {
      for (const l of this.list(name)) {
        try {
          parseListener(l);
        } catch (err) {
          problems.push(`${name}: ${(err as Error).message}`);
        }
      }
    }
    return problems;
  }
}

/** Kafka's ListenerName.configPrefix: `listener.name.<name in lower case>.`. */
export function listenerPrefix(listener: string): string {
  return `listener.name.${listener.toLowerCase()}.`;
}

/**
 * The definition a `listener.name.<listener>.<setting>` override is checked against: the
 * setting's own, for settings a listener may override (ssl.*, sasl.*, and a SASL mechanism's
 * `<mechanism>.sasl.jaas.config`).
 */
function listenerPrefixedDef(name: string): ConfigDef | undefined {
  const m = /^listener\.name\.[^.]+\.(.+)$/.exec(name);
  if (m === null) return undefined;
  const suffix = m[1]!;
  const jaas = /^[a-z0-9-]+\.(sasl\.jaas\.config)$/.exec(suffix);
  const base = jaas !== null ? jaas[1]! : suffix;
  if (!base.startsWith('ssl.') && !base.startsWith('sasl.')) return undefined;
  return BROKER_CONFIGS.get(base);
}

function parseNumber(raw: string | null, name: string): number {
  if (raw === null) throw new Error(`${name} has no value`);
  return Number(raw.trim());
}

/** Kafka's ConfigException text for a bad value of a setting Kafka knows, or null. */
function kafkaProblem(name: string, value: string, type: Parameters<typeof parseConfigValue>[2], validator: ((n: string, v: ReturnType<typeof parseConfigValue>) => void) | undefined): string | null {
  try {
    validator?.(name, parseConfigValue(name, value, type));
    return null;
  } catch (err) {
    if (err instanceof ConfigProblem) return err.message;
    throw err;
  }
}

function checkValue(def: ConfigDef, value: string): string | null {
  const v = value.trim();
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(v)) return `expected an integer`;
      if (def.type === 'int' && (Number(v) > 2147483647 || Number(v) < -2147483648)) return 'out of int range';
      if (def.type === 'long' && (BigInt(v) > 9223372036854775807n || BigInt(v) < -9223372036854775808n)) return 'out of long range';
      if (def.min !== undefined && Number(v) < def.min) return `must be at least ${def.min}`;
      return validatorProblem(def, def.type === 'long' ? BigInt(v) : Number(v));
    }
    case 'double': {
      if (v === '' || Number.isNaN(Number(v))) return 'expected a number';
      if (def.min !== undefined && Number(v) < def.min) return `must be at least ${def.min}`;
      return validatorProblem(def, Number(v));
    }
    case 'boolean':
      return /^(true|false)$/i.test(v) ? null : 'expected true or false';
    case 'list':
      // Every element checked, an empty one included (so an empty log.cleanup.policy is refused).
      return validatorProblem(def, v.split(',').map((s) => s.trim()));
    default:
      return validatorProblem(def, v);
  }
}

/** The message of the setting's validator (a topic default's: Kafka's bounds), or null. */
function validatorProblem(def: ConfigDef, value: ConfigValue): string | null {
  try {
    def.validator?.(def.name, value);
    return null;
  } catch (err) {
    if (err instanceof ConfigProblem) return err.message;
    throw err;
  }
}
