/**
 * Confluent REST Proxy v3 resources: every answer is a `kind` with `metadata.self` (its own URL)
 * and `resource_name` (a CRN), and links to related collections as `{related: url}`, so a
 * v3 client can walk the API from /v3/clusters as it does against Confluent's proxy.
 */
import type { FastifyRequest } from 'fastify';
import { notFound } from '../errors.js';
import type { ConsoleSession } from '../session.js';

export interface ClusterRef {
  clusterId: string;
  /** `http://host:port/v3/clusters/<id>` */
  url: string;
  crn: string;
}

export function v3Base(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}/v3`;
}

/** The session's cluster, 404 unless `clusterId` is its id (Confluent's proxy serves one cluster too). */
export async function cluster(req: FastifyRequest, session: ConsoleSession, clusterId: string | undefined): Promise<ClusterRef> {
  // A cluster's id never changes: asked once per session, not once per produce request.
  const id = session.clusterId ??= (await session.admin.describeCluster()).clusterId ?? '';
  if (clusterId !== undefined && clusterId !== id) throw notFound(`Cluster ${clusterId} cannot be found.`);
  return { clusterId: id, url: `${v3Base(req)}/clusters/${encodeURIComponent(id)}`, crn: `crn:///kafka=${id}` };
}

export function related(url: string): { related: string } {
  return { related: url };
}

export function resource(self: string, crn: string | null): { self: string; resource_name: string | null } {
  return { self, resource_name: crn };
}

/** A v3 list: `{kind, metadata: {self, next: null}, data}` (everything fits one page). */
export function list<T>(kind: string, self: string, data: T[]): { kind: string; metadata: { self: string; next: null }; data: T[] } {
  return { kind, metadata: { self, next: null }, data };
}

export function seg(s: string | number): string {
  return encodeURIComponent(String(s));
}
