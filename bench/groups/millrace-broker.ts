/**
 * The Millrace broker for bench/groups/run.ts, embedded (startBroker) in a Node process of its
 * own, so that the load generator does not share its event loop:
 *
 *   node dist/bench/groups/millrace-broker.js LOG_DIR '{"group.initial.rebalance.delay.ms":0,...}'
 *
 * Prints one JSON line {"bootstrap": "127.0.0.1:PORT"} once it listens; SIGTERM closes it.
 */
import { startBroker } from '../../src/start-broker.js';

const [logDir, config] = process.argv.slice(2);
const broker = await startBroker({ logDir, config: JSON.parse(config ?? '{}') as Record<string, string | number | boolean> });
process.stdout.write(`${JSON.stringify({ bootstrap: broker.bootstrapServers, pid: process.pid })}\n`);
const stop = () => {
  broker.close().then(() => process.exit(0), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
