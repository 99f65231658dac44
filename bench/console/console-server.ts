/**
 * A broker with the console on it, in a process of its own for bench/console/rest-produce.ts:
 *
 *   node dist/bench/console/console-server.js LOG_DIR
 *
 * Prints one JSON line {"bootstrap": "127.0.0.1:PORT", "http": "http://127.0.0.1:PORT"} once
 * both listen; SIGTERM closes them.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { startBroker } from '../../src/start-broker.js';
import { registerConsole } from '../../src/console/api/register-console.js';

const [logDir] = process.argv.slice(2);
const broker = await startBroker({ logDir, config: { 'num.partitions': 1 } });
const app = Fastify({ logger: false });
registerConsole(app, { bootstrapServers: [broker.bootstrapServers] });
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ bootstrap: broker.bootstrapServers, http: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` })}\n`);
const stop = () => {
  app.close().then(() => broker.close()).then(() => process.exit(0), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
