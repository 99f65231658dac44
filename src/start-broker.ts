import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, createLogger } from './broker/broker.js';
import { BrokerConfig } from './broker/settings/broker-config.js';
import { metadataStoreFactory } from './broker/metadata-store.js';

export interface StartBrokerOptions {
  /** Broker settings by Kafka's names, e.g. `{ 'num.partitions': 3 }`; applied last. */
  config?: Readonly<Record<string, string | number | boolean>>;
  /** Where the data lives; a new temporary directory, removed on close, when omitted. */
  logDir?: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 0: a free port). */
  port?: number;
  /** pino level: 'silent' (default), 'error', 'warn', 'info', 'debug'. */
  logLevel?: string;
}

export interface EmbeddedBroker {
  /** `host:port` for clients' `bootstrap.servers`. */
  readonly bootstrapServers: string;
  readonly port: number;
  /** Stops the broker gracefully (and removes its temporary directory if it made one). */
  close(): Promise<void>;
}

/**
 * Starts a broker inside this process: on a free port and a temporary directory unless told
 * otherwise, quiet by default. For tests and local development.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<EmbeddedBroker> {
  const ownDir = options.logDir === undefined;
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'millrace-'));
  const host = options.host ?? '127.0.0.1';
  const config = BrokerConfig.load({
    overrides: {
      listeners: `PLAINTEXT://${host.includes(':') ? `[${host}]` : host}:${options.port ?? 0}`,
      'log.dirs': logDir,
      ...options.config,
    },
  });
  const logger = createLogger(options.logLevel ?? 'silent');
  let broker: Broker;
  try {
    broker = await Broker.start({ config, logger, metadata: metadataStoreFactory(config) });
  } catch (err) {
    if (ownDir) rmSync(logDir, { recursive: true, force: true });
    throw err;
  }
  return {
    bootstrapServers: broker.bootstrapServers,
    port: broker.port,
    async close() {
      await broker.close();
      if (ownDir) rmSync(logDir, { recursive: true, force: true });
    },
  };
}
