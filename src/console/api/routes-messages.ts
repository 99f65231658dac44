/** /api/v1/topics/{topic}/messages: browse, search by key, produce one. */
import type { FastifyInstance } from 'fastify';
import { browse, MAX_LIMIT, MAX_SCAN, produceOne, searchByKey } from './message-ops.js';
import { decodeBytes, ENCODING, TOPIC_PARAMS } from './schemas.js';
import type { SessionPool } from './session.js';

const HEADER = {
  type: 'object', additionalProperties: false, required: ['key'],
  properties: { key: { type: 'string' }, value: { type: ['string', 'null'] } },
} as const;

interface ProduceBody {
  partition?: number;
  key?: string | null;
  value: string | null;
  encoding: 'utf8' | 'base64';
  headers?: { key: string; value?: string | null }[];
  timestamp?: number;
}

export function messageRoutes(app: FastifyInstance, pool: SessionPool): void {
  app.get<{ Params: { topic: string }; Querystring: { partition: number; offset?: number; timestamp?: number; limit: number } }>('/topics/:topic/messages', {
    schema: {
      tags: ['messages'], summary: 'Records of a partition from an offset or a time (default: the last `limit`)', params: TOPIC_PARAMS,
      querystring: {
        type: 'object',
        properties: {
          partition: { type: 'integer', minimum: 0, default: 0 },
          offset: { type: 'integer', minimum: 0 },
          timestamp: { type: 'integer', minimum: 0, description: 'ms since the epoch: start at the first record at or after it' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 50 },
        },
      },
    },
  }, (req) => pool.run(req, (s) => browse(s, {
    topic: req.params.topic, partition: req.query.partition, limit: req.query.limit,
    ...(req.query.offset === undefined ? {} : { offset: req.query.offset }),
    ...(req.query.timestamp === undefined ? {} : { timestamp: req.query.timestamp }),
  })));

  app.get<{ Params: { topic: string }; Querystring: { key: string; key_encoding: 'utf8' | 'base64'; partition?: number; max_scan: number; limit: number } }>('/topics/:topic/messages/search', {
    schema: {
      tags: ['messages'], summary: 'Records whose key equals `key`, among the last `max_scan` of each partition', params: TOPIC_PARAMS,
      querystring: {
        type: 'object', required: ['key'],
        properties: {
          key: { type: 'string' },
          key_encoding: ENCODING,
          partition: { type: 'integer', minimum: 0 },
          max_scan: { type: 'integer', minimum: 1, maximum: MAX_SCAN, default: 10_000 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 50 },
        },
      },
    },
  }, (req) => pool.run(req, (s) => searchByKey(s, {
    topic: req.params.topic, key: decodeBytes(req.query.key, req.query.key_encoding)!, maxScan: req.query.max_scan, limit: req.query.limit,
    ...(req.query.partition === undefined ? {} : { partition: req.query.partition }),
  })));

  app.post<{ Params: { topic: string }; Body: ProduceBody }>('/topics/:topic/messages', {
    schema: {
      tags: ['messages'], summary: 'Produce one record (acks=all)', params: TOPIC_PARAMS,
      body: {
        type: 'object', additionalProperties: false, required: ['value'],
        properties: {
          partition: { type: 'integer', minimum: 0, description: 'default: by key (murmur2), else sticky' },
          key: { type: ['string', 'null'] },
          value: { type: ['string', 'null'] },
          encoding: { ...ENCODING, description: 'how key, value and header values are written' },
          headers: { type: 'array', items: HEADER, maxItems: 1000 },
          timestamp: { type: 'integer', minimum: 0 },
        },
      },
    },
  }, (req, reply) => pool.run(req, async (s) => {
    const b = req.body;
    const md = await produceOne(s, {
      topic: req.params.topic, key: decodeBytes(b.key, b.encoding), value: decodeBytes(b.value, b.encoding),
      headers: (b.headers ?? []).map((h) => ({ key: h.key, value: decodeBytes(h.value, b.encoding) })),
      ...(b.partition === undefined ? {} : { partition: b.partition }),
      ...(b.timestamp === undefined ? {} : { timestamp: b.timestamp }),
    });
    void reply.code(201);
    return { topic: md.topic, partition: md.partition, offset: Number(md.offset) };
  }));
}
