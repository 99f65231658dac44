/**
 * The web console at /: one HTML page whose script and stylesheet were bundled at build time
 * (`npm run build`: tools/bundle-cli.ts runs esbuild over src/console/ui/web/ into
 * dist/bundle/console/). Nothing is loaded from elsewhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from './package-root.js';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Millrace console</title>
<link rel="stylesheet" href="/ui/app.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header>
<span class="brand">Millrace console</span>
<nav aria-label="Main">
<ul>
<li><a href="#/">Overview</a></li>
<li><a href="#/produce">Produce</a></li>
<li><a href="#/groups">Consumer groups</a></li>
<li><a href="#/security">Security</a></li>
</ul>
</nav>
</header>
<main id="content" tabindex="-1">
<noscript><p>The console needs JavaScript (its own, served from here). The JSON API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p></noscript>
</main>
</body>
</html>
`;

const ASSETS: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

/** The bundled files, read once; a missing bundle is named in the answer (run `npm run build`). */
const cache = new Map<string, Buffer>();

function asset(name: string): Buffer | undefined {
  let b = cache.get(name);
  if (b === undefined) {
    try {
      b = readFileSync(join(packageRoot(), 'dist', 'bundle', 'console', name));
    } catch {
      return undefined;
    }
    cache.set(name, b);
  }
  return b;
}

export function uiRoutes(app: FastifyInstance): void {
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(PAGE));
  app.get<{ Params: { file: string } }>('/ui/:file', { schema: { hide: true } }, async (req, reply) => {
    const type = ASSETS[req.params.file];
    const body = type === undefined ? undefined : asset(req.params.file);
    if (type === undefined) return reply.code(404).send({ error_code: 404, message: `no such file: ${req.params.file}` });
    if (body === undefined) return reply.code(503).send({ error_code: 503, message: 'the console UI is not built: run `npm run build`' });
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });
}
