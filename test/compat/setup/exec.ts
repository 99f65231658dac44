/** Running set-up commands, with failures that say what was being installed and why it broke. */
import { spawn } from 'node:child_process';

/** A compat prerequisite could not be installed or found: the test that needs it fails with this. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default 10 minutes. */
  timeoutMs?: number;
  /** Text fed to stdin. */
  input?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws for a non-zero exit (see `run`). */
export function runRaw(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: 127, signal: null, stdout: '', stderr: (e as Error).message });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', (e) => err.push(Buffer.from(`${e.message}\n`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? 127 : null), signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

function tail(text: string, lines = 25): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** Runs a command and throws SetupError (with the end of its output) unless it exits 0. */
export async function run(what: string, command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const r = await runRaw(command, args, options);
  if (r.code !== 0) {
    const output = tail(`${r.stdout}\n${r.stderr}`);
    throw new SetupError(`${what}: \`${command} ${args.join(' ')}\` failed (${r.signal ?? `exit ${r.code}`})\n${output}`);
  }
  return r;
}

/** True when the command runs and exits 0. */
export async function works(command: string, args: readonly string[], options: RunOptions = {}): Promise<boolean> {
  return (await runRaw(command, args, { timeoutMs: 60_000, ...options })).code === 0;
}
