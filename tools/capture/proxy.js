// A recording TCP proxy for the Kafka protocol: accepts client connections, opens one upstream
// connection to Kafka per client connection, forwards bytes unchanged in both directions, and
// reports every request frame with its response frame (matched by correlation id).
//
//   import { startProxy } from './proxy.js';
//   const proxy = await startProxy({ port: 29092, upstream: { host: '127.0.0.1', port: 19092 },
//     onExchange: (x) => ... });
//   proxy.label = 'kcat';     // label stamped on connections accepted from now on
//   await proxy.close();
//
// An exchange: { label, connId, seq, apiKey, apiVersion, correlationId, clientId,
//   request: Buffer, response: Buffer|null, requestAt, responseAt } where request/response are
// frame bodies without the 4-byte size prefix. Requests that get no response (Produce with
// acks=0) are reported with response null when their connection closes.

import net from 'node:net';
import { parseRequestHeader } from './kafka-wire.js';

const MAX_FRAME = 200 * 1024 * 1024;

/** Splits a byte stream into frames (int32 size + body); calls onFrame(body) for each. */
class FrameSplitter {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.chunks = [];
    this.length = 0;
  }
  push(chunk) {
    this.chunks.push(chunk);
    this.length += chunk.length;
    for (;;) {
      if (this.length < 4) return;
      let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
      this.chunks = [buf];
      const size = buf.readInt32BE(0);
      if (size < 0 || size > MAX_FRAME) throw new Error(`bad frame size ${size}`);
      if (this.length < 4 + size) return;
      this.onFrame(Buffer.from(buf.subarray(4, 4 + size)));
      buf = buf.subarray(4 + size);
      this.chunks = buf.length ? [buf] : [];
      this.length = buf.length;
    }
  }
}

/**
 * @param {{host?: string, port: number, upstream: {host: string, port: number},
 *   onExchange: (x: object) => void, onError?: (e: Error) => void}} options
 */
export function startProxy(options) {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set();
  let connSeq = 0;
  let exchangeSeq = 0;
  const state = { label: 'unlabelled' };

  const server = net.createServer((client) => {
    const connId = ++connSeq;
    const label = state.label;
    const pending = new Map(); // correlationId -> exchange
    const upstream = net.connect(options.upstream);
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);

    const fail = (e) => {
      options.onError?.(e);
      client.destroy();
      upstream.destroy();
    };
    const requests = new FrameSplitter((body) => {
      const h = parseRequestHeader(body);
      const x = {
        label,
        connId,
        seq: ++exchangeSeq,
        apiKey: h.apiKey,
        apiVersion: h.apiVersion,
        correlationId: h.correlationId,
        clientId: h.clientId,
        request: body,
        response: null,
        requestAt: Date.now(),
        responseAt: null,
      };
      if (pending.has(h.correlationId)) {
        // a reused correlation id with an answer still due: report the older one unanswered
        options.onExchange(pending.get(h.correlationId));
      }
      pending.set(h.correlationId, x);
    });
    const responses = new FrameSplitter((body) => {
      const corr = body.readInt32BE(0);
      const x = pending.get(corr);
      if (!x) {
        options.onError?.(new Error(`conn ${connId}: response for unknown correlation id ${corr}`));
        return;
      }
      pending.delete(corr);
      x.response = body;
      x.responseAt = Date.now();
      options.onExchange(x);
    });

    client.on('data', (chunk) => {
      try {
        requests.push(chunk);
      } catch (e) {
        fail(e);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      try {
        responses.push(chunk);
      } catch (e) {
        fail(e);
        return;
      }
      client.write(chunk);
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      // requests never answered (acks=0 Produce, or cut off by the close)
      for (const x of [...pending.values()].sort((a, b) => a.seq - b.seq)) options.onExchange(x);
      pending.clear();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', () => close());
    upstream.on('error', () => close());
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      resolve({
        host,
        port: server.address().port,
        get label() {
          return state.label;
        },
        set label(v) {
          state.label = v;
        },
        get openConnections() {
          return sockets.size / 2;
        },
        close() {
          for (const s of sockets) s.destroy();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}
