import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress, DecompressionError, ZSTD_STREAMING, zstdDecompressInto, type ChunkSink } from '../../../src/protocol/compression/index.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';

/** Collects what zstdDecompressInto hands over. */
function collect(data: Buffer, max = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink: ChunkSink = {
    push(c, s, e) {
      chunks.push(Buffer.from(c.subarray(s, e)));
      return true;
    },
  };
  return zstdDecompressInto(data, sink, max).then(() => Buffer.concat(chunks));
}

const inputs = [1, 2, 3, 4, 5, 6].map((i) => Buffer.from(`record ${i} `.repeat(200 * i)));

// Concurrent callers (node:zlib streams, or on Node 20 the WebAssembly decoder and the binding)
// each get exactly their own output.
test('zstd: concurrent decompressions each get their own output', async () => {
  const frames = await Promise.all(inputs.map((d) => compress(CompressionType.Zstd, d)));
  const outs = await Promise.all(frames.map((f) => collect(f)));
  outs.forEach((o, i) => assert.ok(o.equals(inputs[i]!), `output ${i}`));
});

test('zstd: a corrupt frame among concurrent ones fails alone', async () => {
  const frames = await Promise.all(inputs.map((d) => compress(CompressionType.Zstd, d)));
  const bad = Buffer.from(frames[3]!);
  bad[bad.length - 3]! ^= 0xff;
  const res = await Promise.allSettled(frames.map((f, i) => collect(i === 3 ? bad : f)));
  res.forEach((r, i) => {
    if (i === 3) {
      assert.equal(r.status, 'rejected');
      assert.ok((r as PromiseRejectedResult).reason instanceof DecompressionError);
    } else {
      assert.equal(r.status, 'fulfilled');
      assert.ok((r as PromiseFulfilledResult<Buffer>).value.equals(inputs[i]!), `output ${i}`);
    }
  });
});

// The one-shot path (Node 20) enforces the cap itself; streaming (Node >= 22.15) leaves it to
// the sink, whose refusal must stop the stream. Either way only that caller is refused.
test('zstd: output past a caller\'s cap is refused for that caller only', async () => {
  const frames = await Promise.all(inputs.map((d) => compress(CompressionType.Zstd, d)));
  const cap = inputs[2]!.length;
  let refused = 0;
  let pushedAfterRefusal = 0;
  const capped = (data: Buffer): Promise<void> => {
    let total = 0;
    const sink: ChunkSink = {
      push(_c, s, e) {
        if (total > cap) pushedAfterRefusal++;
        total += e - s;
        if (total <= cap) return true;
        refused++;
        return false;
      },
    };
    return zstdDecompressInto(data, sink, cap);
  };
  const res = await Promise.allSettled(frames.map((f, i) => (i === 5 ? capped(f) : collect(f))));
  res.forEach((r, i) => {
    if (i !== 5) {
      assert.equal(r.status, 'fulfilled', `call ${i}`);
      assert.ok((r as PromiseFulfilledResult<Buffer>).value.equals(inputs[i]!), `output ${i}`);
    } else if (ZSTD_STREAMING) {
      assert.equal(refused, 1, 'the sink refused once');
      assert.equal(pushedAfterRefusal, 0, 'nothing was pushed after the refusal');
    } else {
      assert.equal(r.status, 'rejected');
      assert.equal(((r as PromiseRejectedResult).reason as DecompressionError).reason, 'too-large');
    }
  });
});
