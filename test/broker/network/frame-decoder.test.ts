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
