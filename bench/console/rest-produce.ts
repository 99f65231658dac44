/**
 * REST produce throughput (issue 18): records per second through the console's Confluent REST
 * Proxy v3 produce endpoint, against kafkajs producing the same records over the Kafka protocol
 * to the same broker (no Confluent REST Proxy figures were found to compare with):
 *
 *   npx tsc -p tsconfig.json && node dist/bench/console/rest-produce.js [--seconds 5] [--value-bytes 100] [--concurrency 32]
 *
 * The broker and the console run in a process of their own (bench/console/console-server.ts);
 * the load comes from this one. Every record is acknowledged with acks=all.
 *
 * - rest-stream: one chunked request in v3's streaming mode, records written ahead of their
 *   reports by at most 2,000;
 * - rest-single: `concurrency` loops of one POST per record (keep-alive connections);
 * - kafkajs-single: `concurrency` loops of producer.send with one record;
 * - kafkajs-batch: producer.send with 500 records at a time, `concurrency` loops.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');

const { values: opts } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, 'value-bytes': { type: 'string', default: '100' }, concurrency: { type: 'string', default: '32' } } });
const SECONDS = Number(opts.seconds);
const VALUE = 'x'.repeat(Number(opts['value-bytes']));
const CONCURRENCY = Number(opts.concurrency);

const dir = mkdtempSync(join(tmpdir(), 'millrace-bench-console-'));
const server = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'console-server.js'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
const { bootstrap, http } = await new Promise<{ bootstrap: string; http: string }>((resolve, reject) => {
  createInterface({ input: server.stdout! }).once('line', (l) => resolve(JSON.parse(l) as { bootstrap: string; http: string }));
  server.once('exit', (code) => reject(new Error(`the console server exited with ${code}`)));
});
const clusterId = ((await (await fetch(`${http}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0]!.cluster_id;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

async function createTopic(name: string): Promise<string> {
  const r = await fetch(`${http}/v3/clusters/${clusterId}/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic_name: name, partitions_count: 1 }) });
  if (r.status !== 201) throw new Error(`creating ${name}: ${r.status} ${await r.text()}`);
  return `/v3/clusters/${clusterId}/topics/${name}/records`;
}

const record = (i: number) => JSON.stringify({ key: { type: 'STRING', data: `k${i}` }, value: { type: 'STRING', data: VALUE } });

async function restStream(): Promise<number> {
  const path = await createTopic('bench-rest-stream');
  const deadline = Date.now() + SECONDS * 1000;
  let acked = 0;
  let failed = 0;
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    const req = request(`${http}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let rest = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        rest += d;
        let i;
        while ((i = rest.indexOf('\n')) >= 0) {
          if (rest.startsWith('{"error_code":200')) acked++;
          else failed++;
          rest = rest.slice(i + 1);
        }
        pump();
      });
      res.on('end', resolve);
    });
    req.on('error', reject);
    let ended = false;
    const pump = () => {
      if (ended) return;
      if (Date.now() >= deadline) {
        ended = true;
        req.end();
        return;
      }
      const parts: string[] = [];
      while (sent - acked - failed < 2000) parts.push(record(sent++));
      if (parts.length > 0) req.write(parts.join('\n'));
    };
    pump();
  });
  if (failed > 0) throw new Error(`${failed} records failed`);
  return acked / SECONDS;
}

async function restSingle(): Promise<number> {
  const path = await createTopic('bench-rest-single');
  const deadline = Date.now() + SECONDS * 1000;
  let acked = 0;
  const post = (body: string) => new Promise<number>((resolve, reject) => {
    const req = request(`${http}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => {
    for (let i = w; Date.now() < deadline; i += CONCURRENCY) {
      const status = await post(record(i));
      if (status !== 200) throw new Error(`status ${status}`);
      acked++;
    }
  }));
  return acked / SECONDS;
}

async function kafkajs(batch: number): Promise<number> {
  const topic = batch === 1 ? 'bench-kafkajs-single' : 'bench-kafkajs-batch';
  await createTopic(topic);
  const kafka = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const deadline = Date.now() + SECONDS * 1000;
  let acked = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => {
    for (let i = w; Date.now() < deadline; i += CONCURRENCY) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: batch }, (_, j) => ({ key: `k${i}-${j}`, value: VALUE })) });
      acked += batch;
    }
  }));
  await producer.disconnect();
  return acked / SECONDS;
}

try {
  const results: Record<string, number> = {};
  results['rest-stream'] = await restStream();
  results['rest-single'] = await restSingle();
  results['kafkajs-single'] = await kafkajs(1);
  results['kafkajs-batch'] = await kafkajs(500);
  console.log(JSON.stringify({ seconds: SECONDS, valueBytes: VALUE.length, concurrency: CONCURRENCY, recordsPerSecond: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v)])) }, null, 2));
} finally {
  agent.destroy();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
