/**
 * `metadata.store`: where the cluster metadata lives. Unset (or `local`), a single node keeps
 * it in its log directory; `etcd://h1:2379,h2:2379` puts it in etcd, optionally under a key
 * prefix of its own (`etcd://h1:2379/prod-a`, default `/millrace/`).
 */
import { DEFAULT_ROOT } from './cluster-keys.js';

export type MetadataStoreLocation = { kind: 'local' } | { kind: 'etcd'; hosts: string[]; root: string };

/** Parses the setting; throws an Error saying what is wrong. */
export function parseMetadataStore(value: string | null): MetadataStoreLocation {
  const v = (value ?? '').trim();
  if (v === '' || v === 'local') return { kind: 'local' };
  const m = /^etcd:\/\/([^/]+)(\/.*)?$/.exec(v);
  if (m === null) throw new Error(`expected etcd://host:port[,host:port...][/prefix] or local, got ${JSON.stringify(v)}`);
  const hosts = m[1]!.split(',').map((h) => h.trim());
  for (const h of hosts) {
    const hp = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(h);
    if (hp === null || Number(hp[2]) < 1 || Number(hp[2]) > 65535) throw new Error(`${JSON.stringify(h)} is not host:port`);
  }
  const path = m[2] === undefined || m[2] === '/' ? DEFAULT_ROOT : m[2].endsWith('/') ? m[2] : `${m[2]}/`;
  return { kind: 'etcd', hosts, root: path };
}
