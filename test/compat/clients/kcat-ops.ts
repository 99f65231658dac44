/**
 * The ops steps of ops.ts for kcat, which has no admin API: `produce` runs `kcat -P` (one run
 * per codec: `-z CODEC -K '\t'`, the run's headers as `-H k=v`, idempotent) and reads its
 * delivery reports from stderr at verbosity 3 (`Message delivered to partition P (offset O)`:
 * they name no record, so `i` is null); `offsets` runs `kcat -Q -t TOPIC:P:TS` (once per time:
 * kcat takes each partition once per run, -2 and -1 ask for the earliest and latest offsets);
 * `create`, `configs` (DescribeConfigs, IncrementalAlterConfigs) and `delete` go through our
 * wire client. Results come as the same JSON lines as an ops driver's.
 */
import { spawn } from 'node:child_process';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import * as DeleteTopicsRequest from '../../../src/protocol/generated/delete-topics-request.js';
import * as DescribeConfigsRequest from '../../../src/protocol/generated/describe-configs-request.js';
import * as IncrementalAlterConfigsRequest from '../../../src/protocol/generated/incremental-alter-configs-request.js';
import * as MetadataRequest from '../../../src/protocol/generated/metadata-request.js';
import { createTopics, describeError, WireClient, WireError } from '../../helpers/wire-client.js';
import type { OpsLine, OpsResult, ProduceRecord } from './ops.js';
import { DriverError } from './run.js';

const KCAT = process.env.KCAT ?? 'kcat';
const TOPIC_RESOURCE = 2;
const SOURCE_DEFAULT = 5;

function kcat(args: readonly string[], input: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(KCAT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => err.push(Buffer.from(`spawn ${KCAT}: ${e.message}\n`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

async function kcatVersion(): Promise<string> {
  const { stdout } = await kcat(['-V'], '');
  const m = /Version (\S+) .*librdkafka (\S+)/.exec(stdout);
  return m ? `kcat ${m[1]} (librdkafka ${m[2]})` : stdout.trim().split('\n')[0] ?? 'kcat';
}

/** Text kcat can carry in an input line (-K '\t') or a -H header. */
function text(b: Buffer | null, what: string, forbidden: RegExp): string {
  if (b === null) throw new Error(`kcat cannot produce a null ${what}`);
  const s = b.toString('utf8');
  if (s === '' || forbidden.test(s) || !Buffer.from(s).equals(b)) throw new Error(`kcat cannot produce the ${what} ${JSON.stringify(s)}`);
  return s;
}

async function produce(bootstrap: string, topic: string, idempotent: boolean, records: readonly ProduceRecord[], lines: OpsLine[]): Promise<string> {
  let delivered = 0;
  let errors = 0;
  let stderrAll = '';
  const window = [Date.now(), 0];
  for (let start = 0; start < records.length;) {
    const codec = records[start]!.codec;
    let end = start;
    while (end < records.length && records[end]!.codec === codec) end++;
    const run = records.slice(start, end);
    const headers = run[0]!.headers.map(([k, v]) => `${k}=${text(v, 'header value', /[,=\n]/)}`);
    for (const r of run) {
      if (r.timestamp !== null) throw new Error('kcat cannot set record timestamps');
      if (r.headers.map(([k, v]) => `${k}=${v?.toString('utf8')}`).join(',') !== headers.join(',')) {
        throw new Error('kcat sends the same -H headers with every record of a run');
      }
    }
    const input = run.map((r) => `${text(r.key, 'key', /[\t\n]/)}\t${text(r.value, 'value', /[\t\n]/)}\n`).join('');
    const args = ['-P', '-b', bootstrap, '-t', topic, '-K', '\t', '-z', codec, '-X', `enable.idempotence=${idempotent}`,
      '-X', 'acks=all', '-X', 'linger.ms=5', '-X', 'client.id=millrace-compat-kcat-ops', '-v', '-v',
      ...headers.flatMap((h) => ['-H', h])];
    const res = await kcat(args, input);
    stderrAll += res.stderr;
    for (const line of res.stderr.split('\n')) {
      const ok = /Message delivered to partition (-?\d+) \(offset (-?\d+)\)/.exec(line);
      if (ok !== null) {
        delivered++;
        lines.push({ op: 'produce', i: null, partition: Number(ok[1]), offset: Number(ok[2]) });
      } else if (/Delivery failed/.test(line)) {
        errors++;
        lines.push({ op: 'produce', i: null, error: line });
      }
    }
    if (res.code !== 0) {
      lines.push({ op: 'produce', done: true, delivered, errors: errors + 1 });
      throw new DriverError(`kcat ${args.join(' ')} exited ${res.code}\n${res.stderr.slice(-3000)}`, stderrAll);
    }
    start = end;
  }
  window[1] = Date.now();
  lines.push({ op: 'produce', done: true, delivered, errors, window });
  return stderrAll;
}

async function query(bootstrap: string, topic: string, partitions: number, timestamp: number): Promise<Map<number, number>> {
  const args = ['-Q', '-b', bootstrap, ...Array.from({ length: partitions }, (_, p) => ['-t', `${topic}:${p}:${timestamp}`]).flat()];
  const res = await kcat(args, '');
  if (res.code !== 0) throw new DriverError(`kcat ${args.join(' ')} exited ${res.code}\n${res.stderr}`, res.stderr);
  const found = new Map<number, number>();
  for (const line of res.stdout.split('\n')) {
    const m = /^\S+ \[(\d+)\] offset (-?\d+)$/.exec(line.trim());
    if (m !== null) found.set(Number(m[1]), Number(m[2]));
    else if (line.trim() !== '') throw new DriverError(`kcat -Q: ${line}`, res.stderr);
  }
  if (found.size !== partitions) throw new DriverError(`kcat -Q answered for ${found.size} of ${partitions} partitions:\n${res.stdout}`, res.stderr);
  return found;
}

async function describeConfig(conn: WireClient, topic: string, name: string): Promise<{ value: string | null; default: boolean }> {
  const res = await conn.request(ApiKey.DescribeConfigs, conn.version(ApiKey.DescribeConfigs, 1), {
    resources: [{ ...DescribeConfigsRequest.defaultDescribeConfigsResource(), resourceType: TOPIC_RESOURCE, resourceName: topic, configurationKeys: [name] }],
  });
  const r = res.results[0];
  if (r === undefined || r.errorCode !== 0) throw new WireError(`DescribeConfigs ${topic}: ${describeError(r?.errorCode ?? -1)}`);
  const c = r.configs.find((x) => x.name === name);
  if (c === undefined) throw new WireError(`DescribeConfigs ${topic}: no ${name}`);
  return { value: c.value, default: c.configSource === SOURCE_DEFAULT };
}

/** Runs ops steps for kcat (see the top of this file); `records` are what a produce step sends. */
export async function kcatOps(bootstrap: string, steps: readonly string[], records: readonly ProduceRecord[] = []): Promise<OpsResult> {
  const lines: OpsLine[] = [];
  let stderr = '';
  const conn = await WireClient.connect(bootstrap, { apiVersions: true, clientId: 'millrace-compat-kcat-ops' });
  try {
    for (const step of steps) {
      const [op, topic, ...args] = step.split(':') as [string, string, ...string[]];
      if (op === 'create') {
        await createTopics(conn, [{ name: topic, partitions: Number(args[0]) }]);
        lines.push({ op: 'create', ok: true });
      } else if (op === 'produce') {
        stderr += await produce(bootstrap, topic, args[0] === '1', records, lines);
      } else if (op === 'offsets') {
        const partitions = await partitionCount(conn, topic);
        const earliest = await query(bootstrap, topic, partitions, -2);
        const latest = await query(bootstrap, topic, partitions, -1);
        for (let p = 0; p < partitions; p++) lines.push({ op: 'offsets', partition: p, earliest: earliest.get(p), latest: latest.get(p) });
        for (const ts of args[0]!.split(',').map(Number)) {
          for (const [p, offset] of await query(bootstrap, topic, partitions, ts)) {
            lines.push({ op: 'offsets', partition: p, timestamp: ts, offset: offset < 0 ? null : offset });
          }
        }
      } else if (op === 'configs') {
        const [name, value] = args as [string, string];
        const before = await describeConfig(conn, topic, name);
        const res = await conn.request(ApiKey.IncrementalAlterConfigs, conn.version(ApiKey.IncrementalAlterConfigs), {
          resources: [{
            ...IncrementalAlterConfigsRequest.defaultAlterConfigsResource(), resourceType: TOPIC_RESOURCE, resourceName: topic,
            configs: [{ name, configOperation: 0, value }],
          }],
        });
        const r = res.responses[0];
        if (r === undefined || r.errorCode !== 0) throw new WireError(`IncrementalAlterConfigs ${topic}: ${describeError(r?.errorCode ?? -1)} ${r?.errorMessage ?? ''}`);
        lines.push({ op: 'configs', name, before, after: await describeConfig(conn, topic, name), how: 'IncrementalAlterConfigs (our wire client)' });
      } else if (op === 'delete') {
        const res = await conn.request(ApiKey.DeleteTopics, conn.version(ApiKey.DeleteTopics, 1), {
          topicNames: [topic], topics: [{ ...DeleteTopicsRequest.defaultDeleteTopicState(), name: topic }], timeoutMs: 30_000,
        });
        const r = res.responses[0];
        if (r === undefined || r.errorCode !== 0) throw new WireError(`DeleteTopics ${topic}: ${describeError(r?.errorCode ?? -1)}`);
        lines.push({ op: 'delete', ok: true, listed: (await partitionCount(conn, topic)) > 0 });
      } else {
        throw new Error(`unknown step ${step}`);
      }
    }
  } finally {
    conn.close();
  }
  return { client: await kcatVersion(), lines, stderr };
}

/** Partitions of `topic` in Metadata (0 when the topic is unknown). */
export async function partitionCount(conn: WireClient, topic: string): Promise<number> {
  const md = await conn.request(ApiKey.Metadata, conn.version(ApiKey.Metadata, 1), {
    topics: [{ ...MetadataRequest.defaultMetadataRequestTopic(), name: topic }], allowAutoTopicCreation: false,
  });
  const t = md.topics.find((x) => x.name === topic);
  return t === undefined || t.errorCode !== 0 ? 0 : t.partitions.length;
}
