/**
 * `console.listeners`: where the HTTP console listens, as `http://host:port` or
 * `https://host:port` entries separated by commas (an IPv6 host in brackets); an https one
 * serves TLS with the broker's `ssl.keystore.*` key and certificate. Parsed here, beside the other settings, so that a bad
 * value is refused when the configuration is read, before anything starts.
 */

export interface ConsoleListener {
  /** The address to bind, without brackets. */
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** https: TLS with the broker's ssl.* key store. */
  readonly tls: boolean;
}

export function parseConsoleListeners(value: string): ConsoleListener[] {
  const out: ConsoleListener[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]\s]+):(\d{1,5})\/?$/.exec(entry);
    if (m === null) throw new Error(`${entry} is not http://host:port or https://host:port`);
    const port = Number(m[3]);
    if (port > 65535) throw new Error(`${entry}: port ${port} is out of range`);
    const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
    if (out.some((l) => l.host === host && l.port === port && port !== 0)) throw new Error(`${entry} is given twice`);
    out.push({ host, port, tls: m[1] === 'https' });
  }
  return out;
}

/** True for an address that only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
