import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { SocketServer, type SocketServerOptions } from '../../../src/broker/network/socket-server.js';
import type { Connection, RequestProcessor } from '../../../src/broker/network/connection.js';
import { eventually } from '../../helpers/eventually.js';

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** Collects whole response frames from a client socket. */
function collector(socket: Socket): { frames: Buffer[]; waitFor(n: number): Promise<void> } {
  let pending = Buffer.alloc(0);
  const frames: Buffer[] = [];
  let waiter: (() => void) | null = null;
  let wanted = 0;
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      frames.push(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
    }
    if (waiter && frames.length >= wanted) waiter();
  });
  return {
    frames,
    waitFor(n: number) {
      wanted = n;
      if (frames.length >= n) return Promise.resolve();
      return new Promise<void>((resolve) => (waiter = resolve));
    },
  };
}

/** Echoes each request after a delay taken from its first byte (ms), so completions reorder. */
class DelayedEcho implements RequestProcessor {
  received = 0;
  process(body: Buffer, connection: Connection, seq: number): void {
    this.received++;
    const copy = Buffer.from(body);
    const delay = copy[0]!;
    if (delay === 0) connection.complete(seq, frame(copy));
    else setTimeout(() => connection.complete(seq, frame(copy)), delay);
  }
}

/** Holds every request until released, to observe backpressure. */
class Holding implements RequestProcessor {
  held: Array<[Connection, number, Buffer]> = [];
  process(body: Buffer, connection: Connection, seq: number): void {
    this.held.push([connection, seq, Buffer.from(body)]);
  }
  releaseAll(): void {
    const held = this.held;
    this.held = [];
    for (const [c, seq, body] of held) c.complete(seq, frame(body));
  }
}

const defaults: SocketServerOptions = {
  host: '127.0.0.1',
  port: 0,
  maxRequestBytes: 1024 * 1024,
  maxConnections: 100,
  connectionsMaxIdleMs: 600_000,
  maxInFlightPerConnection: 16,
};

async function start(processor: RequestProcessor, overrides: Partial<SocketServerOptions> = {}) {
  const server = new SocketServer({ ...defaults, ...overrides }, processor);
  await server.listen();
  return server;
}

async function client(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  return s;
}

test('pipelined requests completed out of order are answered in request order', async () => {
  const server = await start(new DelayedEcho());
  const s = await client(server.port);
  const c = collector(s);
  const delays = [30, 0, 20, 1, 10, 0];
  s.write(Buffer.concat(delays.map((d, i) => frame(Buffer.from([d, i])))));
  await c.waitFor(delays.length);
  assert.deepEqual(c.frames.map((f) => f[1]), [0, 1, 2, 3, 4, 5]);
  s.destroy();
  await server.close();
});

test('with deferRequestProcessing a connection waits unread until enableRequestProcessing', async () => {
  const echo = new DelayedEcho();
  const server = await start(echo, { deferRequestProcessing: true });
  const s = await client(server.port);
  const c = collector(s);
  s.write(frame(Buffer.from([0, 7])));
  await eventually('the connection to wait', () => server.waitingCount === 1);
  assert.equal(echo.received, 0, 'nothing read before the broker serves');
  assert.equal(server.connectionCount, 0);
  server.enableRequestProcessing();
  await c.waitFor(1);
  assert.equal(c.frames[0]![1], 7);
  assert.equal(server.waitingCount, 0);
  s.destroy();
  await server.close();
});

test('an oversized size prefix closes only its own connection', async () => {
  const server = await start(new DelayedEcho(), { maxRequestBytes: 1000 });
  const bad = await client(server.port);
  const good = await client(server.port);
  const c = collector(good);
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(2_000_000_000, 0);
  bad.write(prefix);
  await once(bad, 'close');
  good.write(frame(Buffer.from([0, 42])));
  await c.waitFor(1);
  assert.equal(c.frames[0]![1], 42);
  good.destroy();
  await server.close();
});

test('reading pauses while the in-flight limit is reached and resumes after', async () => {
  const holding = new Holding();
  const server = await start(holding, { maxInFlightPerConnection: 2 });
  const s = await client(server.port);
  const c = collector(s);
  s.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => frame(Buffer.from([0, i])))));
  await eventually('two requests', () => holding.held.length === 2);
  // The limit reached, the server stops reading the connection: nothing more can come in.
  await eventually('reading to pause', () => holding.held[0]![0].socket.isPaused());
  assert.equal(holding.held.length, 2);
  await eventually('ten responses', () => {
    holding.releaseAll();
    return c.frames.length === 10;
  });
  assert.deepEqual(c.frames.map((f) => f[1]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  s.destroy();
  await server.close();
});

test('idle connections are closed after connections.max.idle.ms', async () => {
  const server = await start(new DelayedEcho(), { connectionsMaxIdleMs: 40 });
  const s = await client(server.port);
  await once(s, 'close');
  assert.equal(server.connectionCount, 0);
  await server.close();
});

test('a connection beyond max.connections waits for a slot, as Kafka\'s acceptor does', async () => {
  const server = await start(new DelayedEcho(), { maxConnections: 1 });
  const first = await client(server.port);
  const second = await client(server.port);
  const c2 = collector(second);
  second.write(frame(Buffer.from([0, 8])));
  const c = collector(first);
  first.write(frame(Buffer.from([0, 7])));
  await c.waitFor(1);
  assert.equal(c.frames[0]![1], 7);
  assert.equal(server.connectionCount, 1);
  assert.equal(server.waitingCount, 1);
  assert.equal(c2.frames.length, 0);
  first.destroy();
  await c2.waitFor(1);
  assert.equal(c2.frames[0]![1], 8);
  second.destroy();
  await server.close();
});

test('close() ends with clients that never close their side after the broker\'s FIN', async () => {
  const server = await start(new DelayedEcho());
  // allowHalfOpen: the client does not answer the broker's FIN with its own, as a client that
  // is busy elsewhere (or stuck) would not; close() must still finish.
  const stubborn = await Promise.all([1, 2].map(async () => {
    const s = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    await once(s, 'connect');
    s.on('error', () => {});
    return s;
  }));
  const served = collector(stubborn[0]!);
  stubborn[0]!.write(frame(Buffer.from([0, 7])));
  await served.waitFor(1);
  const ended = stubborn.map((s) => once(s, 'end'));
  await server.close();
  // each got the broker's FIN before the broker gave up on it
  await Promise.all(ended);
  for (const s of stubborn) s.destroy();
});
