/**
 * `millrace perf produce|consume|e2e`: load runs against any Kafka-protocol broker, in the
 * spirit of Kafka's kafka-producer-perf-test.sh, kafka-consumer-perf-test.sh and
 * EndToEndLatency. Live progress goes to stderr, the summary to stdout (`--json` for
 * machines). The load logic is in src/perf/.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { KafkaClient } from '../client/client.js';
import type { FetcherOptions } from '../client/fetcher.js';
import type { CompressionName, ProducerOptions } from '../client/producer-types.js';
import { parseProperties } from '../common/properties.js';
import { runConsume } from '../perf/consume.js';
import { runE2e } from '../perf/e2e.js';
import { runProduce } from '../perf/produce.js';
import { formatSummary, type PerfResult } from '../perf/report.js';
import { action, clientOptions, clientOptionsFrom, CliError, examples, intArg, type ClientFlags } from './options.js';
import { toJson, type Out } from './output.js';

interface PerfFlags extends ClientFlags {
  topic: string;
  numRecords: number;
  recordSize: number;
  acks?: string;
  throughput: number;
  compression?: string;
  batchSize?: number;
  lingerMs?: number;
  maxInFlight?: number;
  idempotent?: boolean;
  reportingInterval: number;
  timeout: number;
  group?: string;
  maxWaitMs?: number;
  quiet?: boolean;
}

const COMPRESSIONS: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * Producer settings for perf runs: librdkafka's batch size (1 MB, what kcat sends) and 8
 * produce requests pipelined per connection, so one client can load a broker hard.
 * `--batch-size 16384 --max-in-flight 5` gives the Java producer's defaults (as
 * kafka-producer-perf-test.sh runs).
 */
export const PERF_DEFAULTS = { batchSize: 1_048_576, lingerMs: 5, maxInFlight: 8 } as const;

export function registerPerf(program: Command, out: Out = process.stdout, err: Out = process.stderr): void {
  const perf = program.command('perf').description('load tests: produce, consume and end-to-end latency (like kafka-*-perf-test.sh)');

  const common = (cmd: Command, producing: boolean): Command => {
    clientOptions(cmd)
      .requiredOption('--topic <name>', 'the topic')
      .requiredOption('--num-records <n>', 'records to produce or read', intArg('--num-records', { positive: true }))
      .option('--reporting-interval <ms>', 'progress line every this many ms on stderr (0: none)', intArg('--reporting-interval'), 2000)
      .option('--quiet', 'no progress lines');
    if (producing) {
      cmd
        .option('--record-size <bytes>', 'value size of each record', intArg('--record-size', { positive: true }), 1024)
        .option('--acks <acks>', '0, 1 or all (default: all, or acks= from --command-config)')
        .option('--throughput <records/s>', 'records per second to aim for; -1 unlimited', intArg('--throughput', { allowNegative: true }), -1)
        .option('--compression <codec>', 'none, gzip, snappy, lz4 or zstd (or compression.type= from --command-config)')
        .option('--batch-size <bytes>', `bytes per partition batch (Kafka's batch.size; default ${PERF_DEFAULTS.batchSize})`, intArg('--batch-size', { positive: true }))
        .option('--linger-ms <ms>', `how long a batch waits for more records (default ${PERF_DEFAULTS.lingerMs})`, intArg('--linger-ms'))
        .option('--max-in-flight <n>', `produce requests in flight per broker connection (default ${PERF_DEFAULTS.maxInFlight})`, intArg('--max-in-flight', { positive: true }))
        .option('--idempotent', 'an idempotent producer (needs --acks all)');
    }
    return cmd;
  };

  examples(common(perf.command('produce'), true), [
    'millrace perf produce --topic perf --num-records 1000000 --record-size 1024 --acks 1',
    'millrace perf produce --topic perf --num-records 200000 --throughput 50000 --compression lz4 --json',
  ])
    .description('produce records as fast as allowed and report throughput and send→ack latency')
    .action(action(async (flags: PerfFlags) => {
      const settings = readSettings(flags);
      await withPerfClient(flags, async (client) => {
        const result = await runProduce({
          client, topic: flags.topic, numRecords: flags.numRecords, recordSize: flags.recordSize, throughput: flags.throughput,
          producer: settings.producer, reportingIntervalMs: interval(flags), onProgress: (l) => err.write(l),
        });
        report(out, flags, result);
      });
    }));

  examples(common(perf.command('consume'), false)
    .option('--timeout <ms>', 'stop when no record arrives for this long', intArg('--timeout', { positive: true }), 10_000)
    .option('--group <id>', 'commit the final positions for this group')
    .option('--max-wait-ms <ms>', 'fetch long-poll wait (fetch.max.wait.ms)', intArg('--max-wait-ms')), [
    'millrace perf consume --topic perf --num-records 1000000',
  ])
    .description('read records from the beginning of every partition and report throughput')
    .action(action(async (flags: PerfFlags) => {
      const settings = readSettings(flags);
      await withPerfClient(flags, async (client) => {
        const result = await runConsume({
          client, topic: flags.topic, numRecords: flags.numRecords, fetcher: settings.fetcher, timeoutMs: flags.timeout,
          group: flags.group, reportingIntervalMs: interval(flags), onProgress: (l) => err.write(l),
        });
        report(out, flags, result);
      });
    }));

  examples(common(perf.command('e2e'), true)
    .option('--timeout <ms>', 'give up when no record arrives for this long', intArg('--timeout', { positive: true }), 10_000)
    .option('--max-wait-ms <ms>', 'fetch long-poll wait (fetch.max.wait.ms)', intArg('--max-wait-ms')), [
    'millrace perf e2e --topic e2e --num-records 100000 --record-size 1024 --throughput 10000 --acks 1',
  ])
    .description('produce records carrying their send time and read them back: produce→consume latency')
    .action(action(async (flags: PerfFlags) => {
      const settings = readSettings(flags);
      await withPerfClient(flags, async (client) => {
        const result = await runE2e({
          client, topic: flags.topic, numRecords: flags.numRecords, recordSize: flags.recordSize, throughput: flags.throughput,
          producer: settings.producer, fetcher: settings.fetcher, timeoutMs: flags.timeout,
          reportingIntervalMs: interval(flags), onProgress: (l) => err.write(l),
        });
        report(out, flags, result);
      });
    }));
}

function interval(flags: PerfFlags): number {
  return flags.quiet === true ? 0 : flags.reportingInterval;
}

function report(out: Out, flags: PerfFlags, result: PerfResult): void {
  out.write(flags.json === true ? toJson(result) : formatSummary(result));
  if (result.errors > 0) process.exitCode = 1;
}

async function withPerfClient(flags: PerfFlags, fn: (client: KafkaClient) => Promise<void>): Promise<void> {
  const client = new KafkaClient(clientOptionsFrom(flags, 'millrace-perf'));
  try {
    await fn(client);
  } finally {
    client.close();
  }
}

/**
 * Producer and fetcher settings: Kafka's property names from --command-config (acks,
 * compression.type, batch.size, linger.ms, max.in.flight.requests.per.connection,
 * enable.idempotence, buffer.memory, fetch.max.wait.ms, fetch.min.bytes,
 * max.partition.fetch.bytes, fetch.max.bytes), then the flags over them.
 */
export function readSettings(flags: PerfFlags): { producer: ProducerOptions; fetcher: FetcherOptions } {
  let props = new Map<string, string>();
  if (flags.commandConfig !== undefined) {
    try {
      props = parseProperties(readFileSync(flags.commandConfig, 'utf8'));
    } catch (e) {
      throw new CliError(`cannot read command config ${flags.commandConfig}: ${(e as Error).message}`);
    }
  }
  const num = (name: string): number | undefined => {
    const v = props.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`${name}=${v} in ${flags.commandConfig}: expected a non-negative integer`);
    return n;
  };
  const compression = (flags.compression ?? props.get('compression.type') ?? 'none').toLowerCase();
  if (!COMPRESSIONS.includes(compression as CompressionName)) {
    throw new CliError(`unknown compression ${compression}: none, gzip, snappy, lz4 or zstd`);
  }
  const producer: ProducerOptions = {
    acks: parseAcks(flags.acks ?? props.get('acks') ?? 'all'),
    compression: compression as CompressionName,
    batchSize: flags.batchSize ?? num('batch.size') ?? PERF_DEFAULTS.batchSize,
    lingerMs: flags.lingerMs ?? num('linger.ms') ?? PERF_DEFAULTS.lingerMs,
    maxInFlightPerBroker: flags.maxInFlight ?? num('max.in.flight.requests.per.connection') ?? PERF_DEFAULTS.maxInFlight,
    idempotent: flags.idempotent ?? (props.get('enable.idempotence') === 'true' ? true : undefined),
  };
  const bufferMemory = num('buffer.memory');
  if (bufferMemory !== undefined) producer.bufferMemory = bufferMemory;
  const requestTimeout = num('request.timeout.ms');
  if (requestTimeout !== undefined) producer.requestTimeoutMs = requestTimeout;
  if (producer.idempotent === true && producer.acks !== -1) throw new CliError('--idempotent needs --acks all');
  const fetcher: FetcherOptions = {};
  const maxWait = flags.maxWaitMs ?? num('fetch.max.wait.ms');
  if (maxWait !== undefined) fetcher.maxWaitMs = maxWait;
  const minBytes = num('fetch.min.bytes');
  if (minBytes !== undefined) fetcher.minBytes = minBytes;
  const partBytes = num('max.partition.fetch.bytes');
  if (partBytes !== undefined) fetcher.maxPartitionBytes = partBytes;
  const maxBytes = num('fetch.max.bytes');
  if (maxBytes !== undefined) fetcher.maxBytes = maxBytes;
  return { producer, fetcher };
}

function parseAcks(value: string): 0 | 1 | -1 {
  switch (value.trim().toLowerCase()) {
    case '0': return 0;
    case '1': return 1;
    case 'all':
    case '-1': return -1;
    default: throw new InvalidArgumentError(`--acks must be 0, 1 or all, got ${value}`);
  }
}
