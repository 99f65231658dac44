import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from './server.js';

/**
 * GET /health: the process is up and serving HTTP. GET /ready: 200 once the broker has loaded
 * its logs and, in a cluster, is registered and not fenced; 503 with the reason before (for
 * load balancers and Kubernetes readiness probes).
 */
export function healthRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const broker = context.broker;
  app.get('/health', async () => ({ status: 'up' }));
  app.get('/ready', async (_request, reply) => {
    const reason = broker.notReadyReason();
    if (reason === null) return { status: 'ready', nodeId: broker.nodeId };
    return reply.code(503).send({ status: 'not ready', nodeId: broker.nodeId, reason });
  });
}
