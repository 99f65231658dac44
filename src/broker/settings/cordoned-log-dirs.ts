/**
 * `cordoned.log.dirs` (KIP-1066): log directories that take no new partition replicas. Kafka
 * 4.4's rules: `*` cordons every log directory and must stand alone; otherwise every entry
 * must be one of `log.dirs` (or `log.dir`), compared as written. A per-broker setting that
 * may change at runtime (DynamicBrokerConfig.PER_BROKER_CONFIGS).
 */

export const CORDONED_LOG_DIRS = 'cordoned.log.dirs';
const ALL = '*';

/** KafkaConfig.cordonedLogDirs: the cordoned entries, `*` standing for every log directory. */
export function cordonedLogDirs(logDirs: readonly string[], cordoned: readonly string[]): string[] {
  return cordoned.includes(ALL) ? [...logDirs] : [...cordoned];
}

/** KafkaConfig.validateCordonedLogDirs: the message Kafka refuses the setting with, else null. */
export function cordonedLogDirsProblem(logDirs: readonly string[], cordoned: readonly string[]): string | null {
  if (cordoned.includes(ALL)) return cordoned.length === 1 ? null : `When ${CORDONED_LOG_DIRS} is set to *, it must not contain other values`;
  const missing = cordoned.filter((d) => !logDirs.includes(d));
  return missing.length === 0 ? null : `All entries in ${CORDONED_LOG_DIRS} must be present in log.dirs or log.dir. Missing entries : ${missing.join(',')}`;
}

/** A LIST setting's entries as Kafka's ConfigDef parses them: split on commas, trimmed, empties dropped. */
export function listEntries(raw: string | null | undefined): string[] {
  if (raw === null || raw === undefined) return [];
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
