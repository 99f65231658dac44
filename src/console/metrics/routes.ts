import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../server.js';

/** GET /metrics: the Prometheus text format, computed from the broker's counters now. */
export function metricsRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app.get('/metrics', async (_request, reply) => {
    const body = await context.metrics.scrape();
    return reply.type(context.metrics.contentType).send(body);
  });
}
