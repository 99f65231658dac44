/**
 * Runs the real `millrace` bin (bin/millrace.js over the dist/ build) as a child process, as
 * people run it, and collects its output and exit code.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/cli/cli-harness.js → repository root
export const root = join(fileURLToPath(import.meta.url), '../../../..');
export const bin = join(root, 'bin/millrace.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `millrace ...args` to its end, with `input` on stdin. */
export async function cli(args: readonly string[], input = ''): Promise<CliResult> {
  const child = spawnCli(args);
  child.stdin.end(input);
  return finished(child);
}

/** Runs a command that must succeed, and returns its stdout. */
export async function ok(args: readonly string[], input = ''): Promise<string> {
  const r = await cli(args, input);
  if (r.code !== 0) throw new Error(`millrace ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Starts a long-running command (consume); read its output with `output()`. */
export function spawnCli(args: readonly string[]): ChildProcessWithoutNullStreams & { output(): CliResult } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return Object.assign(child, { output: () => ({ code: child.exitCode, stdout, stderr }) });
}

/** Waits for a child's exit and returns what it printed. */
export async function finished(child: ReturnType<typeof spawnCli>): Promise<CliResult> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'close');
  return { ...child.output(), code: child.exitCode };
}

/**
 * `eventually()` options for checks that run the bin: each check is a process, so poll every
 * 200 ms; a command may fail while the state settles (a group not yet known), so an error
 * means "not yet".
 */
export const CLI_POLL = { intervalMs: 200, retryErrors: true } as const;
