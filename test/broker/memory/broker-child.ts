// A broker in its own process, so a test can read its RSS from /proc/<pid>/status:
// `node broker-child.js '<config json>'` prints `{"port":N}` once listening and closes on SIGTERM.
import { startBroker } from '../../../src/start-broker.js';

const config = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
const broker = await startBroker({ config });
process.stdout.write(`${JSON.stringify({ port: broker.port })}\n`);
process.on('SIGTERM', () => {
  void broker.close().then(() => process.exit(0));
});
