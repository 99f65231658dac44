// The console's hooks on the request path, alone: what one request pays for its metrics (two
// performance.now() calls, a queue-time and a total-time histogram record, a count), and one
// produce (two additions on its topic's stats object). Prints ns per request.
//
//   node bench/console/hooks.js [--dist dist] [--requests 5000000]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readOptions } from '../../tools/cli-args.js';

const { values: o } = readOptions(process.argv.slice(2), {
  dist: { type: 'string', default: 'dist' },
  requests: { type: 'number', default: '5000000' },
});
const { RequestStats, TopicStatsRegistry } = await import(pathToFileURL(path.resolve(o.dist, 'src/broker/stats/broker-stats.js')).href);

function timeIt(what, n, fn) {
  for (let i = 0; i < Math.min(n, 200000); i++) fn(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  process.stdout.write(`${what}: ${ns.toFixed(1)} ns\n`);
  return ns;
}

const requests = new RequestStats();
const topic = new TopicStatsRegistry().of('t');
const keys = [0, 1, 0, 0, 3, 1, 0, 18];
const lastRead = performance.now();
timeIt('request: now() twice + record (count, queue and total histograms)', o.requests, (i) => {
  const dispatched = performance.now();
  requests.record(keys[i & 7], dispatched - lastRead, performance.now() - dispatched + (i & 1023) / 100);
});
timeIt('produce: bytes and records in on the topic stats', o.requests, (i) => {
  topic.bytesIn += 1000 + (i & 7);
  topic.messagesIn += 10;
});
if (requests.count[0] === 0 || topic.bytesIn === 0) throw new Error('nothing recorded');
