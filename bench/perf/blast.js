// The raw-socket produce load that produce-blast.js and validation-cost.js share: one
// pre-encoded Produce v9 request (one batch per partition) resent over one connection with
// `inflight` requests pipelined, every response decoded and its partition error codes counted.
// The codecs come from a compiled Millrace tree (`dist`); the wire bytes do not depend on it.
import net from 'node:net';
import path from 'node:path';
import { jsonRecord } from '../vs-kafka/payload.js';

export const CODECS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const PRODUCE = 0;
const PRODUCE_VERSION = 9;

/** encodeRequestFrame, encodeBatch and decodeResponseFrame of a compiled Millrace tree. */
export async function loadCodecs(dist) {
  const { encodeRequestFrame, decodeResponseFrame } = await import(path.resolve(dist, 'src/protocol/header.js'));
  const { encodeBatch } = await import(path.resolve(dist, 'src/protocol/records/encode.js'));
  return { encodeRequestFrame, decodeResponseFrame, encodeBatch };
}

/**
 * A Produce request frame for `topic`: the same batch of 1 KiB records in each of `partitions`
 * partitions, as many records as fit in about `batchBytes` uncompressed. `value`: 'json'
 * (payload.js, compresses like event payloads) or 'x' (1 KiB of 'x').
 * @returns {Promise<{frame: Buffer, records: number, recordBytes: number, batchWireBytes: number}>}
 */
export async function produceRequest(codecs, { topic, partitions, batchBytes, compression = 'none', acks = 1, value = 'json' }) {
  const codec = CODECS[compression];
  if (codec === undefined) throw new Error(`compression: one of ${Object.keys(CODECS).join(', ')}`);
  const perBatch = Math.max(1, Math.floor(batchBytes / 1100));
  const x = Buffer.alloc(1024, 'x');
  const batch = await codecs.encodeBatch(Array.from({ length: perBatch }, (_, i) => ({ value: value === 'x' ? x : jsonRecord(i) })), { compression: codec });
  const body = {
    transactionalId: null, acks, timeoutMs: 30000,
    topicData: [{ name: topic, partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: batch })) }],
  };
  const frame = codecs.encodeRequestFrame(PRODUCE, PRODUCE_VERSION, { correlationId: 0, clientId: 'blast' }, body);
  return { frame, records: perBatch * partitions, recordBytes: perBatch * partitions * 1024, batchWireBytes: batch.length };
}

/** Connects to 127.0.0.1:port with Nagle off. */
export async function connect(port, host = '127.0.0.1') {
  const socket = net.connect(port, host);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  return socket;
}

/**
 * Sends `n` copies of `frame` over `socket`, `inflight` outstanding; resolves when all are
 * answered with { errors: {code: partitions} } (code 0 excluded).
 * @returns {Promise<{errors: Record<string, number>}>}
 */
export function blast(codecs, socket, frame, n, inflight) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = 0;
    let pending = Buffer.alloc(0);
    /** @type {Record<string, number>} */
    const errors = {};
    const sendOne = () => {
      const f = Buffer.from(frame);
      f.writeInt32BE(sent + 1, 8); // correlation id
      socket.write(f);
      sent++;
    };
    const onData = (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      while (pending.length - at >= 4) {
        const size = pending.readInt32BE(at);
        if (pending.length - at < 4 + size) break;
        const res = codecs.decodeResponseFrame(pending.subarray(at + 4, at + 4 + size), PRODUCE, PRODUCE_VERSION);
        for (const t of res.body.responses) for (const p of t.partitionResponses) if (p.errorCode !== 0) errors[p.errorCode] = (errors[p.errorCode] ?? 0) + 1;
        at += 4 + size;
        answered++;
        if (sent < n) sendOne();
      }
      pending = pending.subarray(at);
      if (answered === n) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve({ errors });
      }
    };
    if (n <= 0) {
      resolve({ errors });
      return;
    }
    socket.on('data', onData);
    socket.on('error', reject);
    while (sent < Math.min(inflight, n)) sendOne();
  });
}
