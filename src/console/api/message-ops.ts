/**
 * Reading and writing records for the console: browse a partition from an offset or a time,
 * search keys over a bounded window at the end of each partition, produce one record. Reads
 * go through the client's Fetcher (read_uncommitted, as a console consumer), writes through
 * the session's producer (acks=all). Every read is bounded by a record count and a byte cap
 * per fetch, never by what the log holds.
 */
import { TextDecoder } from 'node:util';
import { Fetcher, type FetchedRecord } from '../../client/fetcher.js';
import { listOffsetsDetailed } from '../../client/offsets.js';
import type { RecordMetadata } from '../../client/producer-types.js';
import { HttpError } from './errors.js';
import type { ConsoleSession } from './session.js';
import { offsetRange } from './topic-ops.js';

/** Bytes as JSON: their UTF-8 text when they are valid UTF-8, and always base64. */
export interface EncodedBytes {
  size: number;
  text: string | null;
  base64: string;
}

export interface MessageView {
  partition: number;
  offset: number;
  timestamp: number;
  key: EncodedBytes | null;
  value: EncodedBytes | null;
  headers: { key: string; value: EncodedBytes | null }[];
}

export const MAX_LIMIT = 500;
export const MAX_SCAN = 100_000;
// A fetch answer per partition stays below this, so a browse holds a few MiB at most.
const FETCH_PARTITION_BYTES = 1_048_576;
const MAX_POLLS = 200;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeBytes(b: Buffer | null): EncodedBytes | null {
  if (b === null) return null;
  let text: string | null;
  try {
    text = utf8.decode(b);
  } catch {
    text = null;
  }
  return { size: b.length, text, base64: b.toString('base64') };
}

function view(r: FetchedRecord): MessageView {
  return {
    partition: r.partition, offset: Number(r.offset), timestamp: Number(r.timestamp),
    key: encodeBytes(r.key), value: encodeBytes(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: encodeBytes(h.value) })),
  };
}

/** The partition count of a topic; 404 when the topic or the partition does not exist. */
export async function checkPartition(session: ConsoleSession, topic: string, partition: number | undefined): Promise<number> {
  const [d] = await session.admin.describeTopics([topic]);
  const count = d?.partitions.length ?? 0;
  if (partition !== undefined && (partition < 0 || partition >= count)) {
    throw new HttpError(404, 40402, `Partition ${partition} of topic ${topic} does not exist.`);
  }
  return count;
}

export interface BrowseRequest {
  topic: string;
  partition: number;
  /** First offset; absent (and no timestamp): the last `limit` records. */
  offset?: number;
  /** Start at the first record at or after this time (ms). */
  timestamp?: number;
  limit: number;
}

export interface BrowseResult {
  start_offset: number;
  end_offset: number;
  next_offset: number;
  messages: MessageView[];
}

export async function browse(session: ConsoleSession, req: BrowseRequest): Promise<BrowseResult> {
  await checkPartition(session, req.topic, req.partition);
  const range = await offsetRange(session.client, req.topic);
  const start = range.start.get(req.partition) ?? 0n;
  const end = range.end.get(req.partition) ?? 0n;
  const limit = Math.max(1, Math.min(req.limit, MAX_LIMIT));
  let from: bigint;
  if (req.timestamp !== undefined) {
    const found = (await listOffsetsDetailed(session.client, req.topic, [req.partition], BigInt(req.timestamp))).get(req.partition);
    from = found === undefined || found.offset < 0n ? end : found.offset;
  } else if (req.offset !== undefined) {
    from = BigInt(req.offset);
  } else {
    from = end - BigInt(limit);
  }
  if (from < start) from = start;
  if (from > end) from = end;
  const messages: MessageView[] = [];
  const next = await read(session, [{ partition: req.partition, from, end }], req.topic, (r) => {
    messages.push(view(r));
    return messages.length < limit;
  });
  return { start_offset: Number(start), end_offset: Number(end), next_offset: Number(next.get(req.partition) ?? from), messages };
}

export interface SearchRequest {
  topic: string;
  /** The key's UTF-8 text (or, with keyBase64, its bytes). */
  key: Buffer;
  partition?: number;
  /** Records looked at per partition, counted back from its end. */
  maxScan: number;
  limit: number;
}

/** Records whose key equals `key` among the last `maxScan` of each partition, oldest first per partition. */
export async function searchByKey(session: ConsoleSession, req: SearchRequest): Promise<{ scanned: number; messages: MessageView[] }> {
  const count = await checkPartition(session, req.topic, req.partition);
  const range = await offsetRange(session.client, req.topic);
  const scan = BigInt(Math.max(1, Math.min(req.maxScan, MAX_SCAN)));
  const limit = Math.max(1, Math.min(req.limit, MAX_LIMIT));
  const parts: { partition: number; from: bigint; end: bigint }[] = [];
  for (let p = 0; p < count; p++) {
    if (req.partition !== undefined && p !== req.partition) continue;
    const start = range.start.get(p) ?? 0n;
    const end = range.end.get(p) ?? 0n;
    parts.push({ partition: p, from: end - scan > start ? end - scan : start, end });
  }
  const messages: MessageView[] = [];
  let scanned = 0;
  await read(session, parts, req.topic, (r) => {
    scanned++;
    if (r.key !== null && r.key.equals(req.key)) messages.push(view(r));
    return messages.length < limit;
  });
  messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return { scanned, messages };
}

/**
 * Fetches each partition from `from` to `end` (exclusive), giving every record to `take`
 * until it returns false; resolves with the next offset of each partition.
 */
async function read(session: ConsoleSession, parts: { partition: number; from: bigint; end: bigint }[], topic: string,
  take: (r: FetchedRecord) => boolean): Promise<Map<number, bigint>> {
  const next = new Map<number, bigint>();
  const pending = parts.filter((p) => p.from < p.end);
  for (const p of parts) next.set(p.partition, p.from);
  if (pending.length === 0) return next;
  const ends = new Map(pending.map((p) => [p.partition, p.end]));
  const fetcher = new Fetcher(session.client, { maxWaitMs: 100, autoOffsetReset: 'earliest', maxPartitionBytes: FETCH_PARTITION_BYTES, maxBytes: 8 * FETCH_PARTITION_BYTES });
  fetcher.assign(pending.map((p) => ({ topic, partition: p.partition, offset: p.from })));
  try {
    for (let polls = 0; polls < MAX_POLLS && ends.size > 0; polls++) {
      for (const r of await fetcher.poll()) {
        const end = ends.get(r.partition);
        if (end === undefined || r.offset >= end) continue;
        next.set(r.partition, r.offset + 1n);
        if (!take(r)) return next;
      }
      for (const [p, end] of ends) {
        const position = fetcher.position(topic, p);
        if (position !== undefined && position >= end) {
          ends.delete(p);
          next.set(p, end);
        }
      }
    }
  } finally {
    fetcher.close();
  }
  return next;
}

export interface ProduceOne {
  topic: string;
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
  timestamp?: number;
}

/** Produces one record (the topic must exist: the console never auto-creates one). */
export async function produceOne(session: ConsoleSession, record: ProduceOne, checked = false): Promise<RecordMetadata> {
  if (!checked) await checkPartition(session, record.topic, record.partition);
  return session.producer.send({
    topic: record.topic, value: record.value, key: record.key, headers: record.headers,
    ...(record.partition === undefined ? {} : { partition: record.partition }),
    ...(record.timestamp === undefined ? {} : { timestamp: BigInt(record.timestamp) }),
  });
}
