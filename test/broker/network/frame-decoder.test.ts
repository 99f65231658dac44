import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameError } from '../../../src/broker/network/frame-decoder.js';

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

test('frames split at every byte boundary are reassembled', () => {
  const bodies = [Buffer.from('hello'), Buffer.from('a'), Buffer.alloc(300, 7)];
  const stream = Buffer.concat(bodies.map(frame));
  for (let step = 1; step <= 7; step++) {
    const d = new FrameDecoder(1024);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += step) {
      d.push(stream.subarray(i, i + step));
      for (let f = d.next(); f !== null; f = d.next()) out.push(Buffer.from(f));
    }
    assert.deepEqual(out, bodies);
    assert.equal(d.bufferedBytes, 0);
  }
});

test('a frame inside one chunk is a view, not a copy', () => {
  const d = new FrameDecoder(1024);
  const chunk = frame(Buffer.from('abc'));
  d.push(chunk);
  const f = d.next()!;
  assert.equal(f.buffer, chunk.buffer);
  assert.equal(f.toString(), 'abc');
});

test('oversized and non-positive size prefixes are rejected before allocation', () => {
  const big = new FrameDecoder(1000);
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(0x7fffffff, 0);
  big.push(prefix);
  assert.equal(big.next(), null);
  assert.equal(big.error, FrameError.TooLarge);
  assert.equal(big.errorSize, 0x7fffffff);
  assert.equal(big.bufferedBytes, 0);

  for (const size of [0, -1, -2147483648]) {
    const d = new FrameDecoder(1000);
    const p = Buffer.alloc(4);
    p.writeInt32BE(size, 0);
    d.push(p);
    assert.equal(d.next(), null);
    assert.equal(d.error, FrameError.Invalid);
  }
});

test('with a request memory pool: the size is taken when the prefix is read, a large frame is assembled as it arrives', async () => {
  const { RequestBudget } = await import('../../../src/broker/network/request-budget.js');
  const budget = new RequestBudget(500, 4 << 20);
  const d = new FrameDecoder(100 << 20, undefined, budget);
  const big = Buffer.alloc(4 + (3 << 20), 5);
  big.writeInt32BE(3 << 20, 0);
  d.push(big.subarray(0, 1000));
  assert.equal(d.next(), null);
  assert.equal(budget.availableBytes, 1 << 20);
  assert.equal(d.chargedBytes, 3 << 20);
  // A second decoder's frame claims 2 MiB: granted (non-strict), then the pool is out.
  const other = new FrameDecoder(100 << 20, undefined, budget);
  const mid = Buffer.alloc(4 + (2 << 20), 6);
  mid.writeInt32BE(2 << 20, 0);
  other.push(mid.subarray(0, 10));
  assert.equal(other.next(), null);
  assert.equal(other.needsMemory, false);
  assert.equal(budget.availableBytes, -(1 << 20));
  const third = new FrameDecoder(100 << 20, undefined, budget);
  const small = Buffer.alloc(4 + 5000, 7);
  small.writeInt32BE(5000, 0);
  third.push(small.subarray(0, 100));
  assert.equal(third.next(), null);
  assert.equal(third.needsMemory, true);
  // Received whole, a frame takes its bytes even past the pool: holding it back frees nothing.
  third.push(small.subarray(100));
  assert.equal(third.next()!.length, 5000);
  assert.equal(third.lastFrameCharge, 5000);
  for (let at = 1000; at < big.length; at += 65536) d.push(big.subarray(at, Math.min(big.length, at + 65536)));
  const frame = d.next()!;
  assert.equal(frame.length, 3 << 20);
  assert.ok(frame.equals(big.subarray(4)));
  assert.equal(d.lastFrameCharge, 3 << 20);
  budget.release(3 << 20);
  budget.release(5000);
  assert.equal(d.bufferedBytes, 0);
});
