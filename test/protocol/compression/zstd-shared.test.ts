import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress, DecompressionError, ZSTD_STREAMING, zstdDecompressInto, type ChunkSink } from '../../../src/protocol/compression/index.js';
import { CompressionType } from '../../../src/protocol/records/batch-header.js';

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

// On Node 20 the calls of one event-loop turn share one binding call (zstd.ts); elsewhere they
// stream through node:zlib. Either way each caller gets exactly its own output.
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

// Streaming (Node >= 22.15) leaves the cap to the sink; the one-shot path enforces it itself.
test('zstd: output past a caller\'s cap is refused for that caller only', { skip: ZSTD_STREAMING }, async () => {
  const frames = await Promise.all(inputs.map((d) => compress(CompressionType.Zstd, d)));
  const cap = inputs[2]!.length;
  const res = await Promise.allSettled(frames.map((f, i) => collect(f, i === 5 ? cap : 1 << 20)));
  res.forEach((r, i) => assert.equal(r.status, i === 5 ? 'rejected' : 'fulfilled', `call ${i}`));
});
