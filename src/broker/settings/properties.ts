/**
 * Maps a `MILLRACE_*` environment variable name to a config name the way Kafka's container
 * images map `KAFKA_*`: `_` → `.`, `__` → `_`, `___` → `-`, lower-cased.
 * MILLRACE_LOG_DIRS → log.dirs, MILLRACE_LISTENER_SECURITY_PROTOCOL_MAP → listener.security.protocol.map.
 */
export function envNameToConfig(envName: string, prefix = 'MILLRACE_'): string | null {
  if (!envName.startsWith(prefix)) return null;
  return envName
    .slice(prefix.length)
    .toLowerCase()
    .replace(/___/g, '\u0001')
    .replace(/__/g, '\u0002')
    .replace(/_/g, '.')
    .replace(/\u0001/g, '-')
    .replace(/\u0002/g, '_');
}
