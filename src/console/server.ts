/**
 * The console's HTTP server: one fastify instance per `console.listeners` entry, started and
 * stopped with the broker (BrokerOptions.services), serving /health, /ready, /metrics and the
 * route plugins of CONSOLE_ROUTES. The console sits above the broker: it reads the broker's
 * state and counters, and nothing below imports it.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Broker, BrokerService, BrokerServiceStarter } from '../broker/broker.js';
import { isLoopback, parseConsoleListeners, type ConsoleListener } from '../broker/settings/console-listeners.js';
import { healthRoutes } from './health.js';
import { ConsoleMetrics } from './metrics/console-metrics.js';
import { metricsRoutes } from './metrics/routes.js';
import { registerBrokerConsole } from './api/broker-console.js';
import { consoleTlsOptions } from './tls.js';

/** What a route plugin gets: the broker it shows and the metrics registry. */
export interface ConsoleContext {
  readonly broker: Broker;
  readonly metrics: ConsoleMetrics;
}

/** Registers routes on one console listener's fastify instance. */
export type ConsoleRoutes = (app: FastifyInstance, context: ConsoleContext) => Promise<void> | void;

/**
 * The route plugins every console listener serves, in order. The JSON API, REST Proxy v3
 * endpoints and the web UI (src/console/api/, src/console/ui/) are one line each here; a
 * fastify plugin goes in as `(app, context) => app.register(plugin, { broker: context.broker })`.
 */
export const CONSOLE_ROUTES: readonly ConsoleRoutes[] = [healthRoutes, metricsRoutes, (app, { broker }) => registerBrokerConsole(app, broker)];

/** Largest request body the console reads (fastify's own default is 1 MiB too). */
const BODY_LIMIT_BYTES = 1024 * 1024;

export interface BoundConsoleAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/` (or https), for people and tests. */
  readonly url: string;
}

export class ConsoleServer implements BrokerService {
  readonly metrics: ConsoleMetrics;
  private readonly apps: FastifyInstance[];
  private readonly bound: BoundConsoleAddress[];
  private closing: Promise<void> | null = null;

  private constructor(metrics: ConsoleMetrics, apps: FastifyInstance[], bound: BoundConsoleAddress[]) {
    this.metrics = metrics;
    this.apps = apps;
    this.bound = bound;
  }

  /**
   * Binds every `console.listeners` address of the broker's config (none: a console that
   * serves nothing). A bind failure closes what was bound and throws, failing start-up.
   */
  static async start(broker: Broker, routes: readonly ConsoleRoutes[] = CONSOLE_ROUTES): Promise<ConsoleServer> {
    const listeners = parseConsoleListeners(broker.config.raw('console.listeners') ?? '');
    const metrics = new ConsoleMetrics(broker);
    const apps: FastifyInstance[] = [];
    const bound: BoundConsoleAddress[] = [];
    const server = new ConsoleServer(metrics, apps, bound);
    if (listeners.length === 0) {
      broker.logger.info('console off (console.listeners is empty)');
      return server;
    }
    try {
      for (const listener of listeners) {
        // The broker's logger: a route that fails is logged; requests themselves are not (a scrape a second).
        const logger: FastifyBaseLogger = broker.logger.child({ component: 'console' });
        const logController = new LogController({ disableRequestLogging: true });
        const options = { loggerInstance: logger, logController, bodyLimit: BODY_LIMIT_BYTES };
        // The routes see requests alike over http and https: one instance type for both.
        const app = (listener.tls ? Fastify({ ...options, https: consoleTlsOptions(broker) }) : Fastify(options)) as unknown as FastifyInstance;
        apps.push(app);
        for (const register of routes) await register(app, { broker, metrics });
        bound.push(await listen(app, listener));
      }
    } catch (err) {
      await server.close();
      throw err;
    }
    logStarted(broker, bound);
    return server;
  }

  /** The addresses bound, in `console.listeners` order (a port of 0 resolved). */
  get addresses(): readonly BoundConsoleAddress[] {
    return this.bound;
  }

  close(): Promise<void> {
    if (this.closing === null) this.closing = Promise.all(this.apps.map((a) => a.close())).then(() => undefined);
    return this.closing;
  }
}

/** A BrokerServiceStarter for BrokerOptions.services; `started` receives the server once bound. */
export function consoleService(started?: (server: ConsoleServer) => void, routes?: readonly ConsoleRoutes[]): BrokerServiceStarter {
  return async (broker) => {
    const server = await ConsoleServer.start(broker, routes);
    started?.(server);
    return server;
  };
}

async function listen(app: FastifyInstance, listener: ConsoleListener): Promise<BoundConsoleAddress> {
  const scheme = listener.tls ? 'https' : 'http';
  const shown = `${scheme}://${listener.host.includes(':') ? `[${listener.host}]` : listener.host}:${listener.port}`;
  try {
    await app.listen({ host: listener.host, port: listener.port });
  } catch (err) {
    // As a Kafka listener that cannot bind stops the broker ("Socket server failed to bind to ...").
    throw new Error(`console failed to bind to ${shown} (console.listeners): ${(err as Error).message}`, { cause: err });
  }
  const address = app.server.address() as AddressInfo;
  const host = address.address;
  return { host, port: address.port, url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}/` };
}

/**
 * What the console says when it starts. Without security (no SASL listener, no authorizer) it
 * serves anyone who reaches it, which the loopback default keeps to this machine; any other
 * address gets a warning.
 */
export function startMessage(bound: readonly BoundConsoleAddress[], secured: boolean): { level: 'info' | 'warn'; msg: string; urls: string[] } {
  const urls = bound.map((b) => b.url);
  if (secured) return { level: 'info', msg: 'console listening', urls };
  const exposed = bound.filter((b) => !isLoopback(b.host)).map((b) => b.url);
  if (exposed.length > 0) {
    return { level: 'warn', msg: 'console listening on a non-loopback address without security (no SASL listener, no authorizer): anyone who reaches it can read the cluster', urls: exposed };
  }
  return { level: 'info', msg: 'console listening on loopback only: no security (SASL or authorizer) is configured', urls };
}

function logStarted(broker: Broker, bound: readonly BoundConsoleAddress[]): void {
  const { level, msg, urls } = startMessage(bound, hasSecurity(broker));
  broker.logger[level]({ urls }, msg);
}

function hasSecurity(broker: Broker): boolean {
  const saslListener = broker.config.listenerSettings.listeners.some((l) => l.securityProtocol.startsWith('SASL_'));
  return saslListener || broker.authorizer !== null;
}
