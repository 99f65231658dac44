// Process helpers for the vs-kafka rig: spawning tools with a deadline, and reading a broker
// process's memory and CPU from /proc (Linux).

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** Clock ticks per second for /proc/<pid>/stat utime and stime (USER_HZ). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** utime + stime of a process in seconds, or null when it is gone. */
export function cpuSeconds(pid) {
  let stat;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces and parentheses): state is field 3,
  // utime field 14, stime field 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

/** VmHWM (peak resident set) and VmRSS of a process in MiB, or nulls when it is gone. */
export function memory(pid) {
  let status;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { hwmMb: null, rssMb: null };
  }
  const kb = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) / 1024 : null;
  };
  return { hwmMb: kb('VmHWM'), rssMb: kb('VmRSS') };
}

/**
 * Resets the peak RSS (VmHWM) of a process to its current RSS (`echo 5 > /proc/<pid>/clear_refs`,
 * Linux >= 4.0, needs permission). Returns false when that is not possible, in which case VmHWM
 * stays the peak since the process started.
 */
export function resetPeakRss(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A reading to take before a workload; `since(before)` gives peak RSS and CPU used since. */
export function resourceMark(pid) {
  const peakReset = resetPeakRss(pid);
  return { pid, cpu: cpuSeconds(pid), peakReset };
}

export function resourcesSince(mark) {
  const cpu = cpuSeconds(mark.pid);
  const mem = memory(mark.pid);
  return {
    rss_mb: mem.hwmMb === null ? null : round(mem.hwmMb, 1),
    rss_end_mb: mem.rssMb === null ? null : round(mem.rssMb, 1),
    cpu_s: cpu === null || mark.cpu === null ? null : round(cpu - mark.cpu, 2),
    rss_peak_scope: mark.peakReset ? 'workload' : 'process lifetime',
  };
}

export function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Runs a command to completion with stdout and stderr captured (and appended to `logFile` when
 * given). Resolves { code, signal, stdout, stderr, ms, timedOut }; never rejects on a non-zero
 * exit. `input` (string or Buffer) is written to stdin.
 */
/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{timeoutMs?: number, logFile?: string, input?: string|Buffer, cwd?: string, env?: NodeJS.ProcessEnv, stdoutLimit?: number}} [options]
 * @returns {Promise<{code: number|null, signal: NodeJS.Signals|null, stdout: string, stderr: string, stdoutBytes: number, ms: number, timedOut: boolean}>}
 */
export function run(cmd, args, { timeoutMs = 600000, logFile, input, cwd, env, stdoutLimit = 8 << 20 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let outLen = 0;
    let timedOut = false;
    child.stdout.on('data', (c) => {
      if (outLen < stdoutLimit) out.push(c);
      outLen += c.length;
    });
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (logFile) {
        fs.appendFileSync(
          logFile,
          `$ ${cmd} ${args.join(' ')}\n# exit ${code}${signal ? ` (${signal})` : ''} after ${Math.round(ms)} ms${timedOut ? ', TIMED OUT' : ''}\n` +
            `# stdout:\n${stdout.slice(0, 20000)}\n# stderr:\n${stderr.slice(0, 20000)}\n\n`,
        );
      }
      resolve({ code, signal, stdout, stderr, stdoutBytes: outLen, ms, timedOut });
    });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Resolves true once host:port accepts a TCP connection. */
export function tcpOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('connect', () => done(true));
    sock.on('error', () => done(false));
  });
}

/** Resolves true when nothing listens on host:port (so a broker may bind it). */
export function portFree(host, port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * Compiles one Java driver of a bench (`src`, against the Kafka jars of `libsDir`) into
 * `classesDir`, again only when the source changed since (a stamp of its mtime). Returns
 * `classesDir`.
 */
export function compileJavaDriver(src, classesDir, libsDir) {
  const stamp = `${classesDir}/.stamp`;
  const mtime = String(fs.statSync(src).mtimeMs);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === mtime) return classesDir;
  fs.rmSync(classesDir, { recursive: true, force: true });
  fs.mkdirSync(classesDir, { recursive: true });
  execFileSync('javac', ['-cp', `${libsDir}/*`, '-d', classesDir, src]);
  fs.writeFileSync(stamp, mtime);
  return classesDir;
}
