/**
 * The broker compat tests talk to. Chosen by environment variables, so the same tests run
 * against Apache Kafka today and the Millrace broker later:
 *
 *   MILLRACE_COMPAT_BOOTSTRAP=host:port  an already running broker (any); not started or stopped here
 *   MILLRACE_COMPAT_TARGET=kafka         (default) Apache Kafka 4.4.0 from Maven Central jars,
 *                                        started on free ports (tools/kafka/kafka-process.js)
 *   MILLRACE_COMPAT_TARGET=millrace      the Millrace broker, embedded in the test process
 *                                        (src/start-broker.ts) on a free port and a temp dir
 *
 * A new kind of target is one more entry in TARGETS: a function that starts the broker and
 * returns its bootstrap address and a stop function. Tests that are about one broker (the
 * broker-*.test.ts files prove Millrace) name it: `startTarget({ kind: 'millrace' })`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { startBroker, type EmbeddedBroker } from '../../../src/start-broker.js';
import { SetupError } from './exec.js';
import { ensureKafkaJars, KAFKA_VERSION } from './kafka.js';
import { repoRoot } from './paths.js';

export interface CompatTarget {
  /** What runs there, for test names and reports: `apache-kafka-4.4.0`, `external`, ... */
  name: string;
  /** host:port of a listener that clients may use. */
  bootstrap: string;
  /** Where the broker's logs are, if known (shown when something fails). */
  logs?: string;
  /**
   * Features this broker does not have yet, each with the reason tests print: a client step
   * that needs one is expected to fail (and fails the test if it passes), never skipped.
   */
  lacks: Readonly<Partial<Record<BrokerFeature, string>>>;
  /**
   * Stops the broker cleanly and starts it again on the same port with the same data
   * (targets started in this process only).
   */
  restart?(): Promise<void>;
  stop(): Promise<void>;
}

/** Broker features that clients need and a target may lack. */
export type BrokerFeature = 'groups';

export interface TargetOptions {
  /** Broker settings with Kafka's names, for targets that take them. */
  config?: Record<string, string | number | boolean>;
  /**
   * This target (a key of TARGETS), whatever MILLRACE_COMPAT_TARGET and
   * MILLRACE_COMPAT_BOOTSTRAP say.
   */
  kind?: string;
}

type TargetFactory = (options: TargetOptions) => Promise<CompatTarget>;

/** A free TCP port on 127.0.0.1 (closed again, so another process could take it first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface KafkaProcessModule {
  startKafka(options: {
    port: number; controllerPort: number; config?: Record<string, string | number | boolean>;
  }): Promise<{ bootstrap: string; logsDir: string; stop(): Promise<unknown> }>;
}

/** Settings that keep compat runs short: no wait before the first rebalance of a group. */
const TEST_CONFIG = { 'group.initial.rebalance.delay.ms': 0 };

async function startApacheKafka(options: TargetOptions): Promise<CompatTarget> {
  await ensureKafkaJars();
  // plain ESM outside the TypeScript build: import it from the repository, not from dist/
  const modulePath = pathToFileURL(path.join(repoRoot, 'tools', 'kafka', 'kafka-process.js')).href;
  const { startKafka } = (await import(modulePath)) as KafkaProcessModule;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port, controllerPort] = [await freePort(), await freePort()];
    try {
      const kafka = await startKafka({ port, controllerPort, config: { ...TEST_CONFIG, ...options.config } });
      return {
        name: `apache-kafka-${KAFKA_VERSION}`, bootstrap: kafka.bootstrap, logs: kafka.logsDir, lacks: {},
        stop: async () => {
          await kafka.stop();
        },
      };
    } catch (e) {
      lastError = e; // most likely a port taken between freePort() and Kafka's bind: try others
    }
  }
  throw new SetupError(`Apache Kafka did not start: ${(lastError as Error).message}`);
}

/**
 * What Millrace does not serve yet, with the issue that brings it, e.g.
 * `groups: 'consumer groups are not implemented yet (issue 6)'` (the entry until groups landed:
 * clients whose reads need a feature listed here are expected to fail, and fail the test
 * when they pass).
 */
export const MILLRACE_LACKS: Readonly<Partial<Record<BrokerFeature, string>>> = {};

const isAddressInUse = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'EADDRINUSE';

/** startBroker on `port`, retried for a few seconds while the port is still taken. */
async function startMillraceOn(port: number, logDir: string, options: TargetOptions): Promise<EmbeddedBroker> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startBroker({ port, logDir, config: { ...TEST_CONFIG, ...options.config } });
    } catch (e) {
      if (!isAddressInUse(e) || attempt >= 50) throw e;
      await sleep(100);
    }
  }
}

/**
 * The Millrace broker in this process: `startBroker()` on a port chosen here (so a restart
 * comes back on the same one) and a temporary data directory, removed by stop().
 */
async function startMillrace(options: TargetOptions): Promise<CompatTarget> {
  const logDir = mkdtempSync(path.join(tmpdir(), 'millrace-compat-'));
  let broker: EmbeddedBroker | undefined;
  let port = 0;
  for (let attempt = 0; broker === undefined; attempt++) {
    port = await freePort();
    try {
      broker = await startBroker({ port, logDir, config: { ...TEST_CONFIG, ...options.config } });
    } catch (e) {
      // a port taken between freePort() and the broker's bind: try another
      if (!isAddressInUse(e) || attempt >= 2) {
        rmSync(logDir, { recursive: true, force: true });
        throw new SetupError(`the Millrace broker did not start: ${(e as Error).message}`);
      }
    }
  }
  let running: EmbeddedBroker | null = broker;
  return {
    name: 'millrace', bootstrap: broker.bootstrapServers, logs: logDir, lacks: MILLRACE_LACKS,
    async restart() {
      const current = running;
      running = null;
      await current?.close();
      running = await startMillraceOn(port, logDir, options);
    },
    async stop() {
      const current = running;
      running = null;
      await current?.close();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

export const TARGETS: Readonly<Record<string, TargetFactory>> = {
  kafka: startApacheKafka,
  millrace: startMillrace,
};

/** Starts (or, with MILLRACE_COMPAT_BOOTSTRAP, just names) the broker under test. */
export async function startTarget(options: TargetOptions = {}): Promise<CompatTarget> {
  const external = process.env.MILLRACE_COMPAT_BOOTSTRAP;
  if (options.kind === undefined && external !== undefined && external !== '') {
    return { name: `external ${external}`, bootstrap: external, lacks: {}, stop: async () => {} };
  }
  const kind = options.kind ?? process.env.MILLRACE_COMPAT_TARGET ?? 'kafka';
  const factory = TARGETS[kind];
  if (factory === undefined) {
    throw new SetupError(`MILLRACE_COMPAT_TARGET=${kind}: unknown target (known: ${Object.keys(TARGETS).join(', ')})`);
  }
  return factory(options);
}
