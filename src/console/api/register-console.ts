/**
 * The console's routes on the broker's console listener (src/console/server.ts owns the
 * fastify instance): the JSON API under /api/v1 with its OpenAPI document at
 * /api/openapi.json, Confluent REST Proxy v3 under /v3, and the web UI at /.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { packageJsonPath } from '../ui/package-root.js';
import { uiRoutes } from '../ui/ui-routes.js';
import { errorHandler } from './errors.js';
import { OpenApiCollector } from './openapi.js';
import { groupRoutes } from './routes-groups.js';
import { messageRoutes } from './routes-messages.js';
import { securityRoutes } from './routes-security.js';
import { topicRoutes } from './routes-topics.js';
import { SessionPool, type ConsoleOptions } from './session.js';
import { v3Routes } from './v3/routes.js';

export type { ConsoleOptions } from './session.js';

const DEFAULT_BODY_LIMIT = 1_048_576;

/** Registers the console on `app`; its sessions close with the app. */
export function registerConsole(app: FastifyInstance, options: ConsoleOptions): void {
  const pool = new SessionPool(options);
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const openapi = new OpenApiCollector();
  app.addHook('onClose', async () => pool.close());

  const api = (prefix: string, routes: (scope: FastifyInstance, pool: SessionPool, bodyLimit: number) => void) =>
    app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.bodyLimit ??= bodyLimit;
        openapi.add(route);
      });
      scope.setErrorHandler(errorHandler(pool.challenge));
      scope.setNotFoundHandler((req, reply) => {
        void reply.code(404).send({ error_code: 404, message: `no such resource: ${req.method} ${req.url}` });
      });
      routes(scope, pool, bodyLimit);
    }, { prefix });

  void api('/api/v1', (scope) => {
    topicRoutes(scope, pool);
    messageRoutes(scope, pool);
    groupRoutes(scope, pool);
    securityRoutes(scope, pool);
  });
  void api('/v3', v3Routes);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => openapi.document(packageVersion()));
  void app.register(async (scope) => uiRoutes(scope));
}

let version: string | undefined;

/** The package's version from its package.json (three folders up from dist/src/console/api or src/console/api). */
function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(packageJsonPath(), 'utf8')) as { version?: string }).version ?? '0.0.0';
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
