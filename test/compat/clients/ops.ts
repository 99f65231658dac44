/**
 * Operations drivers: a client's admin API, producer and offset lookups, driven step by step
 * (the consumer side stays with the read drivers of index.ts). Every ops driver takes
 *
 *   BOOTSTRAP STEP...
 *
 * with steps `create:TOPIC:PARTITIONS`, `produce:TOPIC:IDEMPOTENT(0|1)`, `offsets:TOPIC:TS,TS,..`,
 * `configs:TOPIC:NAME:VALUE` and `delete:TOPIC`, reads the records to produce from stdin (as
 * they come, so a test can pace them), one per line:
 *
 *   codec \t key \t value \t timestamp \t headers
 *
 * (key, value: base64 or `-` for null; timestamp: ms or `-` for the client's clock; headers:
 * comma-separated `<key base64>:<value base64 or ->`; a new producer per codec), and prints
 * JSON lines: `{"client": "..."}` first, then
 *
 *   {"op":"create","ok":true}
 *   {"op":"produce","i":N,"partition":P,"offset":O}            a delivery report (record N of stdin)
 *   {"op":"produce","i":N,"error":"..."}                       a failed delivery
 *   {"op":"produce","done":true,"delivered":D,"errors":E}
 *   {"op":"offsets","partition":P,"earliest":E,"latest":L}
 *   {"op":"offsets","partition":P,"timestamp":T,"offset":O|null}
 *   {"op":"configs","name":N,"before":{"value":V,"default":B},"after":{...},"how":"<API used>"}
 *   {"op":"delete","ok":true,"listed":false}
 *
 * exiting non-zero after any error. kcat has no admin API: kcat-ops.ts does its steps with kcat
 * where kcat can (produce, query offsets) and with our wire client for the rest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEBIAN_PYTHON, ensureApt } from '../setup/apt.js';
import { run } from '../setup/exec.js';
import { ensureJavaClient } from '../setup/java.js';
import { withLock } from '../setup/lock.js';
import { ensureNode22 } from '../setup/node.js';
import { ensureNpmFolder } from '../setup/npm.js';
import { cacheDir, clientsDir } from '../setup/paths.js';
import { ensurePlatformaticKafka } from '../setup/platformatic.js';
import { ensureConfluentKafkaVenv } from '../setup/python.js';
import { KAFKAJS_PLUGINS, type DriverCommand } from './index.js';
import { DriverError } from './run.js';

/** One JSON line of an ops driver (see the top of this file). */
export interface OpsLine {
  op: 'create' | 'produce' | 'offsets' | 'configs' | 'delete';
  [field: string]: unknown;
}

export interface DeliveryReport {
  i: number;
  partition: number;
  offset: number;
  timestamp?: number;
}

export interface OpsResult {
  client: string;
  lines: OpsLine[];
  stderr: string;
}

/** A record to produce, as the TSV line the ops drivers read. */
export interface ProduceRecord {
  codec: string;
  key: Buffer | null;
  value: Buffer | null;
  /** null: the client stamps it. */
  timestamp: number | null;
  headers: [string, Buffer | null][];
}

const b64 = (b: Buffer | null): string => (b === null ? '-' : b.toString('base64'));

export function tsvLine(r: ProduceRecord): string {
  const headers = r.headers.map(([k, v]) => `${Buffer.from(k).toString('base64')}:${b64(v)}`).join(',');
  return `${r.codec}\t${b64(r.key)}\t${b64(r.value)}\t${r.timestamp ?? '-'}\t${headers}\n`;
}

/** What a client's producer API can express; records for it are made to fit. */
export interface RecordFeatures {
  /** Keys and values of any bytes, null and empty values (else printable text: kcat's input lines). */
  binary: boolean;
  /** Headers per record (else the same for every record of a run: kcat's -H). */
  perRecordHeaders: boolean;
  repeatedHeaderKeys: boolean;
  nullHeaderValues: boolean;
  /** The producer sets each record's timestamp (else the client's clock does). */
  timestamps: boolean;
}

/** A client driven through its ops driver (or, for kcat, kcat-ops.ts). */
export interface OpsClient {
  /** Same ids as the read drivers in index.ts. */
  id: string;
  notes: string;
  /** Codecs its producer can write, in the order they are produced. */
  codecs: readonly string[];
  idempotent: boolean;
  features: RecordFeatures;
  /**
   * What the client's offsets-for-time lookup answers when no record is that late: null
   * (Kafka's -1), or the end offset (kafkajs fetchTopicOffsetsByTimestamp).
   */
  noOffsetAs: 'null' | 'end';
  /** Id of the read driver in index.ts that consumes without a group, if the client has one. */
  reader: string;
  /** The ops driver command; null for kcat (kcat-ops.ts). */
  prepare(): Promise<DriverCommand | null>;
}

const ALL_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const FULL: RecordFeatures = { binary: true, perRecordHeaders: true, repeatedHeaderKeys: true, nullHeaderValues: true, timestamps: true };
const driver = (file: string) => path.join(clientsDir, file);

function hashOf(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

let javaOps: Promise<DriverCommand> | undefined;

/** CompatOps.java compiled (with CompatConsumer.java, whose helpers it uses) next to the Java client's jars. */
function ensureJavaOps(): Promise<DriverCommand> {
  javaOps ??= (async () => {
    const java = await ensureJavaClient();
    const libs = java.classpath.split(path.delimiter).slice(1).join(path.delimiter);
    const sources = ['CompatOps.java', 'CompatConsumer.java'].map((f) => path.join(clientsDir, 'java', f));
    const classes = path.join(cacheDir, 'java-ops', 'classes');
    const stamp = hashOf(...sources, path.join(clientsDir, 'java', 'pom.xml'));
    const marker = path.join(classes, '.complete');
    const current = () => existsSync(marker) && readFileSync(marker, 'utf8') === stamp;
    if (!current()) {
      await withLock('java-ops', async () => {
        if (current()) return;
        const tmp = `${classes}.tmp-${process.pid}`;
        rmSync(tmp, { recursive: true, force: true });
        mkdirSync(tmp, { recursive: true });
        await run('compiling the Java ops driver', 'javac', ['-cp', libs, '-d', tmp, ...sources]);
        writeFileSync(path.join(tmp, '.complete'), stamp);
        rmSync(classes, { recursive: true, force: true });
        renameSync(tmp, classes);
      });
    }
    return {
      command: java.java,
      args: ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', `${classes}${path.delimiter}${libs}`, 'CompatOps'],
    };
  })();
  return javaOps;
}

export const OPS_CLIENTS: readonly OpsClient[] = [
  {
    id: 'kcat',
    notes: 'kcat -P (librdkafka 2.0.2, idempotent) per codec with -K and -H; kcat -Q for offsets; no admin API: topics and configs through our wire client',
    codecs: ALL_CODECS,
    idempotent: true,
    features: { binary: false, perRecordHeaders: false, repeatedHeaderKeys: false, nullHeaderValues: false, timestamps: false },
    noOffsetAs: 'null',
    reader: 'kcat',
    async prepare() {
      await ensureApt(['kcat']);
      return null;
    },
  },
  {
    id: 'confluent-kafka-python-debian',
    notes: 'Debian python3-confluent-kafka 1.7.0: AdminClient (alter_configs), idempotent Producer, Consumer.offsets_for_times; ' +
      'no null header values: its Message.headers() drops a reference to None for them and the interpreter aborts ' +
      '(confluent-kafka-python#1191, fixed in 1.8.2)',
    codecs: ALL_CODECS,
    idempotent: true,
    features: { ...FULL, nullHeaderValues: false },
    noOffsetAs: 'null',
    reader: 'confluent-kafka-python-debian',
    async prepare() {
      await ensureApt(['python3-confluent-kafka']);
      return { command: DEBIAN_PYTHON, args: [driver('confluent_kafka_ops.py')] };
    },
  },
  {
    id: 'confluent-kafka-python-pypi',
    notes: 'PyPI confluent-kafka 2.16: AdminClient (incremental_alter_configs), idempotent Producer, Consumer.offsets_for_times',
    codecs: ALL_CODECS,
    idempotent: true,
    features: FULL,
    noOffsetAs: 'null',
    reader: 'confluent-kafka-python-pypi',
    async prepare() {
      return { command: await ensureConfluentKafkaVenv(), args: [driver('confluent_kafka_ops.py')] };
    },
  },
  {
    id: 'kafka-python',
    notes: 'Debian python3-kafka 2.0.2: KafkaAdminClient, KafkaProducer (no idempotence in 2.0), KafkaConsumer.offsets_for_times; header values must be bytes',
    codecs: ALL_CODECS,
    idempotent: false,
    features: { ...FULL, nullHeaderValues: false },
    noOffsetAs: 'null',
    reader: 'kafka-python',
    async prepare() {
      await ensureApt(['python3-kafka', 'python3-snappy', 'python3-lz4', 'python3-zstandard']);
      return { command: DEBIAN_PYTHON, args: [driver('kafka_python_ops.py')] };
    },
  },
  {
    id: 'kafkajs',
    notes: 'kafkajs 2.2.4 + codec plugins: admin, idempotent producer; header values must not be null; its consumer needs a group',
    codecs: ALL_CODECS,
    idempotent: true,
    features: { ...FULL, nullHeaderValues: false },
    noOffsetAs: 'end',
    reader: 'kafkajs',
    async prepare() {
      const modules = await ensureNpmFolder('kafkajs-plugins', KAFKAJS_PLUGINS);
      return { command: process.execPath, args: [driver('kafkajs-ops.mjs')], env: { COMPAT_NODE_MODULES: modules } };
    },
  },
  {
    id: 'platformatic-kafka',
    notes: '@platformatic/kafka 1.x on Node 22: Admin, idempotent Producer (headers as a Map: no repeated keys, no null values), Consumer#fetch without a group',
    codecs: ALL_CODECS,
    idempotent: true,
    features: { ...FULL, repeatedHeaderKeys: false, nullHeaderValues: false },
    noOffsetAs: 'null',
    reader: 'platformatic-kafka',
    async prepare() {
      const [node, modules] = await Promise.all([ensureNode22(), ensurePlatformaticKafka()]);
      return { command: node, args: [driver('platformatic-kafka-ops.mjs')], env: { COMPAT_NODE_MODULES: modules } };
    },
  },
  {
    id: 'java',
    notes: 'kafka-clients 4.4.0: Admin (incrementalAlterConfigs), idempotent KafkaProducer, KafkaConsumer assign() and offsetsForTimes',
    codecs: ALL_CODECS,
    idempotent: true,
    features: FULL,
    noOffsetAs: 'null',
    reader: 'java',
    prepare: ensureJavaOps,
  },
];

export function opsClient(id: string): OpsClient {
  const c = OPS_CLIENTS.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no ops client ${id}`);
  return c;
}

const running = new Set<ChildProcess>();

/** Kills every ops driver still running (and its children). */
export function killOps(): void {
  for (const child of running) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
  running.clear();
}

/** A running ops driver: stdin to feed, lines as they come, and its end. */
export class OpsProcess {
  readonly lines: OpsLine[] = [];
  client = '';
  /** Called for every JSON line after the first. */
  onLine: ((line: OpsLine) => void) | null = null;
  readonly done: Promise<OpsResult>;
  private readonly child: ChildProcess;

  constructor(cmd: DriverCommand, args: readonly string[], timeoutMs: number) {
    const all = [...cmd.args, ...args];
    const child = spawn(cmd.command, all, { env: { ...process.env, ...cmd.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    running.add(child);
    const err: Buffer[] = [];
    let partial = '';
    let bad: string | null = null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        if (line.trim() === '') continue;
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          bad ??= line;
          continue;
        }
        if ('client' in parsed) {
          this.client = String(parsed.client);
          continue;
        }
        this.lines.push(parsed as OpsLine);
        this.onLine?.(parsed as OpsLine);
      }
    });
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {});
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    this.done = new Promise((resolve, reject) => {
      child.on('error', (e) => err.push(Buffer.from(`spawn ${cmd.command}: ${e.message}\n`)));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        running.delete(child);
        const stderr = Buffer.concat(err).toString('utf8');
        const what = [cmd.command, ...all].join(' ');
        const tail = stderr.trimEnd().split('\n').slice(-30).join('\n');
        if (code !== 0) {
          const why = killed ? `killed after ${timeoutMs} ms` : signal ?? `exit ${code}`;
          reject(new DriverError(`ops driver failed (${why}): ${what}\n${tail}`, stderr));
        } else if (bad !== null) {
          reject(new DriverError(`ops driver printed a line that is not JSON: ${(bad as string).slice(0, 200)}\n(${what})`, stderr));
        } else {
          resolve({ client: this.client, lines: this.lines, stderr });
        }
      });
    });
    this.done.catch(() => {}); // the caller awaits it; never an unhandled rejection meanwhile
  }

  /** Writes to the driver's stdin; resolves once the pipe took it (or the driver is gone). */
  write(text: string): Promise<void> {
    const stdin = this.child.stdin!;
    if (stdin.destroyed || !stdin.writable) return Promise.resolve();
    return new Promise((resolve) => {
      if (stdin.write(text)) {
        resolve();
        return;
      }
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.once('drain', done);
      stdin.once('close', done);
    });
  }

  end(): void {
    this.child.stdin!.end();
  }
}

/** Starts an ops driver; feed it with write()/end() (produce steps read stdin until it ends). */
export function startOps(cmd: DriverCommand, bootstrap: string, steps: readonly string[], timeoutMs = 120_000): OpsProcess {
  return new OpsProcess(cmd, [bootstrap, ...steps], timeoutMs);
}

/** Runs an ops driver to its end with `input` on stdin. */
export async function runOps(
  cmd: DriverCommand, bootstrap: string, steps: readonly string[], input = '', timeoutMs = 120_000,
): Promise<OpsResult> {
  const p = startOps(cmd, bootstrap, steps, timeoutMs);
  await p.write(input);
  p.end();
  return p.done;
}
