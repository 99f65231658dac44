/** Confluent REST Proxy v3 under /v3: what exists there, in its shapes, so its clients work unchanged. */
import type { FastifyInstance } from 'fastify';
import type { SessionPool } from '../session.js';
import { v3AclRoutes } from './acls.js';
import { v3ConfigRoutes } from './configs.js';
import { v3GroupRoutes } from './groups.js';
import { v3ReassignmentRoutes } from './reassignments.js';
import { v3RecordRoutes } from './records.js';
import { v3TopicRoutes } from './topics.js';

export function v3Routes(scope: FastifyInstance, pool: SessionPool, bodyLimit: number): void {
  v3TopicRoutes(scope, pool);
  v3GroupRoutes(scope, pool);
  v3AclRoutes(scope, pool);
  v3ConfigRoutes(scope, pool);
  v3ReassignmentRoutes(scope, pool);
  // Its own scope: it reads request bodies itself.
  void scope.register(async (records) => v3RecordRoutes(records, pool, bodyLimit));
}
