/**
 * Validation of a topic's whole set of config overrides, as Kafka's LogConfig.validate does
 * it: known names, values by type and range, then the checks across configs. Returns the
 * overrides in canonical form ("TRUE" → "true", " 100 " → "100") so that the metadata and the
 * storage layer only ever see values they parse.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { resolveLogConfig } from '../../storage/config.js';
import { StorageError } from '../../storage/errors.js';
import type { BrokerContext } from '../context.js';
import { topicDefaultFromBroker } from './broker-values.js';
import { ConfigProblem, configValueToString, parseConfigValue } from '../../common/config-def.js';
import { TOPIC_CONFIGS } from '../../storage/topic-configs.js';

/** Validates `overrides` (the complete set a topic will have); throws a ConfigProblem. */
export function validateTopicConfigs(broker: BrokerContext, overrides: Readonly<Record<string, string>>): Record<string, string> {
  for (const name of Object.keys(overrides)) {
    if (!TOPIC_CONFIGS.has(name)) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
  }
  const out: Record<string, string> = {};
  for (const def of TOPIC_CONFIGS.values()) {
    const raw = overrides[def.name];
    if (raw === undefined) continue;
    const parsed = parseConfigValue(def.name, raw, def.type);
    def.validator?.(def.name, parsed);
    out[def.name] = configValueToString(parsed, def.type);
  }
  const effective = (name: string) => BigInt(out[name] ?? topicDefaultFromBroker(broker, TOPIC_CONFIGS.get(name)!));
  const minLag = effective('min.compaction.lag.ms');
  const maxLag = effective('max.compaction.lag.ms');
  if (minLag > maxLag) {
    throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`);
  }
  if (out['remote.storage.enable'] === 'true') {
    throw new ConfigProblem(ErrorCode.INVALID_CONFIG, 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.');
  }
  // The storage layer reads the configs it holds once more with its own parsing (a NaN ratio,
  // which Kafka's Range lets through, it refuses): refuse that here, not when the log opens.
  try {
    resolveLogConfig(out);
  } catch (e) {
    if (e instanceof StorageError) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, e.message);
    throw e;
  }
  return out;
}
