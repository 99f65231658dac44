/**
 * `console.listeners`: where the HTTP console listens, as `http://host:port` entries separated
 * by commas (an IPv6 host in brackets). Parsed here, beside the other settings, so that a bad
 * value is refused when the configuration is read, before anything starts.
 */

export interface ConsoleListener {
  /** The address to bind, without brackets. */
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
}

export function parseConsoleListeners(value: string): ConsoleListener[] {
  const out: ConsoleListener[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = /^http:\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]\s]+):(\d{1,5})\/?$/.exec(entry);
    if (m === null) throw new Error(`${entry} is not http://host:port`);
    const port = Number(m[2]);
    if (port > 65535) throw new Error(`${entry}: port ${port} is out of range`);
    const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
    if (out.some((l) => l.host === host && l.port === port && port !== 0)) throw new Error(`${entry} is given twice`);
    out.push({ host, port });
  }
  return out;
}

/** True for an address that only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
