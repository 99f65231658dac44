/**
 * The configs a single group may override (Kafka 4.4's GroupConfig, the GROUP config resource
 * of DescribeConfigs and IncrementalAlterConfigs): names, types, defaults and range checks as
 * Kafka's ConfigDef defines them, the broker config each falls back on, and GroupConfig.validate
 * with its messages. A group override is checked against the broker's group.*.min/max bounds
 * when it is set, and clamped into them when read (GroupConfig.evaluate), since the bounds may
 * change after.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { atLeast, ConfigProblem, configValueToString, invalidValue, oneOf, parseConfigValue, type ConfigValue, type KafkaConfigType, type Validator } from '../../common/config-def.js';

export interface GroupConfigDef {
  readonly name: string;
  readonly type: KafkaConfigType;
  /** Kafka's default as DescribeConfigs prints it; null for none. */
  readonly default: string | null;
  readonly validator?: Validator;
  /** Defined with defineInternal: not described unless set. */
  readonly internal: boolean;
  /** GroupConfig.ALL_GROUP_CONFIG_SYNONYMS: the broker config that supplies the value when the group has none. */
  readonly brokerSynonym: string | null;
  readonly doc: string;
}

/** ShareGroupAutoOffsetResetStrategy.Validator: earliest, latest or by_duration:<ISO-8601 duration, not negative>. */
const autoOffsetReset: Validator = Object.assign(
  (name: string, value: ConfigValue) => {
    if (parseAutoOffsetReset(value as string) === undefined) {
      throw invalidValue(
        name,
        value,
        `Invalid value \`${String(value)}\` for configuration ${name}. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.`,
      );
    }
  },
  { bounds: '[latest, earliest, by_duration:PnDTnHnMn.nS]' },
);

/** share.auto.offset.reset: where a share-partition without state starts. */
export type AutoOffsetReset = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'by_duration'; durationMs: number };

const DURATION_RE = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{0,9}))?S)?)?$/i;

/** Parses share.auto.offset.reset as Kafka's strategy does (case-sensitive kinds); undefined when invalid. */
export function parseAutoOffsetReset(value: string): AutoOffsetReset | undefined {
  if (value === 'earliest' || value === 'latest') return { kind: value };
  if (!value.startsWith('by_duration:')) return undefined;
  const text = value.slice('by_duration:'.length);
  const m = DURATION_RE.exec(text);
  // Java's Duration.parse needs at least one part after P (and after T when T is present).
  if (m === null || text.toUpperCase().endsWith('T') || text.length === 1) return undefined;
  const [, d, h, min, s, frac] = m;
  const ms = Number(d ?? 0) * 86_400_000 + Number(h ?? 0) * 3_600_000 + Number(min ?? 0) * 60_000 + Number(s ?? 0) * 1000 + Math.floor(Number(`0.${frac ?? ''}0`) * 1000);
  return Number.isFinite(ms) ? { kind: 'by_duration', durationMs: ms } : undefined;
}

function def(name: string, type: KafkaConfigType, dflt: string | null, validator: Validator | undefined, brokerSynonym: string | null, doc: string, internal = false): GroupConfigDef {
  return validator === undefined ? { name, type, default: dflt, internal, brokerSynonym, doc } : { name, type, default: dflt, validator, internal, brokerSynonym, doc };
}

/** GroupConfig.CONFIG_DEF in definition order (the order Kafka parses, and so reports, problems in). */
export const GROUP_CONFIG_DEFS: readonly GroupConfigDef[] = [
  def('consumer.session.timeout.ms', 'INT', '45000', atLeast(1), 'group.consumer.session.timeout.ms', 'The timeout to detect client failures when using the consumer group protocol.'),
  def('consumer.heartbeat.interval.ms', 'INT', '5000', atLeast(1), 'group.consumer.heartbeat.interval.ms', 'The heartbeat interval given to the members of a consumer group.'),
  def('consumer.assignment.interval.ms', 'INT', '1000', atLeast(0), 'group.consumer.assignment.interval.ms', 'The interval between assignment updates for a consumer group.'),
  def('consumer.assignor.offload.enable', 'BOOLEAN', 'true', undefined, 'group.consumer.assignor.offload.enable', 'Whether to offload consumer group assignment to a group coordinator background thread.', true),
  def('share.session.timeout.ms', 'INT', '45000', atLeast(1), 'group.share.session.timeout.ms', 'The timeout to detect client failures when using the share group protocol.'),
  def('share.heartbeat.interval.ms', 'INT', '5000', atLeast(1), 'group.share.heartbeat.interval.ms', 'The heartbeat interval given to the members of a share group.'),
  def('share.record.lock.duration.ms', 'INT', '30000', atLeast(1000), 'group.share.record.lock.duration.ms', 'The record acquisition lock duration in milliseconds for share groups.'),
  def('share.delivery.count.limit', 'INT', '5', atLeast(2), 'group.share.delivery.count.limit', 'The maximum number of delivery attempts for a record delivered to a share group.'),
  def('share.partition.max.record.locks', 'INT', '2000', atLeast(100), 'group.share.partition.max.record.locks', 'Share-group record lock limit per share-partition.'),
  def(
    'share.auto.offset.reset',
    'STRING',
    'latest',
    autoOffsetReset,
    null,
    'The strategy to initialize the share-partition start offset. <ul><li>earliest: automatically reset the offset to the earliest offset</li><li>latest: automatically reset the offset to the latest offset</li><li>by_duration:&lt;duration&gt;: automatically reset the offset to a configured duration from the current timestamp. &lt;duration&gt; must be specified in ISO8601 format (PnDTnHnMn.nS). Negative duration is not allowed.</li><li>anything else: throw exception to the share consumer.</li></ul>',
  ),
  def(
    'share.isolation.level',
    'STRING',
    'read_uncommitted',
    oneOf('read_committed', 'read_uncommitted'),
    null,
    'Controls how to read records written transactionally. If set to "read_committed", the share group will only deliver transactional records which have been committed. If set to "read_uncommitted", the share group will return all messages, even transactional messages which have been aborted. Non-transactional records will be returned unconditionally in either mode.',
  ),
  def('share.renew.acknowledge.enable', 'BOOLEAN', 'true', undefined, null, 'Whether the renew acknowledge type is enabled for the share group.'),
  def('share.assignment.interval.ms', 'INT', '1000', atLeast(0), 'group.share.assignment.interval.ms', 'The interval between assignment updates for a share group.'),
  def('share.assignor.offload.enable', 'BOOLEAN', 'true', undefined, 'group.share.assignor.offload.enable', 'Whether to offload share group assignment to a group coordinator background thread.', true),
  def('streams.session.timeout.ms', 'INT', '45000', atLeast(1), 'group.streams.session.timeout.ms', 'The timeout to detect client failures when using the streams group protocol.'),
  def('streams.heartbeat.interval.ms', 'INT', '5000', atLeast(1), 'group.streams.heartbeat.interval.ms', 'The heartbeat interval given to the members.'),
  def('streams.num.standby.replicas', 'INT', '0', atLeast(0), 'group.streams.num.standby.replicas', 'The number of standby replicas for each task.'),
  def(
    'streams.initial.rebalance.delay.ms',
    'INT',
    '3000',
    atLeast(0),
    'group.streams.initial.rebalance.delay.ms',
    'The amount of time the group coordinator will wait for more streams clients to join a new group before performing the first rebalance. A longer delay means potentially fewer rebalances.',
  ),
  def('streams.assignment.interval.ms', 'INT', '1000', atLeast(0), 'group.streams.assignment.interval.ms', 'The interval between assignment updates for a streams group.'),
  def('streams.assignor.offload.enable', 'BOOLEAN', 'true', undefined, 'group.streams.assignor.offload.enable', 'Whether to offload streams group assignment to a group coordinator background thread.', true),
  def(
    'streams.task.offset.interval.ms',
    'INT',
    '60000',
    atLeast(1),
    'group.streams.task.offset.interval.ms',
    'The interval in which the warmup task changelog offsets on a client are updated on the broker. The offsets are sent with the next heartbeat after this time has passed.',
    true,
  ),
  def('streams.num.warmup.replicas', 'INT', '2', atLeast(0), 'group.streams.num.warmup.replicas', 'The maximum number of warmup task replicas.', true),
  def(
    'streams.rack.aware.assignment.tags',
    'LIST',
    '',
    undefined,
    'group.streams.rack.aware.assignment.tags',
    'List of client tag keys used to distribute standby replicas across Kafka Streams instances. When configured, and the used broker-side assignor supports it, it will make a best-effort to distribute standby tasks over each client tag dimension.',
  ),
  def(
    'streams.acceptable.recovery.lag',
    'LONG',
    '10000',
    atLeast(0),
    'group.streams.acceptable.recovery.lag',
    'The maximum acceptable lag (number of offsets to catch up) for a client to be considered caught-up enough to receive an active task assignment.',
    true,
  ),
  def(
    'streams.assignor.name',
    'STRING',
    null,
    undefined,
    'group.streams.assignors',
    "The task assignor to use for this streams group, selected by short name from the assignors registered via the broker configuration group.streams.assignors. When unset, the group defaults to the first assignor configured in the broker's group.streams.assignors setting. Changing the assignor does not trigger a rebalance for the group; the new assignor takes effect on the next rebalance.",
  ),
  def(
    'errors.deadletterqueue.topic.name',
    'STRING',
    '',
    undefined,
    null,
    'The name of the topic to be used as the dead-letter queue (DLQ) topic for this share group. If blank (the default), the group does not have a DLQ topic.',
  ),
  def(
    'errors.deadletterqueue.copy.record.enable',
    'BOOLEAN',
    'false',
    undefined,
    null,
    'When writing onto the dead-letter queue topic, whether to copy the original record onto the DLQ topic, or just write a record containing the context information headers.',
  ),
];

export const GROUP_CONFIGS: ReadonlyMap<string, GroupConfigDef> = new Map(GROUP_CONFIG_DEFS.map((d) => [d.name, d]));

/**
 * The broker's settings a group config is checked against and falls back on (Kafka's
 * GroupCoordinatorConfig and ShareGroupConfig), by broker config name: the bounds
 * (group.consumer.min.session.timeout.ms...), the defaults (group.consumer.session.timeout.ms...)
 * and group.streams.assignors. Returns null for a name the broker does not set.
 */
export type BrokerGroupSettings = (brokerConfigName: string) => string | null;

/** Integer bounds Kafka's GroupCoordinatorConfig has no broker config for (internal settings), at their defaults. */
const INTERNAL_BOUNDS: Readonly<Record<string, number>> = {
  'group.streams.min.task.offset.interval.ms': 15_000,
  'group.streams.max.warmup.replicas': 20,
};

function brokerInt(settings: BrokerGroupSettings, name: string): number {
  const raw = settings(name);
  const n = raw === null ? Number.NaN : Number(raw.trim());
  if (Number.isInteger(n)) return n;
  const fallback = INTERNAL_BOUNDS[name];
  if (fallback === undefined) throw new Error(`broker setting ${name} has no integer value`);
  return fallback;
}

/** The registered streams assignors (group.streams.assignors), by name. */
function streamsAssignors(settings: BrokerGroupSettings): string[] {
  return (settings('group.streams.assignors') ?? 'sticky').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Range checks of GroupConfig.validateValues: [config, min bound setting, max bound setting]. */
const RANGE_CHECKS: ReadonlyArray<readonly [string, string | null, string | null]> = [
  ['consumer.heartbeat.interval.ms', 'group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms'],
  ['consumer.session.timeout.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms'],
  ['consumer.assignment.interval.ms', 'group.consumer.min.assignment.interval.ms', 'group.consumer.max.assignment.interval.ms'],
  ['share.heartbeat.interval.ms', 'group.share.min.heartbeat.interval.ms', 'group.share.max.heartbeat.interval.ms'],
  ['share.session.timeout.ms', 'group.share.min.session.timeout.ms', 'group.share.max.session.timeout.ms'],
  ['share.record.lock.duration.ms', 'group.share.min.record.lock.duration.ms', 'group.share.max.record.lock.duration.ms'],
  ['share.delivery.count.limit', 'group.share.min.delivery.count.limit', 'group.share.max.delivery.count.limit'],
  ['share.partition.max.record.locks', 'group.share.min.partition.max.record.locks', 'group.share.max.partition.max.record.locks'],
  ['share.assignment.interval.ms', 'group.share.min.assignment.interval.ms', 'group.share.max.assignment.interval.ms'],
  ['streams.heartbeat.interval.ms', 'group.streams.min.heartbeat.interval.ms', 'group.streams.max.heartbeat.interval.ms'],
  ['streams.session.timeout.ms', 'group.streams.min.session.timeout.ms', 'group.streams.max.session.timeout.ms'],
  ['streams.num.standby.replicas', null, 'group.streams.max.standby.replicas'],
  ['streams.assignment.interval.ms', 'group.streams.min.assignment.interval.ms', 'group.streams.max.assignment.interval.ms'],
  ['streams.task.offset.interval.ms', 'group.streams.min.task.offset.interval.ms', null],
  ['streams.num.warmup.replicas', null, 'group.streams.max.warmup.replicas'],
];

/** [session timeout, heartbeat interval] pairs: the session must be longer than the heartbeat. */
const SESSION_HEARTBEAT: ReadonlyArray<readonly [string, string]> = [
  ['consumer.session.timeout.ms', 'consumer.heartbeat.interval.ms'],
  ['share.session.timeout.ms', 'share.heartbeat.interval.ms'],
  ['streams.session.timeout.ms', 'streams.heartbeat.interval.ms'],
];

/**
 * GroupConfig.validate for the complete set of overrides a group will have: known names, no
 * duplicate rack tags, values by type and Kafka's own ranges (in definition order), then the
 * broker's bounds, the streams assignor, session longer than heartbeat (the broker's default
 * standing in for the one not set) and the DLQ topic name. Throws a ConfigProblem with
 * INVALID_CONFIG, as Kafka's controller reports these; returns the values in canonical form.
 */
export function validateGroupConfigs(overrides: Readonly<Record<string, string>>, settings: BrokerGroupSettings): Record<string, string> {
  for (const name of Object.keys(overrides)) {
    if (!GROUP_CONFIGS.has(name)) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Unknown group config name: ${name}`);
  }
  const tags = overrides['streams.rack.aware.assignment.tags'];
  if (tags !== undefined) {
    const list = parseConfigValue('streams.rack.aware.assignment.tags', tags, 'LIST') as readonly string[];
    if (new Set(list).size !== list.length) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, 'streams.rack.aware.assignment.tags must not contain duplicate tag keys.');
  }
  const parsed = new Map<string, ConfigValue>();
  const out: Record<string, string> = {};
  for (const d of GROUP_CONFIG_DEFS) {
    const raw = overrides[d.name];
    if (raw === undefined) continue;
    const value = parseConfigValue(d.name, raw, d.type);
    d.validator?.(d.name, value);
    parsed.set(d.name, value);
    out[d.name] = configValueToString(value, d.type);
  }
  for (const [name, minName, maxName] of RANGE_CHECKS) {
    const value = parsed.get(name) as number | undefined;
    if (value === undefined) continue;
    const min = minName === null ? null : brokerInt(settings, minName);
    const max = maxName === null ? null : brokerInt(settings, maxName);
    if (min !== null && max !== null) {
      if (value < min || value > max) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `${name} must be in the range ${min} to ${max} inclusive.`);
    } else if (max !== null && value > max) {
      throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `${name} must be less than or equal to ${max}`);
    } else if (min !== null && value < min) {
      throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `${name} must be greater than or equal to ${min}`);
    }
  }
  const assignor = parsed.get('streams.assignor.name') as string | undefined;
  if (assignor !== undefined) {
    const registered = streamsAssignors(settings);
    if (!registered.includes(assignor)) {
      throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `streams.assignor.name '${assignor}' is not a registered task assignor. Registered assignors are: [${registered.join(', ')}].`);
    }
  }
  for (const [session, heartbeat] of SESSION_HEARTBEAT) {
    if (!parsed.has(session) && !parsed.has(heartbeat)) continue;
    const s = (parsed.get(session) as number | undefined) ?? brokerInt(settings, GROUP_CONFIGS.get(session)!.brokerSynonym!);
    const h = (parsed.get(heartbeat) as number | undefined) ?? brokerInt(settings, GROUP_CONFIGS.get(heartbeat)!.brokerSynonym!);
    if (s <= h) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `${session} must be greater than ${heartbeat}`);
  }
  const dlq = parsed.get('errors.deadletterqueue.topic.name') as string | undefined;
  if (dlq !== undefined && dlq.startsWith('__')) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, "errors.deadletterqueue.topic.name: DLQ topic name must not start with '__'");
  return out;
}

/** A group's overrides by group id (the metadata store's GROUP config resources); empty when none. */
export type GroupOverrides = (groupId: string) => Readonly<Record<string, string>>;

const NO_OVERRIDES: Readonly<Record<string, string>> = Object.freeze({});

export const NO_GROUP_OVERRIDES: GroupOverrides = () => NO_OVERRIDES;

/**
 * An integer group config as a coordinator uses it (GroupConfigManager, GroupConfig.evaluate):
 * the group's value clamped into the broker's [min, max], else the broker's own `fallback`.
 */
export function groupInt(overrides: Readonly<Record<string, string>>, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = overrides[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isFinite(n) ? Math.min(Math.max(n, min), max) : fallback;
}
