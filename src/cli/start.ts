import module from 'node:module';
import type { Command } from 'commander';
import { Broker, createLogger } from '../broker/broker.js';
import { BrokerConfig, ConfigError } from '../broker/settings/broker-config.js';
import { metadataStoreFactory } from '../broker/metadata-store.js';
import type { ConsoleServer } from '../console/server.js';
import { parseConsoleListeners } from '../broker/settings/console-listeners.js';

interface StartFlags {
  config?: string;
  override: string[];
  logLevel: string;
}

/**
 * `millrace start`: a durable broker, configured like kafka-server-start.sh (a
 * server.properties file and `--override key=value`), plus MILLRACE_* environment variables.
 */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run a broker (defaults: PLAINTEXT://localhost:9092, data in ./data)')
    .option('-c, --config <file>', 'server.properties file with Kafka setting names')
    .option('-o, --override <key=value>', 'a setting, applied after the file and MILLRACE_* variables (repeatable)', collect, [])
    .option('--log-level <level>', 'error, warn, info or debug', 'info')
    .addHelpText(
      'after',
      `
Examples:
  millrace start
  millrace start --config server.properties --override num.partitions=3
  MILLRACE_LOG_DIRS=/var/lib/millrace millrace start --override listeners=PLAINTEXT://0.0.0.0:9092`,
    )
    .action(async (flags: StartFlags) => {
      await runBroker(flags);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function runBroker(flags: StartFlags): Promise<void> {
  const logger = createLogger(flags.logLevel);
  let config: BrokerConfig;
  try {
    config = BrokerConfig.load({ file: flags.config, env: process.env, overrides: flags.override });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`millrace: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  if (config.unknown.length > 0) logger.warn({ settings: config.unknown }, 'unknown settings (ignored)');
  if (config.ignored.length > 0) logger.info({ settings: config.ignored }, 'Kafka settings that have no effect in Millrace');
  let broker: Broker;
  let consoleServer: ConsoleServer | null = null;
  // The console's modules (fastify, prom-client) load only when it is on.
  const consoleOn = parseConsoleListeners(config.raw('console.listeners') ?? '').length > 0;
  if (!consoleOn) logger.info('console off (console.listeners is empty)');
  const services = consoleOn ? [(await import('../console/server.js')).consoleService((c) => (consoleServer = c))] : [];
  try {
    broker = await Broker.start({ config, logger, metadata: metadataStoreFactory(config), services });
  } catch (err) {
    // A refusal to start (a node.id another live broker holds, a log dir of another cluster)
    // is said in one line, not as a stack trace.
    logger.error({ err }, 'broker failed to start');
    process.stderr.write(`millrace: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  process.stderr.write(`millrace: broker ${config.int('node.id')} listening on ${broker.bootstrapServers}, data in ${config.logDirs().join(',')}\n`);
  const consoleUrls = ((consoleServer as ConsoleServer | null)?.addresses ?? []).map((a) => a.url);
  if (consoleUrls.length > 0) process.stderr.write(`millrace: console on ${consoleUrls.join(', ')}\n`);
  // Keep the compiled code now (Node >= 22.10; bin/millrace.js enabled the cache), so the next
  // start is quick even if this process is killed rather than stopped.
  (module as { flushCompileCache?: () => void }).flushCompileCache?.();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      broker.close().then(resolve, (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exitCode = 1;
        resolve();
      });
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}
