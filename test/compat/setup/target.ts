/**
 * The broker compat tests talk to. Chosen by environment variables, so the same tests run
 * against Apache Kafka today and the Millrace broker later:
 *
 *   MILLRACE_COMPAT_BOOTSTRAP=host:port  an already running broker (any); not started or stopped here
 *   MILLRACE_COMPAT_TARGET=kafka         (default) Apache Kafka 4.0.2 from Maven Central jars,
 *                                        started on free ports (bench/kafka/kafka-process.js)
 *
 * A new kind of target is one more entry in TARGETS: a function that starts the broker and
 * returns its bootstrap address and a stop function (for Millrace: `startBroker` on port 0).
 */
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SetupError } from './exec.js';
import { ensureKafkaJars } from './kafka.js';
import { repoRoot } from './paths.js';

export interface CompatTarget {
  /** What runs there, for test names and reports: `apache-kafka-4.0.2`, `external`, ... */
  name: string;
  /** host:port of a listener that clients may use. */
  bootstrap: string;
  /** Where the broker's logs are, if known (shown when something fails). */
  logs?: string;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Broker settings with Kafka's names, for targets that take them. */
  config?: Record<string, string | number | boolean>;
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
const KAFKA_TEST_CONFIG = { 'group.initial.rebalance.delay.ms': 0 };

async function startApacheKafka(options: TargetOptions): Promise<CompatTarget> {
  await ensureKafkaJars();
  // plain ESM outside the TypeScript build: import it from the repository, not from dist/
  const modulePath = pathToFileURL(path.join(repoRoot, 'bench', 'kafka', 'kafka-process.js')).href;
  const { startKafka } = (await import(modulePath)) as KafkaProcessModule;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port, controllerPort] = [await freePort(), await freePort()];
    try {
      const kafka = await startKafka({ port, controllerPort, config: { ...KAFKA_TEST_CONFIG, ...options.config } });
      return {
        name: 'apache-kafka-4.0.2', bootstrap: kafka.bootstrap, logs: kafka.logsDir,
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

export const TARGETS: Readonly<Record<string, TargetFactory>> = {
  kafka: startApacheKafka,
};

/** Starts (or, with MILLRACE_COMPAT_BOOTSTRAP, just names) the broker under test. */
export async function startTarget(options: TargetOptions = {}): Promise<CompatTarget> {
  const external = process.env.MILLRACE_COMPAT_BOOTSTRAP;
  if (external !== undefined && external !== '') {
    return { name: `external ${external}`, bootstrap: external, stop: async () => {} };
  }
  const kind = process.env.MILLRACE_COMPAT_TARGET ?? 'kafka';
  const factory = TARGETS[kind];
  if (factory === undefined) {
    throw new SetupError(`MILLRACE_COMPAT_TARGET=${kind}: unknown target (known: ${Object.keys(TARGETS).join(', ')})`);
  }
  return factory(options);
}
