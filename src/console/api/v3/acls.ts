/**
 * REST Proxy v3 ACLs: GET (search), POST (create one) and DELETE (by filter) on
 * /v3/clusters/{id}/acls, in Confluent's shapes: a `KafkaAcl` per binding whose `metadata.self`
 * is the search that finds exactly it, sorted by its fields; create answers 201 with that URL
 * as Location and no body; delete answers `{data: [...]}` with the bindings it removed. The
 * broker decides who may: DescribeAcls, CreateAcls and DeleteAcls go out as the session's
 * principal, so a user without ALTER or DESCRIBE on the cluster gets 403.
 */
import type { FastifyInstance } from 'fastify';
import type { AclBinding } from '../../../common/acl-binding.js';
import { badRequest } from '../errors.js';
import { code, filterOf, named, OPERATIONS, RESOURCE_TYPES, type NamedAcl } from '../routes-security.js';
import type { SessionPool } from '../session.js';
import { cluster, list, type ClusterRef } from './resources.js';

const FIELDS = ['resource_type', 'resource_name', 'pattern_type', 'principal', 'host', 'operation', 'permission'] as const;

// Confluent reads the enums in any case (`any`, `TOPIC`); unset or "" means any. Checked by queryFilter.
const QUERY = {
  type: 'object', additionalProperties: false,
  properties: {
    resource_type: { type: 'string' }, resource_name: { type: 'string' }, pattern_type: { type: 'string' },
    principal: { type: 'string' }, host: { type: 'string' }, operation: { type: 'string' }, permission: { type: 'string' },
  },
} as const;

const CREATE_BODY = {
  type: 'object', required: ['resource_type', 'resource_name', 'pattern_type', 'principal', 'host', 'operation', 'permission'],
  properties: {
    resource_type: { type: 'string', enum: RESOURCE_TYPES }, resource_name: { type: 'string', minLength: 1 },
    pattern_type: { type: 'string', enum: ['LITERAL', 'PREFIXED'] }, principal: { type: 'string', pattern: '^[^:]+:.+$' },
    host: { type: 'string', minLength: 1 }, operation: { type: 'string', enum: OPERATIONS }, permission: { type: 'string', enum: ['ALLOW', 'DENY'] },
  },
} as const;

type AclQuery = Partial<Record<(typeof FIELDS)[number], string>>;

// The enum fields and the name tables that check them.
const ENUMS = [['resource_type', 'resourceType'], ['pattern_type', 'patternType'], ['operation', 'operation'], ['permission', 'permission']] as const;
const ENUM_FIELDS: ReadonlySet<string> = new Set(ENUMS.map(([field]) => field));

/** The filter of a search or delete: enums upper-cased, unset or "" meaning any (as Confluent reads them). */
function queryFilter(q: AclQuery): Partial<NamedAcl> {
  const f: Partial<NamedAcl> = {};
  for (const field of FIELDS) {
    const v = q[field];
    if (v !== undefined && v !== '') f[field] = ENUM_FIELDS.has(field) ? v.toUpperCase() : v;
  }
  for (const [field, kind] of ENUMS) {
    const v = f[field];
    if (v === 'UNKNOWN') throw badRequest(`${field} cannot be UNKNOWN`);
    if (v !== undefined) code(kind, v); // 400 for a name Kafka does not have
  }
  return f;
}

/** `.../acls?resource_type=...&...`: the URL that names one binding, or a search. */
function aclsUrl(c: ClusterRef, acl: Partial<NamedAcl>): string {
  const query = new URLSearchParams();
  for (const field of FIELDS) query.set(field, acl[field] ?? '');
  return `${c.url}/acls?${query.toString()}`;
}

function aclData(c: ClusterRef, acl: NamedAcl) {
  return { kind: 'KafkaAcl', metadata: { self: aclsUrl(c, acl) }, cluster_id: c.clusterId, ...acl };
}

function sorted(bindings: readonly AclBinding[]): NamedAcl[] {
  const key = (a: NamedAcl) => FIELDS.map((f) => a[f]);
  return bindings.map(named).sort((x, y) => {
    const kx = key(x);
    const ky = key(y);
    for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i]) return kx[i]! < ky[i]! ? -1 : 1;
    return 0;
  });
}

export function v3AclRoutes(app: FastifyInstance, pool: SessionPool): void {
  const tags = ['rest-proxy-v3'];
  const params = { type: 'object', properties: { cluster_id: { type: 'string' } }, required: ['cluster_id'] } as const;

  app.get<{ Params: { cluster_id: string }; Querystring: AclQuery }>('/clusters/:cluster_id/acls', {
    schema: { tags, summary: 'ACL bindings matching a filter (KafkaAclList)', params, querystring: QUERY },
  }, (req) => pool.run(req, async (s) => {
    const c = await cluster(req, s, req.params.cluster_id);
    const filter = queryFilter(req.query);
    const found = await s.acls.describe(filterOf(filter));
    return list('KafkaAclList', aclsUrl(c, { resource_type: 'ANY', pattern_type: 'ANY', operation: 'ANY', permission: 'ANY', ...filter }), sorted(found).map((a) => aclData(c, a)));
  }));

  app.post<{ Params: { cluster_id: string }; Body: NamedAcl }>('/clusters/:cluster_id/acls', {
    schema: { tags, summary: 'Create an ACL binding', params, body: CREATE_BODY },
  }, (req, reply) => pool.run(req, async (s) => {
    const c = await cluster(req, s, req.params.cluster_id);
    const b = req.body;
    const acl: NamedAcl = { resource_type: b.resource_type, resource_name: b.resource_name, pattern_type: b.pattern_type, principal: b.principal, host: b.host, operation: b.operation, permission: b.permission };
    await s.acls.create([{
      resourceType: code('resourceType', acl.resource_type), resourceName: acl.resource_name, patternType: code('patternType', acl.pattern_type),
      principal: acl.principal, host: acl.host, operation: code('operation', acl.operation), permission: code('permission', acl.permission),
    }]);
    return reply.code(201).header('location', aclsUrl(c, acl)).send();
  }));

  app.delete<{ Params: { cluster_id: string }; Querystring: AclQuery }>('/clusters/:cluster_id/acls', {
    schema: { tags, summary: 'Delete the ACL bindings a filter matches', params, querystring: QUERY },
  }, (req) => pool.run(req, async (s) => {
    const c = await cluster(req, s, req.params.cluster_id);
    const deleted = await s.acls.delete([filterOf(queryFilter(req.query))]);
    return { data: sorted(deleted).map((a) => aclData(c, a)) };
  }));
}
