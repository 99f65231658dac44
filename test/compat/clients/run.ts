/**
 * Runs a client driver with a time limit and parses what it prints: a first line
 * `{"client": "<name and version>"}`, then one line per record:
 *
 *   {"partition": 0, "offset": 0, "key_b64": "..." | null, "value_b64": "..." | null,
 *    "headers": [["key", "<value base64>" | null], ...], "timestamp": 1700000000000}
 *
 * Every driver process is started in its own process group and remembered until it exits,
 * so `killDrivers()` (in an `after()` hook) leaves nothing running, even after a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { DriverCommand } from './index.js';

export interface DriverRecord {
  partition: number;
  offset: number;
  key_b64: string | null;
  value_b64: string | null;
  headers: [string, string | null][];
  timestamp: number;
}

export interface DriverResult {
  /** The client's own name and version, as the driver reported it. */
  client: string;
  records: DriverRecord[];
  stderr: string;
  elapsedMs: number;
}

export interface DriverRun {
  bootstrap: string;
  topic: string;
  count: number;
  /** The driver's own deadline; the process is killed 15 s after it. */
  timeoutMs: number;
}

export class DriverError extends Error {
  override readonly name = 'DriverError';
  /** Everything the driver wrote to stderr. */
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.stderr = stderr;
  }
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Kills every driver still running (and its children). */
export function killDrivers(): void {
  for (const child of running) killGroup(child);
  running.clear();
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function runDriver(cmd: DriverCommand, r: DriverRun): Promise<DriverResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const args = [...cmd.args, r.bootstrap, r.topic, String(r.count), String(r.timeoutMs)];
    const child = spawn(cmd.command, args, {
      env: { ...process.env, ...cmd.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      killGroup(child);
    }, r.timeoutMs + 15_000);
    child.on('error', (e) => err.push(Buffer.from(`spawn ${cmd.command}: ${e.message}\n`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const what = `${[cmd.command, ...args].join(' ')}`;
      if (code !== 0) {
        const why = killed ? `killed after ${r.timeoutMs + 15_000} ms` : signal ?? `exit ${code}`;
        reject(new DriverError(`driver failed (${why}): ${what}\n${tail(stderr)}`, stderr));
        return;
      }
      let client = '';
      const records: DriverRecord[] = [];
      for (const line of stdout.split('\n')) {
        if (line.trim() === '') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          reject(new DriverError(`driver printed a line that is not JSON: ${line.slice(0, 200)}\n(${what})`, stderr));
          return;
        }
        if (typeof parsed === 'object' && parsed !== null && 'client' in parsed) client = String(parsed.client);
        else records.push(parsed as DriverRecord);
      }
      resolve({ client, records, stderr, elapsedMs: Date.now() - started });
    });
  });
}
