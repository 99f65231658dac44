/**
 * The clients of the cluster fault tests, all producing with acks=all and idempotence, each
 * value naming its producer and its place in the producer's send order (fault-checker.ts):
 *
 *  - the Java client (kafka-clients 4.4.0, FaultClient.java): "java-<n>", plus a consumer
 *    group that reads the topic throughout;
 *  - kafkajs (the project's devDependency): "kafkajs-<n>";
 *  - confluent-kafka-python (Debian's, librdkafka 2.0): "confluent-<n>", and in another
 *    process a consumer in a second group (fault_consumer_confluent.py);
 *  - kcat (Debian's, librdkafka): batches of KCAT_BATCH values "kcat.<batch>-<n>", one kcat -P
 *    process per batch, one after another. kcat does not say where a record went, and says
 *    nothing per record: a batch counts as acknowledged when kcat exits 0 without reporting an
 *    error, and its values are then checked for presence only.
 *
 * Every outcome a client prints is kept: acknowledgements (value, partition, offset), failures,
 * and what the consumer groups received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { ensureApt, DEBIAN_PYTHON } from '../compat/setup/apt.js';
import { compileJavaDriver } from '../compat/setup/java.js';
import { clientsDir } from '../compat/setup/paths.js';
import type { Ack, ConsumedRecord } from './fault-checker.js';
import { tied } from './cluster-harness.js';

const KCAT_BATCH = 20;
/**
 * librdkafka debug contexts for the confluent producer (e.g. "eos,msg,protocol"), from the
 * environment; its log goes to confluent-producer.log in the run's client log directory, so
 * that a duplicate or a loss can be traced to the responses behind it.
 */
export const RDKAFKA_DEBUG_ENV = 'MILLRACE_FAULTS_RDKAFKA_DEBUG';

interface Line {
  ack?: string; fail?: string; err?: string; p?: number; o?: number;
  c?: string; a?: number; assigned?: number; produced?: boolean; error?: string; commitFailed?: string;
}

interface Driver {
  readonly name: string;
  /** The consumer group whose records the driver prints ('' for a producer only). */
  readonly group: string;
  readonly child: ChildProcess;
  produced: boolean;
  exited: boolean;
  stderr: string;
  readonly done: Promise<void>;
}

export interface WorkloadFigures {
  acked: Record<string, number>;
  failed: Record<string, number>;
  /** A few distinct failure messages per client. */
  failureReasons: Record<string, string[]>;
  /** Records received per group. */
  consumed: Record<string, number>;
  rebalances: number;
  commitFailures: number;
  errors: string[];
}

export class Workload {
  readonly acks: Ack[] = [];
  readonly consumed: ConsumedRecord[] = [];
  readonly failures: Array<{ value: string; err: string }> = [];
  readonly errors: string[] = [];
  /** The producers (the Java one also consumes). */
  private readonly drivers: Driver[] = [];
  /** Consumers only. */
  private readonly consumerDrivers: Driver[] = [];
  private rebalances = 0;
  private commitFailures = 0;
  private kcatRunning = false;
  private kcatLoop: Promise<void> | null = null;
  private kcatBatch = 0;
  private kcatChild: ChildProcess | null = null;
  private debugLog: WriteStream | null = null;

  private constructor(private readonly bootstrap: string, private readonly topic: string, private readonly intervalMs: number) {}

  /**
   * Installs what the clients need and starts them all: the Java client's consumer in
   * `groups.java`, confluent-kafka's in `groups.confluent`. With RDKAFKA_DEBUG_ENV set, the
   * confluent producer's librdkafka debug log goes to `logDir`/confluent-producer.log.
   */
  static async start(bootstrap: string, topic: string, groups: { java: string; confluent: string }, intervalMs: number, logDir?: string): Promise<Workload> {
    await ensureApt(['kcat', 'python3-confluent-kafka']);
    const classpath = await compileJavaDriver('java-faults', ['FaultClient.java'], 'the Java fault-test client');
    const w = new Workload(bootstrap, topic, intervalMs);
    w.drivers.push(w.spawnDriver('java', groups.java, 'java', ['-Xmx256m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=error', '-cp', classpath, 'FaultClient', bootstrap, topic, groups.java, String(intervalMs)]));
    w.drivers.push(w.spawnDriver('kafkajs', '', process.execPath, [path.join(clientsDir, 'fault-producer-kafkajs.mjs'), bootstrap, topic, String(intervalMs)]));
    const confluent = w.spawnDriver('confluent', '', DEBIAN_PYTHON, [path.join(clientsDir, 'fault_producer_confluent.py'), bootstrap, topic, String(intervalMs)]);
    w.drivers.push(confluent);
    const debug = process.env[RDKAFKA_DEBUG_ENV];
    if (debug !== undefined && debug !== '') {
      if (logDir === undefined) throw new Error(`${RDKAFKA_DEBUG_ENV} is set but the run gave no log directory`);
      w.debugLog = createWriteStream(path.join(logDir, 'confluent-producer.log'), { flags: 'a' });
      confluent.child.stderr!.pipe(w.debugLog);
    }
    w.consumerDrivers.push(w.spawnDriver('confluent-consumer', groups.confluent, DEBIAN_PYTHON, [path.join(clientsDir, 'fault_consumer_confluent.py'), bootstrap, topic, groups.confluent]));
    w.kcatRunning = true;
    w.kcatLoop = w.runKcat();
    return w;
  }

  private spawnDriver(name: string, group: string, command: string, args: string[]): Driver {
    const child = spawn(...tied(command, args), { stdio: ['pipe', 'pipe', 'pipe'] });
    const d: Driver = { name, group, child, produced: false, exited: false, stderr: '', done: new Promise((resolve) => child.once('exit', () => resolve())) };
    void d.done.then(() => { d.exited = true; });
    child.stderr!.on('data', (b: Buffer) => { d.stderr = (d.stderr + b.toString()).slice(-4000); });
    child.stdin!.on('error', () => {});
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(d, line));
    return d;
  }

  private onLine(d: Driver, text: string): void {
    let l: Line;
    try {
      l = JSON.parse(text) as Line;
    } catch {
      return;
    }
    if (l.ack !== undefined) this.acks.push({ value: l.ack, partition: l.p ?? null, offset: l.o ?? null });
    else if (l.fail !== undefined) this.failures.push({ value: l.fail, err: l.err ?? '' });
    else if (l.c !== undefined) this.consumed.push({ group: d.group, value: l.c, partition: l.p!, offset: l.o!, assignment: l.a! });
    else if (l.assigned !== undefined) this.rebalances++;
    else if (l.commitFailed !== undefined) this.commitFailures++;
    else if (l.produced === true) d.produced = true;
    else if (l.error !== undefined) this.errors.push(`${d.name}: ${l.error}`);
  }

  private async runKcat(): Promise<void> {
    while (this.kcatRunning) {
      const batch = this.kcatBatch++;
      const values = Array.from({ length: KCAT_BATCH }, (_, i) => `kcat.${batch}-${i}`);
      const child = spawn(...tied('kcat', ['-P', '-b', this.bootstrap, '-t', this.topic, '-K', ':', '-X', 'client.id=millrace-faults-kcat',
        '-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', 'message.timeout.ms=30000', '-X', 'linger.ms=5']), { stdio: ['pipe', 'ignore', 'pipe'] });
      this.kcatChild = child;
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.stdin!.on('error', () => {});
      // paced like the other clients: one record every intervalMs
      for (const v of values) {
        child.stdin!.write(`${v}:${v}\n`);
        await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
      }
      child.stdin!.end();
      const code = await exited;
      this.kcatChild = null;
      if (code === 0 && !/Delivery failed|ERROR/i.test(stderr)) {
        for (const v of values) this.acks.push({ value: v, partition: null, offset: null });
      } else {
        for (const v of values) this.failures.push({ value: v, err: `kcat exited ${code}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}` });
      }
    }
  }

  /** Stops producing: every producer finishes what it sent and reports it. */
  async stopProducing(): Promise<void> {
    this.kcatRunning = false;
    for (const d of this.drivers) d.child.stdin!.write('produced\n');
    await this.kcatLoop;
    await Promise.all(this.drivers.map((d) => new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (d.produced) {
          clearInterval(t);
          resolve();
        } else if (d.exited) {
          clearInterval(t);
          reject(new Error(`${d.name} exited before it finished producing: ${d.stderr}`));
        }
      }, 50);
    })));
  }

  /** The values group `group` received. */
  consumedValues(group: string): Set<string> {
    return new Set(this.consumed.filter((c) => c.group === group).map((c) => c.value));
  }

  figures(): WorkloadFigures {
    const count = (vs: readonly { value: string }[]): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const v of vs) {
        const client = v.value.replace(/[.-].*$/, '');
        out[client] = (out[client] ?? 0) + 1;
      }
      return out;
    };
    const failureReasons: Record<string, string[]> = {};
    for (const f of this.failures) {
      const reasons = (failureReasons[f.value.replace(/[.-].*$/, '')] ??= []);
      const reason = f.err.replace(/\d+/g, 'N').slice(0, 200);
      if (reasons.length < 3 && !reasons.includes(reason)) reasons.push(reason);
    }
    return { acked: count(this.acks), failed: count(this.failures), failureReasons, consumed: this.consumedPerGroup(), rebalances: this.rebalances, commitFailures: this.commitFailures, errors: this.errors.slice(0, 10) };
  }

  private consumedPerGroup(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.consumed) out[c.group] = (out[c.group] ?? 0) + 1;
    return out;
  }

  /** Ends every client (the consumers leave their groups). */
  async close(): Promise<void> {
    this.kcatRunning = false;
    this.kcatChild?.kill('SIGKILL');
    const all = [...this.drivers, ...this.consumerDrivers];
    for (const d of all) d.child.stdin!.end();
    await Promise.race([
      Promise.all(all.map((d) => d.done)),
      new Promise((resolve) => setTimeout(resolve, 15_000).unref()),
    ]);
    for (const d of all) if (!d.exited) d.child.kill('SIGKILL');
    await Promise.all(all.map((d) => d.done));
    await this.kcatLoop?.catch(() => {});
    const debugLog = this.debugLog;
    this.debugLog = null;
    if (debugLog !== null) await new Promise<void>((resolve) => debugLog.end(() => resolve()));
  }
}
