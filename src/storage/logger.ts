/**
 * The storage layer's logger: a narrow interface so the broker can plug in its own, and tests
 * can capture messages (recovery must log a clear error, never crash).
 */
export interface StorageLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, off: 100 } as const;
type Level = keyof typeof LEVELS;

/** Writes `level message` lines to stderr at or above `MILLRACE_LOG_LEVEL` (default warn). */
export function consoleLogger(level: Level = (process.env['MILLRACE_LOG_LEVEL'] as Level | undefined) ?? 'warn'): StorageLogger {
  const min = LEVELS[level] ?? LEVELS.warn;
  const write = (l: Level, msg: string) => {
    if (LEVELS[l] >= min) process.stderr.write(`[${new Date().toISOString()}] ${l.toUpperCase()} storage: ${msg}\n`);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

/** Keeps every message; for tests. */
export class MemoryLogger implements StorageLogger {
  readonly lines: { level: string; msg: string }[] = [];
  debug(msg: string): void {
    this.lines.push({ level: 'debug', msg });
  }
  info(msg: string): void {
    this.lines.push({ level: 'info', msg });
  }
  warn(msg: string): void {
    this.lines.push({ level: 'warn', msg });
  }
  error(msg: string): void {
    this.lines.push({ level: 'error', msg });
  }
  matching(level: string, re: RegExp): string[] {
    return this.lines.filter((l) => l.level === level && re.test(l.msg)).map((l) => l.msg);
  }
}

export const silentLogger: StorageLogger = { debug() {}, info() {}, warn() {}, error() {} };
