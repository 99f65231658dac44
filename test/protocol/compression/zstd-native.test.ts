import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { compress, decompress, DecompressionError, scanZstdFrames, ZSTD_POOL_MIN_BOUND, type ChunkSink } from '../../../src/protocol/compression/index.js';
import { NATIVE_MAX_WINDOW, zstdNativeDecodeInto, zstdNativeFits, zstdNativeReady } from '../../../src/protocol/compression/zstd-native.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { RecordFault, RecordWalk } from '../../../src/protocol/records/walk.js';
import { walkBatch, walkBatchSync, WALK_ASYNC } from '../../../src/protocol/records/walk-batch.js';
import { loadZstdWasm } from '../../../src/protocol/compression/zstd-wasm.js';
import { batchOf, rawRecords, wrapBatch } from '../records/malformed.js';

const MiB = 1024 * 1024;
/** Whether this Node's zlib has zstd (Node >= 22.15 / 23.8); on Node 20 the other decoders serve. */
const nodeHasZstd = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';

/**
 * A frame as zstd-jni's stream writes one (no content size, not single segment), of raw
 * blocks of at most 128 KiB, with window descriptor `wd` (0x58: 2 MiB).
 */
function rawFrame(data: Buffer, wd = 0x58): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, wd])];
  for (let at = 0; at < data.length || at === 0; at += 128 * 1024) {
    const block = data.subarray(at, Math.min(data.length, at + 128 * 1024));
    const last = at + 128 * 1024 >= data.length ? 1 : 0;
    const header = Buffer.alloc(3);
    header.writeUIntLE((block.length << 3) | last, 0, 3);
    parts.push(header, block);
  }
  return Buffer.concat(parts);
}

function sample(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >>> 9)) & 0xff;
  return b;
}

/** Everything zstdNativeDecodeInto hands over, and how many chunks. */
function collect(data: Buffer, max = 64 * MiB): { out: Buffer; chunks: number } {
  const parts: Buffer[] = [];
  const sink: ChunkSink = {
    push(c, s, e) {
      parts.push(Buffer.from(c.subarray(s, e)));
      return true;
    },
  };
  zstdNativeDecodeInto(data, max, sink);
  return { out: Buffer.concat(parts), chunks: parts.length };
}

test('zstd native: ready exactly where node:zlib has zstd', () => {
  assert.equal(zstdNativeReady(), nodeHasZstd);
  assert.equal(zstdNativeFits(2 * MiB), nodeHasZstd);
  assert.equal(zstdNativeFits(NATIVE_MAX_WINDOW + 1), false);
  if (!nodeHasZstd) assert.throws(() => collect(rawFrame(Buffer.from('x'))), /not available/);
});

test('zstd native: frames without content size, concatenated and skippable frames, output in chunks', async () => {
  if (!nodeHasZstd) return assert.equal(zstdNativeReady(), false);
  const big = sample(700 * 1024); // more than one output buffer (256 KiB)
  const r = collect(rawFrame(big));
  assert.ok(r.out.equals(big));
  assert.ok(r.chunks >= 3, `chunks ${r.chunks}`);
  const a = Buffer.from('first frame '.repeat(500));
  const fa = await compress(CompressionType.Zstd, a);
  const skippable = Buffer.alloc(8 + 5);
  skippable.writeUInt32LE(0x184d2a53, 0);
  skippable.writeUInt32LE(5, 4);
  const joined = Buffer.concat([fa, skippable, rawFrame(big)]);
  scanZstdFrames(joined);
  assert.ok(collect(joined).out.equals(Buffer.concat([a, big])));
});

test('zstd native: a refusing sink stops decoding, and the next call starts clean', () => {
  if (!nodeHasZstd) return assert.equal(zstdNativeReady(), false);
  const big = sample(700 * 1024);
  let pushes = 0;
  zstdNativeDecodeInto(rawFrame(big), 64 * MiB, {
    push() {
      pushes++;
      return false;
    },
  });
  assert.equal(pushes, 1);
  const other = Buffer.from('the next batch '.repeat(3000));
  assert.ok(collect(rawFrame(other)).out.equals(other));
});

test('zstd native: output past the cap is too-large', () => {
  if (!nodeHasZstd) return assert.equal(zstdNativeReady(), false);
  const big = sample(700 * 1024);
  assert.throws(() => collect(rawFrame(big), 300 * 1024), (e) => e instanceof DecompressionError && e.reason === 'too-large');
  assert.ok(collect(rawFrame(big)).out.equals(big));
});

test('zstd native: a corrupt frame is a DecompressionError, nothing is thrown later, the decoder goes on serving', async () => {
  if (!nodeHasZstd) return assert.equal(zstdNativeReady(), false);
  const data = Buffer.from('some records, '.repeat(5000));
  const frame = await compress(CompressionType.Zstd, data);
  const bad = Buffer.from(frame);
  for (let i = 12; i < 40; i++) bad[i]! ^= 0x5a;
  assert.throws(() => collect(bad), (e) => e instanceof DecompressionError && e.reason === 'corrupt');
  // The failed stream's 'error' event fires on a later tick: it must not surface.
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(collect(frame).out.equals(data));
  assert.equal(zstdNativeReady(), true);
});

test('zstd native: the batch walk takes Java-style frames through it, and larger windows elsewhere, with the same answers', async () => {
  const section = rawRecords(Array.from({ length: 300 }, (_, i) => ({ value: Buffer.alloc(900 + (i % 5), i) })));
  // The records compressed (content size given), then in raw-block frames as zstd-jni writes
  // them (no content size) with a 2 MiB window, then with a 16 MiB one.
  const compressed = await batchOf(section, { count: 300, compression: CompressionType.Zstd });
  assert.equal(await walkBatch(compressed, new RecordWalk(), 64 * MiB), RecordFault.Ok);
  for (const wd of [0x58, 0x70]) {
    const batch = wrapBatch(rawFrame(section, wd), { count: 300, compression: CompressionType.Zstd });
    const scan = scanZstdFrames(batch.subarray(61));
    assert.equal(scan.window, wd === 0x58 ? 2 * MiB : 16 * MiB);
    const w = new RecordWalk();
    assert.equal(await walkBatch(batch, w, 64 * MiB), RecordFault.Ok);
    assert.equal(w.index, 300);
    // One record too many claimed: the same fault whichever decoder ran.
    const wrong = Buffer.from(batch);
    wrong.writeInt32BE(301, 57);
    assert.equal(await walkBatch(wrong, new RecordWalk(), 64 * MiB), RecordFault.PrematureEof);
  }
});

// Node 20 sends batches from ZSTD_POOL_MIN_BOUND on to the binding on the libuv pool (the
// asynchronous walk), smaller ones to the WebAssembly decoder; Node 24 walks both in place.
test('zstd: which batches the synchronous walk takes, and the same answers either way', async () => {
  await loadZstdWasm();
  for (const records of [100, 400]) {
    const section = rawRecords(Array.from({ length: records }, (_, i) => ({ value: Buffer.alloc(1000, i) })));
    const batch = wrapBatch(rawFrame(section), { count: records, compression: CompressionType.Zstd });
    const bound = scanZstdFrames(batch.subarray(61)).bound;
    assert.equal(bound >= ZSTD_POOL_MIN_BOUND, records === 400, `bound ${bound}`);
    const sync = walkBatchSync(batch, new RecordWalk(), 64 * MiB);
    assert.equal(sync, nodeHasZstd || bound < ZSTD_POOL_MIN_BOUND ? RecordFault.Ok : WALK_ASYNC);
    const w = new RecordWalk();
    assert.equal(await walkBatch(batch, w, 64 * MiB), RecordFault.Ok);
    assert.equal(w.index, records);
    const wrong = Buffer.from(batch);
    wrong.writeInt32BE(records - 1, 57);
    assert.equal(await walkBatch(wrong, new RecordWalk(), 64 * MiB), RecordFault.RecordsRemaining);
  }
});

test('zstd scan: the window of single-segment frames is their content size', () => {
  // FHD 0x20: single segment, 1-byte content size; one raw block of 5 bytes.
  const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05, (5 << 3) | 1, 0, 0, 1, 2, 3, 4, 5]);
  assert.deepEqual(scanZstdFrames(frame), { bound: 5, frames: 1, window: 5 });
  // FHD 0x60: single segment, 2-byte content size (stored minus 256).
  const two = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x60, 0x00, 0x01, (5 << 3) | 1, 0, 0, 1, 2, 3, 4, 5]);
  assert.equal(scanZstdFrames(two).window, 512);
});

// decompress() (record decoding, recompression) takes the native decoder where there is one:
// the same output and the same cap on every runtime.
test('zstd: decompress() of frames without content size, and its cap', async () => {
  const big = sample(700 * 1024);
  assert.ok((await decompress(CompressionType.Zstd, rawFrame(big), big.length)).equals(big));
  await assert.rejects(decompress(CompressionType.Zstd, rawFrame(big), big.length - 1), (e) => e instanceof DecompressionError && e.reason === 'too-large');
});
