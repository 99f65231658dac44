// Bounded memory per connection and per broker (issue 12), at the network layer with a
// stand-in processor: connection quotas, queued.max.requests, the request memory pool
// (queued.max.request.bytes), unsent responses and one Fetch per connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { SocketServer, type SocketServerOptions } from '../../../src/broker/network/socket-server.js';
import type { Connection, RequestProcessor } from '../../../src/broker/network/connection.js';
import { RequestBudget } from '../../../src/broker/network/request-budget.js';
import { ConnectionQuotas, SampledRate } from '../../../src/broker/network/connection-quotas.js';
import { parsePerIpOverrides } from '../../../src/broker/settings/per-ip-overrides.js';
import { eventually } from '../../helpers/eventually.js';

/** A request frame whose body starts with `apiKey` (int16) then `tag`. */
function frame(apiKey: number, tag: number, bodyBytes = 8): Buffer {
  const out = Buffer.alloc(4 + bodyBytes);
  out.writeInt32BE(bodyBytes, 0);
  out.writeInt16BE(apiKey, 4);
  out[6] = tag;
  return out;
}

function response(tag: number, size = 4): Buffer {
  const out = Buffer.alloc(4 + size);
  out.writeInt32BE(size, 0);
  out[4] = tag;
  return out;
}

/** Holds every request until released. */
class Holding implements RequestProcessor {
  held: Array<[Connection, number, number]> = [];
  received = 0;
  process(body: Buffer, connection: Connection, seq: number): void {
    this.received++;
    this.held.push([connection, seq, body[2]!]);
  }
  releaseAll(size = 4): void {
    const held = this.held;
    this.held = [];
    for (const [c, seq, tag] of held) c.complete(seq, response(tag, size));
  }
}

/** Answers at once with a response of `size` bytes. */
class BigAnswers implements RequestProcessor {
  received = 0;
  /** The connection of the last request (its socket shows whether the server reads it). */
  last: Connection | null = null;
  constructor(private readonly size: number) {}
  process(body: Buffer, connection: Connection, seq: number): void {
    this.received++;
    this.last = connection;
    connection.complete(seq, response(body[2]!, this.size));
  }
}

const defaults: SocketServerOptions = {
  host: '127.0.0.1',
  port: 0,
  maxRequestBytes: 1024 * 1024,
  maxConnections: 1000,
  connectionsMaxIdleMs: 600_000,
  maxInFlightPerConnection: 64,
};

async function start(processor: RequestProcessor, overrides: Partial<SocketServerOptions> = {}) {
  const server = new SocketServer({ ...defaults, ...overrides }, processor);
  await server.listen();
  return server;
}

async function client(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  await once(s, 'connect');
  return s;
}

function countFrames(socket: Socket): { count: number; tags: number[] } {
  const out = { count: 0, tags: [] as number[] };
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      out.count++;
      out.tags.push(pending[4]!);
      pending = pending.subarray(4 + size);
    }
  });
  return out;
}

/**
 * Resolves once `socket` got an answer to a request sent now: proof that the server has run
 * since everything written before it on any connection reached it (loopback delivers a write
 * into the peer's buffer before the call returns).
 */
async function roundTrip(socket: Socket, replies: { count: number }, tag = 99): Promise<void> {
  const before = replies.count;
  socket.write(frame(0, tag));
  await eventually('the probe\'s reply', () => replies.count > before);
}

test('max.connections.per.ip closes a connection over the limit at once; overrides win', async () => {
  const server = await start(new BigAnswers(4), { maxConnectionsPerIp: 2 });
  const a = await client(server.port);
  const b = await client(server.port);
  const c = await client(server.port);
  await once(c, 'close');
  await eventually('two connections', () => server.connectionCount === 2);
  // A slot freed is a slot for the next one.
  a.destroy();
  await eventually('one connection', () => server.connectionCount === 1);
  const d = await client(server.port);
  const replies = countFrames(d);
  d.write(frame(0, 1));
  await eventually('a reply', () => replies.count === 1);
  for (const s of [b, d]) s.destroy();
  await server.close();

  // Overrides by address: 127.0.0.1 gets 1 while the default is 0 (allowed with overrides).
  const limited = await start(new BigAnswers(4), { maxConnectionsPerIp: 0, maxConnectionsPerIpOverrides: new Map([['127.0.0.1', 1]]) });
  const first = await client(limited.port);
  const second = await client(limited.port);
  await once(second, 'close');
  assert.equal(limited.connectionCount, 1);
  first.destroy();
  await limited.close();
});

test('max.connections.per.ip.overrides: Kafka\'s host:count syntax', () => {
  assert.deepEqual([...parsePerIpOverrides('hostName:100, 127.0.0.1:200,::1:3')], [['hostName', 100], ['127.0.0.1', 200], ['::1', 3]]);
  assert.equal(parsePerIpOverrides('').size, 0);
  assert.throws(() => parsePerIpOverrides('nohost'), /not host:count/);
  assert.throws(() => parsePerIpOverrides('a:b'), /For input string/);
  assert.throws(() => parsePerIpOverrides('bad host!:1'), /invalid addresses/);
});

test('max.connection.creation.rate: Kafka\'s rate over 11 one-second samples throttles a burst', async () => {
  // The rate is counted over at least 10 s, so a burst of 10 x rate passes; beyond it the
  // acceptor waits (rate - limit) / limit x window, at most 1 s.
  const rate = new SampledRate();
  const quotas = new ConnectionQuotas({ maxConnections: 1000, maxConnectionsPerIp: 1000, maxConnectionsPerIpOverrides: new Map(), maxConnectionCreationRate: 2 });
  let throttled = 0;
  for (let i = 0; i < 25; i++) if (quotas.recordCreation(1_000_000) > 0) throttled++;
  rate.record(1, 0);
  assert.equal(rate.windowSize(0), 10_000);
  assert.equal(throttled, 5);

  const server = await start(new BigAnswers(4), { maxConnectionCreationRate: 1 });
  const sockets: Socket[] = [];
  for (let i = 0; i < 12; i++) sockets.push(await client(server.port));
  // The 11th and 12th go over 1/s counted over 10 s: they wait, unread, and are then served.
  assert.ok(server.waitingCount >= 1, `waiting ${server.waitingCount}`);
  const last = countFrames(sockets[11]!);
  sockets[11]!.write(frame(0, 12));
  await eventually('the throttled connection to be served', () => last.count === 1);
  assert.equal(server.connectionCount, 12);
  for (const s of sockets) s.destroy();
  await server.close();
});

test('queued.max.requests bounds requests read and not answered across connections', async () => {
  const holding = new Holding();
  const budget = new RequestBudget(3, -1);
  const server = await start(holding, { budget });
  const a = await client(server.port);
  const b = await client(server.port);
  const ra = countFrames(a);
  const rb = countFrames(b);
  a.write(Buffer.concat(Array.from({ length: 5 }, (_, i) => frame(0, i))));
  b.write(Buffer.concat(Array.from({ length: 5 }, (_, i) => frame(0, 10 + i))));
  await eventually('three requests', () => holding.received === 3);
  // Both connections have frames left and wait for the budget: nothing more is read.
  await eventually('both connections to wait for the budget', () => budget.waiting === 2);
  // Bound: 3 requests decoded broker-wide, whatever the clients sent.
  assert.equal(holding.received, 3);
  assert.equal(budget.queued, 3);
  await eventually('ten responses', () => {
    holding.releaseAll();
    return ra.count + rb.count === 10;
  });
  assert.deepEqual(ra.tags, [0, 1, 2, 3, 4]);
  assert.deepEqual(rb.tags, [10, 11, 12, 13, 14]);
  assert.equal(budget.queued, 0);
  a.destroy();
  b.destroy();
  await server.close();
});

test('queued.max.request.bytes: a frame that cannot get pool memory is not read until memory is released', async () => {
  const holding = new Holding();
  const budget = new RequestBudget(500, 10_000);
  const server = await start(holding, { budget });
  // A connection open before the pool is taken: a request it sends whole is served past the
  // pool, so its answer shows the server has run after the frame below reached it.
  const probe = await client(server.port);
  const probeReplies = countFrames(probe);
  const hog = await client(server.port);
  // Claims the whole pool and sends part of its frame.
  const claim = Buffer.alloc(4 + 5_000);
  claim.writeInt32BE(10_000, 0);
  hog.write(claim);
  await eventually('the pool to be taken', () => budget.availableBytes === 0);
  const other = await client(server.port);
  const replies = countFrames(other);
  const big = frame(0, 42, 3_000);
  other.write(big.subarray(0, 100));
  await eventually('the second connection to wait for memory', () => budget.waiting === 1);
  other.write(big.subarray(100));
  const probed = roundTrip(probe, probeReplies);
  await eventually('the probe request', () => holding.received === 1);
  assert.deepEqual(holding.held.map(([, , tag]) => tag), [99], 'only the probe is read, not the waiting frame');
  holding.releaseAll();
  await probed;
  assert.equal(budget.availableBytes, 0);
  // The pool's memory comes back when the hog goes: the waiting frame is read and answered.
  hog.destroy();
  await eventually('the waiting request', () => holding.received === 2);
  assert.equal(budget.availableBytes, 10_000 - 3_000);
  holding.releaseAll();
  await eventually('its response', () => replies.count === 1);
  assert.equal(budget.availableBytes, 10_000);
  probe.destroy();
  other.destroy();
  await server.close();
});

test('queued.max.request.bytes is non-strict: a frame larger than what is left (or than the pool) goes through', () => {
  const budget = new RequestBudget(500, 1000);
  assert.equal(budget.tryAllocate(5000), true);
  assert.equal(budget.availableBytes, -4000);
  assert.equal(budget.tryAllocate(1), false);
  budget.release(5000);
  assert.equal(budget.tryAllocate(999), true);
  assert.equal(budget.tryAllocate(999), true);
  assert.equal(budget.outOfMemory, true);
});

test('a client that does not read its responses stops being read', async () => {
  // Each response is 1 MiB; the client pipelines 200 requests and reads nothing. Bound: the
  // requests processed are what the socket buffers could take (a few MiB), not 200.
  const answers = new BigAnswers(1024 * 1024);
  const server = await start(answers);
  const s = await client(server.port);
  s.pause();
  s.write(Buffer.concat(Array.from({ length: 200 }, (_, i) => frame(0, i))));
  // The server stops reading once a response cannot be written: its side of the socket is
  // paused with output waiting to drain.
  await eventually('the server to stop reading', () => {
    const socket = answers.last?.socket;
    return socket !== undefined && socket.isPaused() && socket.writableNeedDrain;
  });
  const slow = answers.last!.socket;
  // Round trips on another connection let the server run on: a drain the kernel still had room
  // for would have let it read more by then, so the count below is where it settled.
  const probe = await client(server.port);
  const probeReplies = countFrames(probe);
  for (let i = 0; i < 3; i++) await roundTrip(probe, probeReplies);
  const processed = answers.received - probeReplies.count;
  assert.ok(processed < 40, `processed ${processed} of 200 without reading`);
  assert.ok(slow.isPaused() && slow.writableNeedDrain, 'still waiting for the client to read');
  // Reading again lets every request through, in order.
  const replies = countFrames(s);
  s.resume();
  await eventually('all 200 responses', () => replies.count === 200, { timeoutMs: 30_000 });
  assert.equal(answers.received - probeReplies.count, 200);
  s.destroy();
  probe.destroy();
  await server.close();
});

test('one Fetch per connection is in flight; the next is read when it is answered', async () => {
  const holding = new Holding();
  const server = await start(holding);
  const s = await client(server.port);
  const replies = countFrames(s);
  s.write(Buffer.concat([frame(1, 1), frame(1, 2), frame(0, 3)]));
  await eventually('the first fetch', () => holding.received === 1);
  // The second Fetch is read and held back: the server stops reading the connection.
  await eventually('the second fetch to be held', () => holding.held[0]![0].socket.isPaused());
  assert.equal(holding.received, 1);
  holding.releaseAll();
  await eventually('the second fetch and the produce', () => holding.received === 3);
  holding.releaseAll();
  await eventually('three responses', () => replies.count === 3);
  assert.deepEqual(replies.tags, [1, 2, 3]);
  s.destroy();
  await server.close();
});
