/**
 * CPU per /metrics scrape, in the broker's own process: the console's whole cost to a broker
 * under a 1 s Prometheus scrape is this figure per second (the request path's counters are
 * kept whether the console is on or off). Measures ConsoleMetrics.scrape() alone (no HTTP),
 * with `--partitions` partitions in each of two topics and five groups committed on one of
 * them, so the per-partition families have rows:
 *
 *   node dist/bench/console/scrape-cost.js [--partitions 6] [--scrapes 300]
 *
 * Prints one JSON line: {partitions, series, bytes, cpu_ms_per_scrape}. CPU time, not wall
 * time, so a shared machine disturbs it less than MB/s.
 */
import { parseArgs } from 'node:util';
import { startTestBroker } from '../../test/helpers/test-broker.js';
import { WireClient } from '../../test/helpers/wire-client.js';
import { consoleService, type ConsoleServer } from '../../src/console/server.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';

const { values: o } = parseArgs({ options: { partitions: { type: 'string', default: '6' }, scrapes: { type: 'string', default: '300' } } });
const partitions = Number(o.partitions);
const scrapes = Number(o.scrapes);

let server: ConsoleServer | null = null;
const tb = await startTestBroker({ config: { 'console.listeners': 'http://127.0.0.1:0', 'num.partitions': partitions }, services: [consoleService((s) => (server = s))] });
const client = await WireClient.connect(tb.broker.listenerAddress('PLAINTEXT'));
try {
  for (const name of ['scraped-a', 'scraped-b']) {
    await client.request(ApiKey.Metadata, 12, { topics: [{ topicId: Buffer.alloc(16), name }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
  }
  for (let g = 0; g < 5; g++) {
    await client.request(ApiKey.OffsetCommit, 8, {
      groupId: `scraped-group-${g}`, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'scraped-a', topicId: Buffer.alloc(16), partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null })) }],
    });
  }
  const metrics = (server as ConsoleServer | null)!.metrics;
  const body = await metrics.scrape(); // the first also starts Node's process metrics
  const before = process.cpuUsage();
  for (let i = 0; i < scrapes; i++) await metrics.scrape();
  const used = process.cpuUsage(before);
  const series = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  process.stdout.write(`${JSON.stringify({ partitions, series, bytes: body.length, cpu_ms_per_scrape: +((used.user + used.system) / 1000 / scrapes).toFixed(3) })}\n`);
} finally {
  client.close();
  await tb.close();
}
