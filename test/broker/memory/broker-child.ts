// A broker in its own process, so a test can read its RSS from /proc/<pid>/status:
// `MILLRACE_MEMORY_CHILD=1 node broker-child.js '<config json>'` prints `{"port":N}` once
// listening and closes on SIGTERM. Runs only with MILLRACE_MEMORY_CHILD=1 (the test runner also
// loads this file, as it loads every file under dist/test).
import { startBroker } from '../../../src/start-broker.js';

if (process.env['MILLRACE_MEMORY_CHILD'] === '1') {
  const config = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
  const broker = await startBroker({ config });
  process.stdout.write(`${JSON.stringify({ port: broker.port })}\n`);
  process.on('SIGTERM', () => {
    void broker.close().then(() => process.exit(0));
  });
}
