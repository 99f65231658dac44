/**
 * Kafka's command-line tools (kafka-topics.sh, kafka-configs.sh, ...: a main class of the Kafka
 * 4.4.0 jars) run in one warm JVM per test process, clients/java/KafkaToolRunner.java, instead
 * of a JVM each: starting one costs 1.5-2.5 s of CPU here, more than most tools' work.
 *
 * The runner runs one tool at a time, as its own process would (see its header: exit codes,
 * uncaught exceptions, stdin, what is reset between tools). A call that needs JVM flags, system
 * properties or environment of its own, real stdin or a long-running process stays on runRaw.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { RunResult } from './exec.js';
import { compileJavaDriver, TOOL_JVM_FLAGS } from './java.js';
import { ensureKafkaJars } from './kafka.js';
import { repoRoot } from './paths.js';

export interface KafkaToolOptions {
  /** Default 10 minutes, as runRaw's: past it the runner is killed (the next call starts another). */
  timeoutMs?: number;
  /** Text the tool reads from System.in (default: none, as runRaw's). */
  input?: string;
}

interface Pending {
  id: number;
  line: string;
  timeoutMs: number;
  resolve: (r: RunResult) => void;
}

/** The answer line's start; the nonce makes it one no tool output can contain. */
const MARK = '@@millrace-tool-runner';
/** How much of the runner's own stderr is kept to explain its death. */
const STDERR_KEEP = 16_384;

function field(text: string): string {
  return text === '' ? '-' : Buffer.from(text, 'utf8').toString('base64');
}

function decode(b64: string): string {
  return b64 === '-' ? '' : Buffer.from(b64, 'base64').toString('utf8');
}

/** One runner JVM and the queue of calls for it, one running at a time. */
class ToolRunner {
  private child: ChildProcessWithoutNullStreams | null = null;
  private nonce = '';
  private received = '';
  /** How much of `received` (from a mark on) is known to hold no end of line. */
  private scanned = 0;
  private runnerStderr = '';
  private readonly queue: Pending[] = [];
  private queueHead = 0;
  private running: Pending | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private classpath: Promise<string> | null = null;

  run(mainClass: string, args: readonly string[], options: KafkaToolOptions): Promise<RunResult> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const line = [String(id), field(mainClass), field(options.input ?? ''), ...args.map(field)].join(' ');
      this.queue.push({ id, line, timeoutMs: options.timeoutMs ?? 600_000, resolve });
      if (this.running === null) void this.startNext();
    });
  }

  /** The runner's process id, while one runs. */
  pid(): number | undefined {
    return this.child?.pid;
  }

  /** Kills the runner at once (process exit): synchronous. */
  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }

  private async startNext(): Promise<void> {
    if (this.running !== null || this.queueHead === this.queue.length) return;
    const next = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = undefined as unknown as Pending;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    this.running = next;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = await this.ensureChild();
    } catch (e) {
      this.finish({ code: 127, signal: null, stdout: '', stderr: `starting the Kafka tool runner: ${(e as Error).message}\n` });
      return;
    }
    if (this.running !== next) return;
    this.ref(child, true);
    this.timer = setTimeout(() => this.timedOut(), next.timeoutMs);
    child.stdin.write(`${next.line}\n`);
  }

  private async ensureChild(): Promise<ChildProcessWithoutNullStreams> {
    if (this.child !== null) return this.child;
    this.classpath ??= (async () => {
      await ensureKafkaJars();
      const driver = await compileJavaDriver('java-tool-runner', ['KafkaToolRunner.java', 'KafkaToolMain.java'], 'the Kafka tool runner');
      const classes = driver.split(path.delimiter)[0]!;
      const kafkaLibs = path.join(process.env.MILLRACE_KAFKA_CACHE ?? path.join(repoRoot, 'bench', '.cache', 'kafka'), 'libs');
      return `${classes}${path.delimiter}${path.join(kafkaLibs, '*')}`;
    })();
    const classpath = await this.classpath;
    if (this.child !== null) return this.child;
    this.nonce = randomBytes(12).toString('hex');
    this.received = '';
    this.scanned = 0;
    this.runnerStderr = '';
    // a larger heap than one tool's (the last -Xmx counts): a tool's whole output is held until it ends
    const child = spawn('java', [...TOOL_JVM_FLAGS, '-Xmx512m', '-cp', classpath, 'KafkaToolRunner', this.nonce], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => this.onData(child, chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.runnerStderr = (this.runnerStderr + chunk).slice(-STDERR_KEEP);
    });
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      this.runnerStderr += `${e.message}\n`;
    });
    child.on('close', (code, signal) => this.onClose(child, code, signal));
    return child;
  }

  private onData(child: ChildProcessWithoutNullStreams, chunk: string): void {
    if (child !== this.child) return;
    this.received += chunk;
    const start = `${MARK} ${this.nonce} `;
    for (;;) {
      const at = this.received.indexOf(start);
      if (at < 0) {
        // nothing but stray output so far: keep only what could be the start of a mark
        if (this.received.length > start.length) this.received = this.received.slice(-start.length);
        this.scanned = 0;
        return;
      }
      if (at > 0) {
        this.received = this.received.slice(at);
        this.scanned = 0;
      }
      // an answer can be megabytes long: look for its end only in what came since the last look
      const end = this.received.indexOf('\n', Math.max(this.scanned, start.length));
      if (end < 0) {
        this.scanned = this.received.length;
        return;
      }
      const [id, code, out, err] = this.received.slice(start.length, end).split(' ');
      this.received = this.received.slice(end + 1);
      this.scanned = 0;
      if (this.running !== null && String(this.running.id) === id) {
        this.finish({ code: Number(code), signal: null, stdout: decode(out!), stderr: decode(err!) });
      }
    }
  }

  private onClose(child: ChildProcessWithoutNullStreams, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = null;
    if (this.running !== null) {
      this.finish({ code, signal, stdout: '', stderr: `the Kafka tool runner died (${signal ?? `exit ${code}`}) running this tool:\n${this.runnerStderr}` });
    }
  }

  /** Past its time limit a tool's runner is killed, as runRaw kills its process. */
  private timedOut(): void {
    this.timer = null;
    const child = this.child;
    this.child = null;
    child?.kill('SIGKILL');
    this.finish({ code: null, signal: 'SIGKILL', stdout: '', stderr: '' });
  }

  private finish(result: RunResult): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const done = this.running;
    this.running = null;
    if (this.queueHead === this.queue.length && this.child !== null) this.ref(this.child, false);
    done?.resolve(result);
    void this.startNext();
  }

  /** An idle runner must not keep the test process alive: its pipes are unreferenced. */
  private ref(child: ChildProcessWithoutNullStreams, on: boolean): void {
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[]) {
      if (on) s.ref();
      else s.unref();
    }
    if (on) child.ref();
    else child.unref();
  }
}

let runner: ToolRunner | null = null;

/**
 * Runs Kafka's tool `mainClass` with `args` in the test process's warm tool JVM, with runRaw's
 * result: exit code and everything it printed. Never throws for a non-zero exit.
 */
export function runKafkaTool(mainClass: string, args: readonly string[], options: KafkaToolOptions = {}): Promise<RunResult> {
  if (runner === null) {
    runner = new ToolRunner();
    const r = runner;
    process.once('exit', () => r.kill());
  }
  return runner.run(mainClass, args, options);
}

/** The process id of this process's tool runner, while one runs (for tests of the runner). */
export function kafkaToolRunnerPid(): number | undefined {
  return runner?.pid();
}
