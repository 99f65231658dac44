import { readFileSync } from 'node:fs';
import { parseProperties } from '../common/properties.js';
import type { ClientOptions } from './client.js';
import { clientSecurity } from './security-properties.js';

/**
 * Client settings from a Kafka client properties file (`--command-config`), by Kafka's
 * names. Settings this client has no use for (serializers, linger.ms, ...) are ignored as
 * Kafka's tools ignore unknown ones; security settings (security-properties.ts) it cannot
 * honour are refused rather than silently dropped. `where` names the source in errors.
 */
export function clientOptionsFromProperties(props: Map<string, string>, base: ClientOptions, where = 'client properties'): ClientOptions {
  const options: ClientOptions = { ...base };
  const servers = props.get('bootstrap.servers');
  if (servers !== undefined && servers.trim() !== '') {
    options.bootstrapServers = servers.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
  const clientId = props.get('client.id');
  if (clientId !== undefined) options.clientId = clientId;
  const timeout = props.get('request.timeout.ms');
  if (timeout !== undefined) options.requestTimeoutMs = positiveInt('request.timeout.ms', timeout);
  const connectTimeout = props.get('socket.connection.setup.timeout.ms');
  if (connectTimeout !== undefined) options.connectTimeoutMs = positiveInt('socket.connection.setup.timeout.ms', connectTimeout);
  const retry = props.get('default.api.timeout.ms');
  if (retry !== undefined) options.retryTimeoutMs = positiveInt('default.api.timeout.ms', retry);
  return { ...options, ...clientSecurity(props, where) };
}

/** Reads a properties file and applies it over `base`. */
export function readClientProperties(path: string, base: ClientOptions): ClientOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read command config ${path}: ${(err as Error).message}`);
  }
  return clientOptionsFromProperties(parseProperties(text), base, `--command-config ${path}`);
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}
