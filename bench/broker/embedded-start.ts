/**
 * Embedded start time: `await startBroker()` (free port, new temporary directory, quiet) until
 * it resolves, then `close()`. The first start in a process also pays for loading modules, so
 * it is reported apart from the warm ones.
 *
 *   node dist/bench/broker/embedded-start.js [runs=20]
 */
import { startBroker } from '../../src/start-broker.js';

const runs = Number(process.argv[2] ?? 20);
const starts: number[] = [];
const closes: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const broker = await startBroker();
  const t1 = performance.now();
  await broker.close();
  starts.push(t1 - t0);
  closes.push(performance.now() - t1);
}
const warm = starts.slice(1).sort((a, b) => a - b);
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    node: process.version,
    runs,
    first_start_ms: round(starts[0]!),
    warm_start_ms: { median: round(median(warm)), min: round(warm[0]!), max: round(warm[warm.length - 1]!) },
    close_ms_median: round(median(closes.slice().sort((a, b) => a - b))),
  }),
);
