// Turns one client's raw capture (every exchange the proxy saw) into the committed golden
// fixtures: test/fixtures/golden/<client>/NNN-<Api>-v<V>-{request,response}.bin + index.json.
//
// Selection: one exchange per distinct (apiKey, apiVersion), except
//   - Produce: one per (version, compression codec, transactional or not);
//   - Fetch: per version, the exchange with the largest response (so it carries records),
//     up to 1 MiB;
//   - otherwise the last exchange that got a response (earlier ones are often errors that the
//     client retried).
//
//   node tools/capture/select.js [client ...]     # re-select from test/.cache/capture/raw/

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  apiName,
  decompress,
  parseBatches,
  parseProduceRequest,
  parseRecords,
  requestHeaderVersion,
  responseHeaderVersion,
} from './kafka-wire.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const RAW_DIR = path.join(repoRoot, 'test', '.cache', 'capture', 'raw');
export const FIXTURE_DIR = path.join(repoRoot, 'test', 'fixtures', 'golden');
const MAX_FETCH_RESPONSE = 1024 * 1024;

/** Writes a raw capture: exchanges.json (metadata) + NNNN-req.bin / NNNN-resp.bin. */
export function saveRaw(client, exchanges, meta) {
  const dir = path.join(RAW_DIR, client);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const list = exchanges.map((x, i) => {
    const n = String(i + 1).padStart(4, '0');
    fs.writeFileSync(path.join(dir, `${n}-req.bin`), x.request);
    if (x.response) fs.writeFileSync(path.join(dir, `${n}-resp.bin`), x.response);
    const { request, response, ...rest } = x;
    return { ...rest, requestFile: `${n}-req.bin`, responseFile: x.response ? `${n}-resp.bin` : null };
  });
  fs.writeFileSync(path.join(dir, 'exchanges.json'), JSON.stringify({ meta, exchanges: list }, null, 1));
}

export function loadRaw(client) {
  const dir = path.join(RAW_DIR, client);
  const { meta, exchanges } = JSON.parse(fs.readFileSync(path.join(dir, 'exchanges.json'), 'utf8'));
  return {
    meta,
    exchanges: exchanges.map((x) => ({
      ...x,
      request: fs.readFileSync(path.join(dir, x.requestFile)),
      response: x.responseFile ? fs.readFileSync(path.join(dir, x.responseFile)) : null,
    })),
  };
}

let crc32c = null;
async function crc32cOf(buf) {
  if (!crc32c) crc32c = (await import('@node-rs/crc32')).crc32c;
  return crc32c(buf) >>> 0;
}

/** Describes the record batches of a Produce request, decompressed and decoded. */
async function describeProduce(request) {
  const p = parseProduceRequest(request);
  const batches = [];
  for (const part of p.partitions) {
    for (const b of parseBatches(part.records)) {
      // CRC32C covers attributes .. end of batch
      const crcValid = (await crc32cOf(b.crcCovered)) === b.crc;
      const { data, framing } = await decompress(b.codec, b.payload);
      batches.push({
        topic: part.topic,
        partition: part.partition,
        codec: b.codec,
        framing,
        attributes: b.attributes,
        isTransactional: b.isTransactional,
        producerId: b.producerId.toString(),
        producerEpoch: b.producerEpoch,
        baseSequence: b.baseSequence,
        lastOffsetDelta: b.lastOffsetDelta,
        recordCount: b.recordCount,
        crc: b.crc,
        crcValid,
        compressedBytes: b.payload.length,
        uncompressedBytes: data.length,
        records: parseRecords(data, b.recordCount).map((r) => ({
          offsetDelta: r.offsetDelta,
          key: r.key,
          value: r.value,
          headers: r.headers,
        })),
      });
    }
  }
  const codecs = [...new Set(batches.map((b) => b.codec))];
  return {
    transactionalId: p.transactionalId,
    acks: p.acks,
    timeoutMs: p.timeoutMs,
    codec: codecs.length === 1 ? codecs[0] : codecs.join('+'),
    transactional: batches.some((b) => b.isTransactional),
    batches,
  };
}

async function selectExchanges(exchanges) {
  const chosen = new Map(); // key -> exchange
  for (const x of [...exchanges].sort((a, b) => a.seq - b.seq)) {
    let key = `${x.apiKey}:${x.apiVersion}`;
    if (x.apiKey === 0) {
      const produce = await describeProduce(x.request);
      if (produce.batches.length === 0) continue;
      x.produce = produce;
      key += `:${produce.codec}:${produce.transactional ? 'txn' : 'plain'}`;
    }
    const prev = chosen.get(key);
    if (!prev) {
      chosen.set(key, x);
    } else if (x.apiKey === 1) {
      const size = x.response?.length ?? 0;
      if (size > (prev.response?.length ?? 0) && size <= MAX_FETCH_RESPONSE) chosen.set(key, x);
    } else if (x.apiKey !== 0 && (x.response || !prev.response)) {
      // the last answered one: earlier ones are often retried errors (COORDINATOR_LOAD_IN_PROGRESS,
      // MEMBER_ID_REQUIRED, ...) and later Metadata responses list the topics
      chosen.set(key, x);
    }
  }
  return [...chosen.values()].sort((a, b) => a.seq - b.seq);
}

function fileEntry(file, buf, x, direction) {
  return {
    file,
    direction,
    apiKey: x.apiKey,
    apiName: apiName(x.apiKey),
    apiVersion: x.apiVersion,
    correlationId: x.correlationId,
    clientId: x.clientId,
    headerVersion:
      direction === 'request' ? requestHeaderVersion(x.apiKey, x.apiVersion) : responseHeaderVersion(x.apiKey, x.apiVersion),
    bytes: buf.length,
    sha256: crypto.createHash('sha256').update(buf).digest('hex'),
  };
}

/** Selects and writes the fixtures of one client; returns its index. */
export async function writeFixtures(client, exchanges, meta) {
  const dir = path.join(FIXTURE_DIR, client);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const selected = await selectExchanges(exchanges);
  const files = [];
  selected.forEach((x, i) => {
    const n = String(i + 1).padStart(3, '0');
    const stem = `${n}-${apiName(x.apiKey)}-v${x.apiVersion}`;
    const req = `${stem}-request.bin`;
    fs.writeFileSync(path.join(dir, req), x.request);
    const entry = { exchange: n, ...fileEntry(req, x.request, x, 'request') };
    if (x.produce) entry.produce = x.produce;
    files.push(entry);
    if (x.response) {
      const resp = `${stem}-response.bin`;
      fs.writeFileSync(path.join(dir, resp), x.response);
      files.push({ exchange: n, ...fileEntry(resp, x.response, x, 'response') });
    }
  });
  const seen = new Map();
  for (const x of exchanges) {
    const k = `${x.apiKey}:${x.apiVersion}`;
    const s = seen.get(k) ?? { apiKey: x.apiKey, apiName: apiName(x.apiKey), apiVersion: x.apiVersion, count: 0 };
    s.count++;
    seen.set(k, s);
  }
  const index = {
    client,
    ...meta,
    format:
      'Each .bin is one Kafka frame body without its 4-byte size prefix: a request starts with its request header ' +
      '(api key, api version, correlation id, client id, tagged fields in header v2); a response with its response header ' +
      '(correlation id, tagged fields in header v1). headerVersion is the header version that frame uses. ' +
      'Files with the same "exchange" are one request and its response (a Produce with acks=0 has none). ' +
      'Produce requests carry "produce": their record batches decompressed and decoded by the capture tool ' +
      '(tools/capture/kafka-wire.js), with byte strings as {"utf8": ...} or {"base64": ...}.',
    selection:
      'one exchange per (apiKey, apiVersion), the last one answered; Produce: the first per (version, codec, ' +
      'transactional); Fetch: the largest response per version (<= 1 MiB). Every exchange seen is counted in "seen".',
    seen: [...seen.values()].sort((a, b) => a.apiKey - b.apiKey || a.apiVersion - b.apiVersion),
    files,
  };
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index, null, 2) + '\n');
  return index;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const clients = process.argv.slice(2);
  for (const client of clients.length ? clients : fs.readdirSync(RAW_DIR)) {
    const { meta, exchanges } = loadRaw(client);
    const index = await writeFixtures(client, exchanges, meta);
    console.log(`${client}: ${index.files.length} files from ${exchanges.length} exchanges`);
  }
}
