/**
 * Client metrics subscriptions (KIP-714), the CLIENT_METRICS config resource: Kafka 4.4's
 * ClientMetricsConfigs names, types, defaults and ClientMetricsConfigs.validate with its error
 * codes and messages. Millrace keeps and describes subscriptions; it does not serve
 * GetTelemetrySubscriptions/PushTelemetry, so no client is sent them.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ConfigProblem, configValueToString, parseConfigValue, type KafkaConfigType } from '../../common/config-def.js';

export interface ClientMetricsConfigDef {
  readonly name: string;
  readonly type: KafkaConfigType;
  readonly default: string;
  readonly doc: string;
}

export const CLIENT_METRICS_CONFIG_DEFS: readonly ClientMetricsConfigDef[] = [
  { name: 'metrics', type: 'LIST', default: '', doc: 'Telemetry metric name prefix list' },
  { name: 'interval.ms', type: 'INT', default: '300000', doc: 'Metrics push interval in milliseconds' },
  { name: 'match', type: 'LIST', default: '', doc: 'Client match criteria' },
];

const BY_NAME: ReadonlyMap<string, ClientMetricsConfigDef> = new Map(CLIENT_METRICS_CONFIG_DEFS.map((d) => [d.name, d]));

/** The client selectors a `match` pattern may name. */
const MATCH_PARAMS: ReadonlySet<string> = new Set(['client_instance_id', 'client_id', 'client_software_name', 'client_software_version', 'client_source_address', 'client_source_port']);

const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 3_600_000;

/**
 * ClientMetricsConfigs.validate for the complete set a subscription will have. Unknown names
 * and an interval out of range are INVALID_REQUEST, unparsable values and bad match patterns
 * INVALID_CONFIG, as in Kafka. Returns the values in canonical form.
 */
export function validateClientMetricsConfigs(subscription: string, configs: Readonly<Record<string, string>>): Record<string, string> {
  if (subscription === '') throw new ConfigProblem(ErrorCode.INVALID_REQUEST, "Subscription name can't be empty");
  for (const name of Object.keys(configs)) {
    if (!BY_NAME.has(name)) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Unknown client metrics configuration: ${name}`);
  }
  const out: Record<string, string> = {};
  for (const d of CLIENT_METRICS_CONFIG_DEFS) {
    const raw = configs[d.name];
    if (raw !== undefined) out[d.name] = configValueToString(parseConfigValue(d.name, raw, d.type), d.type);
  }
  const interval = out['interval.ms'];
  if (interval !== undefined) {
    const n = Number(interval);
    if (n < MIN_INTERVAL_MS || n > MAX_INTERVAL_MS) {
      throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Invalid value ${n} for interval.ms, interval must be between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS} (1 hour)`);
    }
  }
  const match = configs.match;
  if (match !== undefined) for (const pattern of parseConfigValue('match', match, 'LIST') as readonly string[]) checkMatchPattern(pattern);
  return out;
}

/** ClientMetricsConfigs.parseMatchingPatterns for one `selector=regex` entry. */
function checkMatchPattern(pattern: string): void {
  const illegal = () => new ConfigProblem(ErrorCode.INVALID_CONFIG, `Illegal client matching pattern: ${pattern}`);
  // Java's split drops trailing empty strings: "a=" is one part, "=b" two.
  const parts = pattern.split('=');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) throw illegal();
  if (!MATCH_PARAMS.has(parts[0]!.trim())) throw illegal();
  try {
    new RegExp(parts[1]!.trim());
  } catch {
    throw illegal();
  }
}
