/**
 * The OpenAPI 3 document of the console's HTTP API, built from the JSON Schemas its routes
 * validate with (collected by an onRoute hook), so the document and the validation cannot
 * drift apart. Served at /api/openapi.json.
 */
import type { FastifySchema, RouteOptions } from 'fastify';
import { ERROR_BODY } from './schemas.js';

interface SchemaObject {
  type?: string;
  properties?: Record<string, SchemaObject & { description?: string }>;
  required?: readonly string[];
  description?: string;
}

type Operation = Record<string, unknown>;

export class OpenApiCollector {
  private readonly paths = new Map<string, Map<string, Operation>>();

  /** Records one route (an onRoute hook). */
  add(route: RouteOptions): void {
    const schema: FastifySchema = route.schema ?? {};
    if (schema.hide === true) return;
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toLowerCase()).filter((m) => m !== 'head');
    const parameters = [
      ...this.parameters(schema.params as SchemaObject | undefined, 'path'),
      ...this.parameters(schema.querystring as SchemaObject | undefined, 'query'),
    ];
    const op: Operation = {
      ...(schema.tags === undefined ? {} : { tags: schema.tags }),
      ...(schema.summary === undefined ? {} : { summary: schema.summary }),
      ...(schema.description === undefined ? {} : { description: schema.description }),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(schema.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } }),
      responses: {
        '2XX': { description: 'success' },
        '4XX': { description: 'bad request, not found, conflict or too large', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '5XX': { description: 'the broker could not answer', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    let byMethod = this.paths.get(path);
    if (byMethod === undefined) this.paths.set(path, byMethod = new Map());
    for (const m of methods) byMethod.set(m, op);
  }

  document(version: string): unknown {
    const paths: Record<string, Record<string, Operation>> = {};
    for (const p of [...this.paths.keys()].sort()) paths[p] = Object.fromEntries(this.paths.get(p)!);
    return {
      openapi: '3.0.3',
      info: {
        title: 'Millrace console API', version,
        description: 'Operate a Millrace cluster over HTTP: /api/v1 is the console\'s own API; /v3 follows Confluent REST Proxy v3.',
      },
      paths,
      components: {
        schemas: { Error: ERROR_BODY },
        securitySchemes: { basic: { type: 'http', scheme: 'basic', description: 'a Kafka user, when the broker listener uses SASL' } },
      },
    };
  }

  private parameters(s: SchemaObject | undefined, where: 'path' | 'query'): unknown[] {
    if (s?.properties === undefined) return [];
    return Object.entries(s.properties).map(([name, p]) => ({
      name, in: where, required: where === 'path' || (s.required?.includes(name) ?? false),
      ...(p.description === undefined ? {} : { description: p.description }),
      schema: p,
    }));
  }
}

declare module 'fastify/types/schema.js' {
  // What @fastify/swagger reads too: the operation's place and words in the document.
  interface FastifySchema {
    tags?: readonly string[];
    summary?: string;
    description?: string;
    /** Left out of the document. */
    hide?: boolean;
  }
}
