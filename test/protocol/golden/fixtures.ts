import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Loading the golden captures in test/fixtures/golden/<client>/ (see its README): frames
 * captured between real clients and Apache Kafka 4.0.2, with an index.json per client.
 */

export interface GoldenFileEntry {
  exchange: string;
  file: string;
  direction: 'request' | 'response';
  apiKey: number;
  apiName: string;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  headerVersion: number;
  bytes: number;
  sha256: string;
}

export interface GoldenIndex {
  client: string;
  clientVersion: string;
  driverCompleted: boolean;
  files: GoldenFileEntry[];
}

export interface GoldenClient {
  /** Folder name, also the `<client>` of the driver's topic `golden-<client>`. */
  name: string;
  dir: string;
  index: GoldenIndex;
}

/** test/fixtures/golden, found from this file upwards so it works from src and dist alike. */
export function goldenRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'test', 'fixtures', 'golden');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('test/fixtures/golden not found');
    dir = parent;
  }
}

/** Every client folder holding an index.json, sorted by name. */
export function goldenClients(): GoldenClient[] {
  const root = goldenRoot();
  const clients: GoldenClient[] = [];
  for (const name of readdirSync(root).sort()) {
    const indexPath = join(root, name, 'index.json');
    if (!existsSync(indexPath)) continue;
    clients.push({ name, dir: join(root, name), index: JSON.parse(readFileSync(indexPath, 'utf8')) as GoldenIndex });
  }
  return clients;
}

export function readFixture(client: GoldenClient, entry: GoldenFileEntry): Buffer {
  return readFileSync(join(client.dir, entry.file));
}

/** The request/response pairs of a client, by exchange number. */
export function exchanges(client: GoldenClient): Map<string, { request?: GoldenFileEntry; response?: GoldenFileEntry }> {
  const byExchange = new Map<string, { request?: GoldenFileEntry; response?: GoldenFileEntry }>();
  for (const entry of client.index.files) {
    let pair = byExchange.get(entry.exchange);
    if (pair === undefined) byExchange.set(entry.exchange, (pair = {}));
    pair[entry.direction] = entry;
  }
  return byExchange;
}
