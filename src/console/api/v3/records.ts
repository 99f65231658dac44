/**
 * REST Proxy v3 produce: POST /v3/clusters/{cluster_id}/topics/{topic_name}/records. One JSON
 * record per request answers with its delivery report and an HTTP status for its outcome; a
 * chunked request is the streaming mode, concatenated JSON records answered by one report each,
 * in order, on a 200 response (each report's error_code says how its record fared). Data types
 * BINARY (base64), JSON and STRING; schema-registry types are refused.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { errorBody, HttpError } from '../errors.js';
import { checkPartition, produceOne } from '../message-ops.js';
import { TOPIC_NAME } from '../schemas.js';
import type { ConsoleSession, SessionPool } from '../session.js';
import { cluster, type ClusterRef } from './resources.js';
import { JsonObjectSplitter } from './json-stream.js';

// Reports waiting for their record's acknowledgement before the stream stops reading more.
const MAX_PENDING = 1000;

interface Encoded {
  bytes: Buffer | null;
  type: string;
}

interface ParsedRecord {
  partition?: number;
  key: Encoded | null;
  value: Encoded | null;
  headers: { key: string; value: Buffer | null }[];
  timestamp: number;
}

function encodeData(field: 'key' | 'value', d: unknown): Encoded | null {
  if (d === undefined || d === null) return null;
  if (typeof d !== 'object' || Array.isArray(d)) throw new HttpError(400, 400, `"${field}" must be an object with "type" and "data"`);
  const o = d as { type?: unknown; data?: unknown; schema?: unknown; schema_id?: unknown; subject?: unknown };
  if (o.schema !== undefined || o.schema_id !== undefined || o.subject !== undefined) {
    throw new HttpError(400, 400, `"${field}": schemas are not supported (no schema registry); use BINARY, JSON or STRING`);
  }
  const type = o.type === undefined ? 'JSON' : String(o.type).toUpperCase();
  if (type !== 'JSON' && type !== 'STRING' && type !== 'BINARY') {
    throw new HttpError(400, 400, `"${field}.type" ${type} is not supported: BINARY, JSON or STRING`);
  }
  if (type === 'JSON') return { type, bytes: o.data === undefined ? null : Buffer.from(JSON.stringify(o.data), 'utf8') };
  if (o.data === undefined || o.data === null) return { type, bytes: null };
  if (typeof o.data !== 'string') throw new HttpError(400, 400, `"${field}.data" must be a string for ${type}`);
  if (type === 'STRING') return { type, bytes: Buffer.from(o.data, 'utf8') };
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(o.data) || o.data.length % 4 !== 0) throw new HttpError(400, 400, `"${field}.data" is not base64`);
  return { type, bytes: Buffer.from(o.data, 'base64') };
}

/** A record of the request body, checked as Confluent's proxy checks it. */
export function parseRecord(text: string): ParsedRecord {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 400, `Unexpected token in the request body: ${(err as Error).message}`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new HttpError(400, 400, 'a record must be a JSON object');
  const r = o as { partition_id?: unknown; key?: unknown; value?: unknown; headers?: unknown; timestamp?: unknown };
  if (r.partition_id !== undefined && r.partition_id !== null && (!Number.isInteger(r.partition_id) || (r.partition_id as number) < 0)) {
    throw new HttpError(400, 400, '"partition_id" must be a non-negative integer');
  }
  let timestamp = Date.now();
  if (r.timestamp !== undefined && r.timestamp !== null) {
    timestamp = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : NaN;
    if (Number.isNaN(timestamp)) throw new HttpError(400, 400, '"timestamp" must be an ISO 8601 date-time');
  }
  const headers: ParsedRecord['headers'] = [];
  if (r.headers !== undefined && r.headers !== null) {
    if (!Array.isArray(r.headers)) throw new HttpError(400, 400, '"headers" must be an array');
    for (const h of r.headers as unknown[]) {
      const hh = h as { name?: unknown; value?: unknown };
      if (typeof hh?.name !== 'string' || (hh.value !== undefined && hh.value !== null && typeof hh.value !== 'string')) {
        throw new HttpError(400, 400, 'a header is {"name": string, "value": base64 string or null}');
      }
      headers.push({ key: hh.name, value: typeof hh.value === 'string' ? Buffer.from(hh.value, 'base64') : null });
    }
  }
  return {
    ...(typeof r.partition_id === 'number' ? { partition: r.partition_id } : {}),
    key: encodeData('key', r.key), value: encodeData('value', r.value), headers, timestamp,
  };
}

/** Produces one record and returns its delivery report (never throws: errors are reports). */
async function deliver(session: ConsoleSession, c: ClusterRef, topic: string, partitions: number, text: string): Promise<{ status: number; report: object }> {
  try {
    const r = parseRecord(text);
    if (r.partition !== undefined && r.partition >= partitions) throw new HttpError(404, 40402, 'This server does not host this topic-partition.');
    const md = await produceOne(session, {
      topic, key: r.key?.bytes ?? null, value: r.value?.bytes ?? null, headers: r.headers, timestamp: r.timestamp,
      ...(r.partition === undefined ? {} : { partition: r.partition }),
    }, true);
    const size = (e: Encoded | null) => (e === null ? null : { type: e.type, size: e.bytes?.length ?? 0 });
    return {
      status: 200,
      report: {
        error_code: 200, cluster_id: c.clusterId, topic_name: topic, partition_id: md.partition, offset: Number(md.offset),
        timestamp: new Date(r.timestamp).toISOString(), key: size(r.key), value: size(r.value),
      },
    };
  } catch (err) {
    const { status, body } = errorBody(err);
    return { status, report: body };
  }
}

async function readAll(input: Readable, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of input) {
    n += (chunk as Buffer).length;
    if (n > limit) throw new HttpError(413, 413, `Request body is larger than ${limit} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

async function streamRecords(input: Readable, out: PassThrough, limit: number, produce: (text: string) => Promise<{ report: object }>): Promise<void> {
  const splitter = new JsonObjectSplitter(limit);
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  const submit = (report: Promise<{ report: object }>) => {
    pending++;
    chain = chain.then(async () => {
      const r = await report;
      pending--;
      out.write(`${JSON.stringify(r.report)}\n`);
    });
  };
  const take = (results: ReturnType<JsonObjectSplitter['push']>) => {
    for (const piece of results) {
      submit(piece.kind === 'object' ? produce(piece.text) : Promise.resolve({ report: { error_code: piece.status, message: piece.message } }));
    }
  };
  // After a framing error the rest is read and dropped: closing the request early would cut the answer.
  for await (const chunk of input) {
    take(splitter.push(chunk as Buffer));
    if (pending > MAX_PENDING) await chain;
  }
  take(splitter.end());
  await chain;
  out.end();
}

export function v3RecordRoutes(app: FastifyInstance, pool: SessionPool, bodyLimit: number): void {
  // The body is read here, not by fastify: the streaming mode answers records while more arrive.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  app.post<{ Params: { cluster_id: string; topic_name: string } }>('/clusters/:cluster_id/topics/:topic_name/records', {
    schema: {
      tags: ['rest-proxy-v3'], summary: 'Produce records (a chunked request streams concatenated JSON records, one report each)',
      description: 'Body: {"partition_id"?, "headers"?: [{"name", "value": base64}], "key"?: {"type": "BINARY"|"JSON"|"STRING", "data"}, "value"?: {...}, "timestamp"?: ISO 8601}',
      params: { type: 'object', properties: { cluster_id: { type: 'string' }, topic_name: TOPIC_NAME }, required: ['cluster_id', 'topic_name'] },
    },
  }, (req, reply) => pool.run(req, async (s) => {
    const c = await cluster(req, s, req.params.cluster_id);
    const topic = req.params.topic_name;
    const partitions = await checkPartition(s, topic, undefined);
    const input = req.body as Readable;
    const chunked = req.headers['content-length'] === undefined && /chunked/i.test(req.headers['transfer-encoding'] ?? '');
    if (!chunked) {
      const { status, report } = await deliver(s, c, topic, partitions, await readAll(input, bodyLimit));
      return reply.code(status).type('application/json').send(report);
    }
    const out = new PassThrough();
    streamRecords(input, out, bodyLimit, (text) => deliver(s, c, topic, partitions, text)).catch((err: Error) => out.destroy(err));
    return reply.code(200).type('application/json').send(out);
  }));
}
