/**
 * Small conversions between the wire requests and the coordinator's version-independent
 * inputs, shared by the group handlers.
 */
import type { GroupProtocol } from './classic/classic-member.js';

/** Kafka prints a member's host as Java's InetAddress does: `/127.0.0.1`. */
export function clientHostOf(clientAddress: string): string {
  const i = clientAddress.lastIndexOf(':');
  const host = i < 0 ? clientAddress : clientAddress.slice(0, i);
  return `/${host.startsWith('::ffff:') ? host.slice(7) : host}`;
}

/** The request's protocols, each name once (the first occurrence wins). */
export function distinctProtocols(protocols: ReadonlyArray<{ name: string; metadata: Buffer }>): GroupProtocol[] {
  const out: GroupProtocol[] = [];
  const seen = new Set<string>();
  for (const p of protocols) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push({ name: p.name, metadata: p.metadata });
  }
  return out;
}
