/**
 * `millrace consume TOPIC`: kafka-console-consumer.sh with kcat's `--format` tokens. Prints
 * one record per line until `--max-messages`, `--timeout-ms` of silence, `--exit-at-end`, or
 * Ctrl-C. With `--group` it is a member of a classic consumer group (src/client/group-member.ts)
 * and commits what it printed (every 5 s, before a rebalance and on exit), then leaves.
 */
import { Command } from 'commander';
import { KafkaClient } from '../client/client.js';
import { Fetcher, type FetchedRecord, type TopicPartitionOffset } from '../client/fetcher.js';
import { GroupMember } from '../client/group-member.js';
import { KafkaResponseError } from '../client/errors.js';
import { action, clientOptions, clientOptionsFrom, CliError, collect, examples, intArg, keyValues, oneTopic, type ClientFlags } from './options.js';
import type { Out } from './output.js';

interface ConsumeFlags extends ClientFlags {
  topic?: string;
  fromBeginning?: boolean;
  offset?: string;
  partition?: number;
  maxMessages?: number;
  timeoutMs?: number;
  exitAtEnd?: boolean;
  group?: string;
  format?: string;
  property?: string[];
  commitIntervalMs: number;
}

export interface ConsumeIo {
  stdout: NodeJS.WritableStream;
  stderr: Out;
}

const REBALANCE_TIMEOUT_MS = 60_000;

export function registerConsume(program: Command, io: ConsumeIo = { stdout: process.stdout, stderr: process.stderr }): void {
  examples(clientOptions(program.command('consume'), { json: false }), [
    'millrace consume orders --from-beginning --max-messages 10',
    "millrace consume orders --group billing --format '%k %v (partition %p, offset %o)'",
    'millrace consume orders --partition 2 --offset 100 --format \'%T %h %s\\n\'',
    'millrace consume orders --from-beginning --exit-at-end > all.txt',
    'millrace consume orders --from-beginning --json | jq .value',
    'millrace consume orders --from-beginning --property print.key=true --property print.partition=true   # as kafka-console-consumer.sh',
  ])
    .description('print records of a topic, one per line')
    .argument('[topic]', 'the topic')
    .option('--topic <name>', 'the topic (as the console consumer names it)')
    .option('--from-beginning', 'start at the earliest offset (in a group: where nothing is committed)')
    .option('--offset <n>', 'start at an offset: a number, earliest or latest (needs --partition)')
    .option('--partition <p>', 'read only this partition', intArg('--partition'))
    .option('--max-messages <n>', 'exit after this many records', intArg('--max-messages', { positive: true }))
    .option('--timeout-ms <ms>', 'exit when no record came for this long', intArg('--timeout-ms', { positive: true }))
    .option('--exit-at-end', 'exit once every partition is read to its end (kcat -e)')
    .option('--group <id>', 'consume as a member of this consumer group, committing offsets')
    .option('--commit-interval-ms <ms>', 'how often a group member commits', intArg('--commit-interval-ms', { positive: true }), 5000)
    .option('--property <key=value>', 'kafka-console-consumer.sh formatter properties: print.key, print.partition, print.offset, ' +
      'print.headers, print.value (true/false), key.separator, headers.separator, headers.key.separator, line.separator (repeatable)', collect)
    .option('--json', 'print each record as a JSON object on its own line (kcat -J)')
    .option('--format <fmt>', 'kcat tokens: %s or %v value, %k key, %t topic, %p partition, %o offset, %T timestamp, ' +
      '%h headers, %S and %K lengths, %%; escapes \\n \\t \\r \\\\ (a newline is added unless the format ends with one)')
    .action(action(async (name: string | undefined, flags: ConsumeFlags) => {
      const topic = oneTopic(name, flags.topic);
      const styles = [flags.json === true, flags.format !== undefined, flags.property !== undefined].filter((x) => x).length;
      if (styles > 1) throw new CliError('--json, --format and --property exclude each other');
      const format = flags.json === true ? jsonLine
        : flags.property !== undefined ? kafkaFormatter(keyValues(flags.property, '--property'))
          : compileFormat(flags.format ?? '%s\\n');
      let start: bigint | undefined;
      if (flags.offset !== undefined) {
        if (flags.partition === undefined) throw new CliError('--offset needs --partition');
        if (flags.group !== undefined) throw new CliError('--offset and --group exclude each other (the group\'s offsets decide)');
        start = flags.offset === 'earliest' ? -2n : flags.offset === 'latest' ? -1n
          : /^\d+$/.test(flags.offset) ? BigInt(flags.offset) : undefined;
        if (start === undefined) throw new CliError(`--offset ${flags.offset}: expected a non-negative number, earliest or latest`);
      }
      if (flags.group !== undefined && flags.partition !== undefined) throw new CliError('--partition and --group exclude each other (the group assigns partitions)');
      const options = clientOptionsFrom(flags, 'millrace-consumer');
      if (flags.group !== undefined) {
        // a JoinGroup waits for the others to rejoin: give it the rebalance timeout
        options.requestTimeoutMs = Math.max(options.requestTimeoutMs ?? 30_000, REBALANCE_TIMEOUT_MS + 5000);
      }
      const client = new KafkaClient(options);
      try {
        await consume(client, topic, flags, start, format, io);
      } finally {
        client.close();
      }
    }));
}

async function consume(client: KafkaClient, topic: string, flags: ConsumeFlags, start: bigint | undefined,
  format: (r: FetchedRecord) => string, io: ConsumeIo): Promise<void> {
  const fetcher = new Fetcher(client, { autoOffsetReset: flags.fromBeginning === true ? 'earliest' : 'latest', maxWaitMs: 500 });
  const member = flags.group === undefined ? undefined : new GroupMember(client, {
    groupId: flags.group, topics: [topic], rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
  });
  let stopping = false;
  // the first Ctrl-C commits and leaves; a second one does not wait for that
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  io.stdout.on('error', () => { stopping = true; }); // a closed pipe (| head): stop reading
  // next offset to commit per partition: past what was printed, or the fetch position
  const positions = new Map<string, Map<number, bigint>>();
  const setPosition = (t: string, p: number, o: bigint) => {
    let m = positions.get(t);
    if (m === undefined) positions.set(t, (m = new Map()));
    m.set(p, o);
  };
  const commit = async () => {
    if (member === undefined || positions.size === 0) return;
    try {
      await member.commit(positions);
    } catch (err) {
      // a rebalance took the partitions; the next owner reads from the last commit
      if (!(err instanceof KafkaResponseError) || !member.rejoinNeeded) throw err;
    }
  };
  let printed = 0;
  let lastRecordAt = Date.now();
  let lastCommitAt = Date.now();
  try {
    if (member === undefined) {
      const partitions = flags.partition !== undefined ? [flags.partition] : [...(await client.leaders(topic)).keys()].sort((a, b) => a - b);
      const known = await client.leaders(topic);
      for (const p of partitions) if (!known.has(p)) throw new CliError(`topic ${topic} has no partition ${p}`);
      fetcher.assign(partitions.map((partition) => ({ topic, partition, offset: start ?? (flags.fromBeginning === true ? -2n : -1n) })));
    }
    while (!stopping) {
      if (member !== undefined && member.rejoinNeeded) {
        await commit();
        positions.clear();
        const assigned = await member.join();
        const committed = await member.committed();
        const parts: TopicPartitionOffset[] = assigned.flatMap((tp) => tp.partitions.map((partition) => ({
          topic: tp.topic, partition, offset: committed.get(tp.topic)?.get(partition),
        })));
        fetcher.assign(parts);
        lastRecordAt = Date.now();
        continue;
      }
      if (fetcher.assignment().length === 0) {
        if (flags.exitAtEnd === true && member === undefined) break;
        await sleep(200);
      } else {
        const records = await fetcher.poll();
        let out = '';
        let stoppedEarly = false;
        for (const r of records) {
          out += format(r);
          setPosition(r.topic, r.partition, r.offset + 1n);
          printed++;
          if (flags.maxMessages !== undefined && printed >= flags.maxMessages) {
            stoppedEarly = true;
            break;
          }
        }
        if (!stoppedEarly) {
          for (const a of fetcher.assignment()) {
            const pos = fetcher.position(a.topic, a.partition);
            if (pos !== undefined) setPosition(a.topic, a.partition, pos);
          }
        }
        if (out !== '' && !io.stdout.write(out)) await new Promise<void>((resolve) => io.stdout.once('drain', () => resolve()));
        if (records.length > 0) lastRecordAt = Date.now();
        if (stoppedEarly) break;
        if (flags.exitAtEnd === true && atEnd(fetcher)) break;
      }
      if (flags.timeoutMs !== undefined && Date.now() - lastRecordAt >= flags.timeoutMs) break;
      if (member !== undefined && Date.now() - lastCommitAt >= flags.commitIntervalMs) {
        await commit();
        lastCommitAt = Date.now();
      }
    }
    await commit();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    fetcher.close();
    if (member !== undefined) await member.leave().catch(() => {}); // the session timeout removes it anyway
  }
  if (flags.maxMessages === undefined || printed < flags.maxMessages) {
    if (flags.timeoutMs !== undefined || flags.exitAtEnd === true) io.stderr.write(`Processed a total of ${printed} messages\n`);
  }
}

/** Every assigned partition's position has reached the high watermark its last fetch saw. */
function atEnd(fetcher: Fetcher): boolean {
  return fetcher.assignment().every((a) => {
    const pos = fetcher.position(a.topic, a.partition);
    const hw = fetcher.highWatermark(a.topic, a.partition);
    return pos !== undefined && hw >= 0n && pos >= hw;
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const FORMATTER_PROPERTIES = new Set([
  'print.key', 'print.value', 'print.partition', 'print.offset', 'print.headers',
  'key.separator', 'headers.separator', 'headers.key.separator', 'line.separator', 'null.literal',
]);

/**
 * Kafka's DefaultMessageFormatter: partition, offset, headers, key and value as asked for,
 * `Partition:0`, `Offset:5`, headers `k:v,k2:v2` (or NO_HEADERS), separated by key.separator
 * (a tab); a null key or value prints `null`. (print.timestamp needs the timestamp type,
 * which this client's records do not carry: use --format %T.)
 */
export function kafkaFormatter(props: Record<string, string>): (r: FetchedRecord) => string {
  for (const name of Object.keys(props)) {
    if (!FORMATTER_PROPERTIES.has(name)) {
      throw new CliError(`--property ${name}: not supported${name === 'print.timestamp' ? ' (use --format with %T)' : ''}`);
    }
  }
  const on = (name: string, dflt: boolean) => (props[name] === undefined ? dflt : props[name].toLowerCase() === 'true');
  const printPartition = on('print.partition', false);
  const printOffset = on('print.offset', false);
  const printHeaders = on('print.headers', false);
  const printKey = on('print.key', false);
  const printValue = on('print.value', true);
  const sep = props['key.separator'] ?? '\t';
  const headersSep = props['headers.separator'] ?? ',';
  const headerKeySep = props['headers.key.separator'] ?? ':';
  const lineSep = props['line.separator'] ?? '\n';
  const nul = props['null.literal'] ?? 'null';
  return (r) => {
    const parts: string[] = [];
    if (printPartition) parts.push(`Partition:${r.partition}`);
    if (printOffset) parts.push(`Offset:${r.offset}`);
    if (printHeaders) {
      parts.push(r.headers.length === 0 ? 'NO_HEADERS' : r.headers.map((h) => `${h.key}${headerKeySep}${h.value?.toString() ?? nul}`).join(headersSep));
    }
    if (printKey) parts.push(r.key?.toString() ?? nul);
    if (printValue) parts.push(r.value?.toString() ?? nul);
    return parts.join(sep) + lineSep;
  };
}

/** A record as one line of JSON: key, value and header values as UTF-8 text (null stays null). */
export function jsonLine(r: FetchedRecord): string {
  return JSON.stringify({
    topic: r.topic, partition: r.partition, offset: Number(r.offset), timestamp: Number(r.timestamp),
    key: r.key?.toString() ?? null, value: r.value?.toString() ?? null,
    headers: r.headers.map((h) => ({ key: h.key, value: h.value?.toString() ?? null })),
  }) + '\n';
}

type Piece = string | ((r: FetchedRecord) => string);

/**
 * Compiles a kcat `-f` format: %s (or %v) value, %k key, %t topic, %p partition, %o offset,
 * %T timestamp in ms, %h headers as k=v,k=v, %S value length, %K key length, %% a percent
 * sign; \n \r \t \\ escapes. Null keys and values print empty (lengths -1), as kcat prints them.
 */
export function compileFormat(format: string): (r: FetchedRecord) => string {
  const pieces: Piece[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const n = format[i + 1];
    if (c === '\\' && n !== undefined) {
      const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', 0: '\0' };
      if (esc[n] === undefined) throw new CliError(`--format: unknown escape \\${n}`);
      text += esc[n];
      i++;
    } else if (c === '%' && n !== undefined) {
      i++;
      if (n === '%') {
        text += '%';
        continue;
      }
      const token = TOKENS[n];
      if (token === undefined) throw new CliError(`--format: unknown token %${n} (known: ${Object.keys(TOKENS).map((t) => `%${t}`).join(' ')} %%)`);
      if (text !== '') pieces.push(text);
      text = '';
      pieces.push(token);
    } else {
      text += c;
    }
  }
  if (!text.endsWith('\n')) text += '\n';
  pieces.push(text);
  return (r) => {
    let s = '';
    for (const p of pieces) s += typeof p === 'string' ? p : p(r);
    return s;
  };
}

const TOKENS: Record<string, (r: FetchedRecord) => string> = {
  s: (r) => r.value?.toString() ?? '',
  v: (r) => r.value?.toString() ?? '',
  k: (r) => r.key?.toString() ?? '',
  S: (r) => String(r.value?.length ?? -1),
  K: (r) => String(r.key?.length ?? -1),
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  T: (r) => String(r.timestamp),
  h: (r) => r.headers.map((h) => `${h.key}=${h.value?.toString() ?? ''}`).join(','),
};
