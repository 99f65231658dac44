import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress, DecompressionError, scanZstdFrames, type ChunkSink } from '../../../src/protocol/compression/index.js';
import {
  loadZstdWasm,
  WASM_MAX_BOUND,
  zstdWasmDecodeInto,
  zstdWasmDecompress,
  zstdWasmFits,
  zstdWasmMemoryBytes,
  zstdWasmReady,
} from '../../../src/protocol/compression/zstd-wasm.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { RecordFault, RecordWalk } from '../../../src/protocol/records/walk.js';
import { walkBatchSync } from '../../../src/protocol/records/walk-batch.js';
import { batchOf, rawRecords } from '../records/malformed.js';

const MiB = 1024 * 1024;

function collect(data: Buffer): Buffer {
  const chunks: Buffer[] = [];
  const sink: ChunkSink = {
    push(c, s, e) {
      chunks.push(Buffer.from(c.subarray(s, e)));
      return true;
    },
  };
  zstdWasmDecodeInto(data, scanZstdFrames(data).bound, sink);
  return Buffer.concat(chunks);
}

test('zstd wasm: loads, and decodes frames, concatenated frames and skippable frames', async () => {
  assert.equal(await loadZstdWasm(), true);
  assert.equal(zstdWasmReady(), true);
  const a = Buffer.from('first frame '.repeat(500));
  const b = Buffer.from('second frame '.repeat(700));
  const fa = await compress(CompressionType.Zstd, a);
  const fb = await compress(CompressionType.Zstd, b);
  assert.ok(collect(fa).equals(a));
  const skippable = Buffer.alloc(8 + 5);
  skippable.writeUInt32LE(0x184d2a53, 0);
  skippable.writeUInt32LE(5, 4);
  const both = Buffer.concat([fa, skippable, fb]);
  assert.ok(collect(both).equals(Buffer.concat([a, b])));
  assert.ok(zstdWasmDecompress(both, scanZstdFrames(both).bound).equals(Buffer.concat([a, b])));
});

test('zstd wasm: a corrupt frame is a DecompressionError, and the decoder goes on serving', async () => {
  await loadZstdWasm();
  const data = Buffer.from('some records, '.repeat(1000));
  const frame = await compress(CompressionType.Zstd, data);
  const bad = Buffer.from(frame);
  bad[bad.length - 6]! ^= 0x5a;
  assert.throws(() => collect(bad), (e) => e instanceof DecompressionError && e.reason === 'corrupt');
  assert.ok(collect(frame).equals(data));
});

test('zstd wasm: only bounds up to WASM_MAX_BOUND are taken; memory stays at its load-time size', async () => {
  await loadZstdWasm();
  assert.equal(zstdWasmFits(1000, WASM_MAX_BOUND), true);
  assert.equal(zstdWasmFits(1000, WASM_MAX_BOUND + 1), false);
  assert.equal(zstdWasmFits(WASM_MAX_BOUND + 1, 1000), false);
  // 200 KiB of records: below ZSTD_POOL_MIN_BOUND, so the WebAssembly decoder takes it on Node 20.
  const section = rawRecords(Array.from({ length: 200 }, (_, i) => ({ value: Buffer.alloc(1000 + (i % 7), i) })));
  const batch = await batchOf(section, { count: 200, compression: CompressionType.Zstd });
  const w = new RecordWalk();
  assert.equal(walkBatchSync(batch, w, 64 * MiB), RecordFault.Ok);
  assert.equal(w.index, 200);
  const before = zstdWasmMemoryBytes();
  for (let i = 0; i < 200; i++) assert.equal(walkBatchSync(batch, new RecordWalk(), 64 * MiB), RecordFault.Ok);
  // Bound: 17 MiB (the module's initial 16 MiB, grown once at load for the 2 MiB input and
  // output regions and the decoder context); nothing grows per call.
  assert.equal(zstdWasmMemoryBytes(), before);
  assert.ok(before <= 17 * MiB, `module memory ${before} bytes`);
});
