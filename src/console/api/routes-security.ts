/** /api/v1/acls and /api/v1/users: ACL bindings and SCRAM credentials, with Kafka's enum names. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AclBinding, AclBindingFilter } from '../../common/acl-binding.js';
import { saltedPassword, SCRAM_MECHANISMS, scramMechanism } from '../../common/scram.js';
import { codeOf, operationName, patternTypeName, permissionName, resourceTypeName } from '../../cluster/acls.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { throwIfError } from '../../client/errors.js';
import { badRequest } from './errors.js';
import type { SessionPool } from './session.js';

export const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
export const OPERATIONS = ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS'];

/** An ACL binding with Kafka's enum names, as the console's JSON and REST Proxy v3 spell it. */
export interface NamedAcl {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

const ACL_BODY = {
  type: 'object', additionalProperties: false, required: ['resource_type', 'resource_name', 'principal', 'operation', 'permission'],
  properties: {
    resource_type: { type: 'string', enum: RESOURCE_TYPES },
    resource_name: { type: 'string', minLength: 1 },
    pattern_type: { type: 'string', enum: ['LITERAL', 'PREFIXED'], default: 'LITERAL' },
    principal: { type: 'string', pattern: '^[^:]+:.+$' },
    host: { type: 'string', default: '*' },
    operation: { type: 'string', enum: OPERATIONS },
    permission: { type: 'string', enum: ['ALLOW', 'DENY'] },
  },
} as const;

const ACL_FILTER = {
  type: 'object', additionalProperties: false,
  properties: {
    resource_type: { type: 'string', enum: ['ANY', ...RESOURCE_TYPES], default: 'ANY' },
    resource_name: { type: 'string' },
    pattern_type: { type: 'string', enum: ['ANY', 'MATCH', 'LITERAL', 'PREFIXED'], default: 'ANY' },
    principal: { type: 'string' },
    host: { type: 'string' },
    operation: { type: 'string', enum: ['ANY', ...OPERATIONS], default: 'ANY' },
    permission: { type: 'string', enum: ['ANY', 'ALLOW', 'DENY'], default: 'ANY' },
  },
} as const;

export function named(b: AclBinding): NamedAcl {
  return {
    resource_type: resourceTypeName(b.resourceType), resource_name: b.resourceName, pattern_type: patternTypeName(b.patternType),
    principal: b.principal, host: b.host, operation: operationName(b.operation), permission: permissionName(b.permission),
  };
}

export function code(kind: 'resourceType' | 'patternType' | 'operation' | 'permission', name: string): number {
  const c = codeOf(kind, name);
  if (c === undefined) throw badRequest(`unknown ${kind} ${name}`);
  return c;
}

export function filterOf(q: Partial<NamedAcl>): AclBindingFilter {
  return {
    resourceType: code('resourceType', q.resource_type ?? 'ANY'), resourceName: q.resource_name ?? null,
    patternType: code('patternType', q.pattern_type ?? 'ANY'), principal: q.principal ?? null, host: q.host ?? null,
    operation: code('operation', q.operation ?? 'ANY'), permission: code('permission', q.permission ?? 'ANY'),
  };
}

const USER_PARAMS = { type: 'object', properties: { user: { type: 'string', minLength: 1 } }, required: ['user'] } as const;
const MECHANISM = { type: 'string', enum: SCRAM_MECHANISMS.map((m) => m.name) } as const;

export function securityRoutes(app: FastifyInstance, pool: SessionPool): void {
  app.get<{ Querystring: Partial<NamedAcl> }>('/acls', { schema: { tags: ['security'], summary: 'ACL bindings matching a filter', querystring: ACL_FILTER } },
    (req) => pool.run(req, async (s) => ({ acls: (await s.acls.describe(filterOf(req.query))).map(named) })));

  app.post<{ Body: NamedAcl }>('/acls', { schema: { tags: ['security'], summary: 'Create an ACL binding', body: ACL_BODY } },
    (req, reply) => pool.run(req, async (s) => {
      const b = req.body;
      await s.acls.create([{
        resourceType: code('resourceType', b.resource_type), resourceName: b.resource_name, patternType: code('patternType', b.pattern_type),
        principal: b.principal, host: b.host, operation: code('operation', b.operation), permission: code('permission', b.permission),
      }]);
      void reply.code(201);
      return b;
    }));

  app.delete<{ Querystring: Partial<NamedAcl> }>('/acls', { schema: { tags: ['security'], summary: 'Delete the ACL bindings a filter matches', querystring: ACL_FILTER } },
    (req) => pool.run(req, async (s) => ({ deleted: (await s.acls.delete([filterOf(req.query)])).map(named) })));

  app.get('/users', { schema: { tags: ['security'], summary: 'SCRAM users and their mechanisms' } }, (req) => pool.run(req, async (s) => {
    const r = await s.client.request(ApiKey.DescribeUserScramCredentials, { users: null });
    throwIfError(r.errorCode, 'describing SCRAM users', r.errorMessage);
    return {
      users: r.results.filter((u) => u.errorCode === 0).map((u) => ({
        name: u.user,
        credentials: u.credentialInfos.map((c) => ({ mechanism: SCRAM_MECHANISMS.find((m) => m.type === c.mechanism)?.name ?? String(c.mechanism), iterations: c.iterations })),
      })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    };
  }));

  app.put<{ Params: { user: string }; Body: { mechanism: string; password: string; iterations?: number } }>('/users/:user', {
    schema: {
      tags: ['security'], summary: "Set a user's SCRAM password for a mechanism", params: USER_PARAMS,
      body: {
        type: 'object', additionalProperties: false, required: ['mechanism', 'password'],
        properties: { mechanism: MECHANISM, password: { type: 'string', minLength: 1 }, iterations: { type: 'integer', minimum: 4096, maximum: 16384 } },
      },
    },
  }, (req, reply) => pool.run(req, async (s) => {
    const m = scramMechanism(req.body.mechanism)!;
    const iterations = req.body.iterations ?? 4096;
    const salt = randomBytes(32);
    // The password never leaves the console: only the salted form goes to the broker, as Kafka's admin client sends it.
    const r = await s.client.request(ApiKey.AlterUserScramCredentials, {
      deletions: [], upsertions: [{ name: req.params.user, mechanism: m.type, iterations, salt, saltedPassword: saltedPassword(m, req.body.password, salt, iterations) }],
    });
    for (const u of r.results) throwIfError(u.errorCode, `setting the SCRAM credential of ${u.user}`, u.errorMessage);
    return reply.code(204).send();
  }));

  app.delete<{ Params: { user: string }; Querystring: { mechanism: string } }>('/users/:user', {
    schema: {
      tags: ['security'], summary: "Remove a user's SCRAM credential for a mechanism", params: USER_PARAMS,
      querystring: { type: 'object', required: ['mechanism'], properties: { mechanism: MECHANISM } },
    },
  }, (req, reply) => pool.run(req, async (s) => {
    const m = scramMechanism(req.query.mechanism)!;
    const r = await s.client.request(ApiKey.AlterUserScramCredentials, { deletions: [{ name: req.params.user, mechanism: m.type }], upsertions: [] });
    for (const u of r.results) throwIfError(u.errorCode, `removing the SCRAM credential of ${u.user}`, u.errorMessage);
    return reply.code(204).send();
  }));
}
