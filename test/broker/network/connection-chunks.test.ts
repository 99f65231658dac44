import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { SocketServer } from '../../../src/broker/network/socket-server.js';
import type { ChunkedFrame, Connection, RequestProcessor } from '../../../src/broker/network/connection.js';

/**
 * Answers request i (one byte: its delay in ms) with a frame of `i`-filled bytes split in
 * three chunks, the middle one large, completing out of order.
 */
class ChunkedEcho implements RequestProcessor {
  written = 0;
  process(body: Buffer, connection: Connection, seq: number): void {
    const delay = body[0]!;
    const id = body[1]!;
    const payload = Buffer.alloc(200_000 + id, id);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(payload.length, 0);
    const chunks: ChunkedFrame = {
      chunks: [prefix, payload.subarray(0, 3), payload.subarray(3, 150_000), payload.subarray(150_000)],
      written: (err) => {
        assert.ifError(err);
        this.written++;
      },
    };
    if (delay === 0) connection.complete(seq, chunks);
    else setTimeout(() => connection.complete(seq, chunks), delay);
  }
}

test('chunked responses go out whole and in request order, each reported written', async () => {
  const echo = new ChunkedEcho();
  const server = new SocketServer(
    { host: '127.0.0.1', port: 0, maxRequestBytes: 1024, maxConnections: 10, connectionsMaxIdleMs: 600_000, maxInFlightPerConnection: 16 },
    echo,
  );
  await server.listen();
  const s = connect(server.port, '127.0.0.1');
  await once(s, 'connect');
  const delays = [20, 0, 10, 0, 5];
  const requests = delays.map((d, i) => Buffer.from([0, 0, 0, 2, d, i]));
  const parts: Buffer[] = [];
  let total = 0;
  const expected = delays.reduce((n, _, i) => n + 4 + 200_000 + i, 0);
  const done = new Promise<void>((resolve) => {
    s.on('data', (c: Buffer) => {
      parts.push(c);
      total += c.length;
      if (total >= expected) resolve();
    });
  });
  s.write(Buffer.concat(requests));
  await done;
  const all = Buffer.concat(parts);
  let at = 0;
  for (let i = 0; i < delays.length; i++) {
    const size = all.readInt32BE(at);
    assert.equal(size, 200_000 + i);
    const body = all.subarray(at + 4, at + 4 + size);
    assert.ok(body.every((b) => b === i), `frame ${i}`);
    at += 4 + size;
  }
  assert.equal(at, all.length);
  assert.equal(echo.written, delays.length);
  s.destroy();
  await server.close();
});
