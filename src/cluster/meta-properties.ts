/** Kafka's meta.properties in a broker's log directory: the cluster id and the directory id it keeps. */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export function readMetaProperties(dir: string): { clusterId: string | null; dirId: string | null } {
  const file = join(dir, 'meta.properties');
  if (!existsSync(file)) return { clusterId: null, dirId: null };
  const text = readFileSync(file, 'utf8');
  return {
    clusterId: /^cluster\.id=(.*)$/m.exec(text)?.[1]?.trim() ?? null,
    dirId: /^directory\.id=(.*)$/m.exec(text)?.[1]?.trim() ?? null,
  };
}

/** Kafka's meta.properties (version 1, with the directory id KRaft brokers keep). */
export function writeMetaProperties(dir: string, clusterId: string, nodeId: number, dirId: string): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'meta.properties');
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `#\n#${new Date().toString()}\nnode.id=${nodeId}\nversion=1\ncluster.id=${clusterId}\ndirectory.id=${dirId}\n`);
  renameSync(tmp, file);
}
