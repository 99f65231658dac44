import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, createLogger } from './broker/broker.js';
import { BrokerConfig } from './broker/settings/broker-config.js';
import { metadataStoreFactory } from './broker/metadata-store.js';
import type { ConsoleServer } from './console/server.js';
import { parseConsoleListeners } from './broker/settings/console-listeners.js';

export interface StartBrokerOptions {
  /**
   * Broker settings by Kafka's names, e.g. `{ 'num.partitions': 3 }`; applied last. The HTTP
   * console is off in an embedded broker unless `console.listeners` is given (e.g.
   * `http://127.0.0.1:0`, a free port: see `consoleUrl`), so that several brokers can run in
   * one process.
   */
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
  /** `http://host:port/` of the first console listener, or null when the console is off. */
  readonly consoleUrl: string | null;
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
      'console.listeners': '',
      ...options.config,
    },
  });
  const logger = createLogger(options.logLevel ?? 'silent');
  let broker: Broker;
  let consoleServer: ConsoleServer | null = null;
  // The console's modules (fastify, prom-client) load only when it is on: off, as by default
  // here, an embedded broker starts without them.
  const services = parseConsoleListeners(config.raw('console.listeners') ?? '').length === 0
    ? []
    : [(await import('./console/server.js')).consoleService((c) => (consoleServer = c))];
  try {
    broker = await Broker.start({ config, logger, metadata: metadataStoreFactory(config), services });
  } catch (err) {
    if (ownDir) rmSync(logDir, { recursive: true, force: true });
    throw err;
  }
  return {
    bootstrapServers: broker.bootstrapServers,
    port: broker.port,
    consoleUrl: (consoleServer as ConsoleServer | null)?.addresses[0]?.url ?? null,
    async close() {
      await broker.close();
      if (ownDir) rmSync(logDir, { recursive: true, force: true });
    },
  };
}
