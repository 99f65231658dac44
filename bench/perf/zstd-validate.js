// What validating a zstd batch costs, per decoding path, in MB/s of records (issue 12).
//
//   node bench/perf/zstd-validate.js [--dist dist] [--sizes 16384,65536,262144,1048576]
//        [--mb 64] [--rounds 5] [--paths walk,wasm,native-async,zlib-sync,zlib-reused] [--concurrency 1]
//        [--walk-dists before=DIR,after=DIR]
//
// Batches as Kafka's Java producer sends them: 1 KiB JSON-like records (bench/vs-kafka/payload.js),
// the records section compressed as a stream (the `zstd` CLI reading stdin, level 3, no
// checksum), so the frame states no content size, like zstd-jni's ZstdOutputStream.
// Each path decodes the same batch over and over, `--mb` MB of records per size and round.
// Figures, medians of the rounds, and the best round (MB = 2^20 bytes of uncompressed records;
// on a shared machine the best round is the one least disturbed by other processes):
// - MB/s: records per second of wall time (one batch at a time, `--concurrency` for the async
//   native path);
// - loop ms/MB: event-loop busy time per MB (performance.eventLoopUtilization), i.e. what the
//   path costs the thread that serves every connection;
// - cpu ms/MB: the process's CPU (all threads) per MB.
// Paths:
// - walk: what the broker runs (walk-batch.ts of --dist: walkBatchSync, walkBatch when it
//   answers WALK_ASYNC), every record's framing checked;
// - wasm: zstd-wasm.ts's decoder alone (zstddec), output walked in place;
// - native-async: scanZstdFrames then @mongodb-js/zstd 1.x (libuv pool), output walked;
// - zlib-sync: node:zlib's zstdDecompressSync with maxOutputLength (Node >= 22.15), walked;
// - walk@LABEL, for each of --walk-dists: the walk of that build, in the same rounds (builds
//   compared within one process, interleaved, so that the machine's load falls on both). Each
//   build needs its own copy of `zstddec` (e.g. `cp -rL node_modules/zstddec .tmp/before/node_modules/`):
//   zstddec loads its module once per copy, so a second build sharing it never gets its
//   WebAssembly decoder and silently walks through the binding instead;
// - zlib-reused: --dist's zstd-native.ts (one reused node:zlib zstd context), if present;
//   its chunks copied into one buffer, then walked.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { jsonRecord } from '../vs-kafka/payload.js';

const argv = process.argv.slice(2);
function arg(name, def) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
}
const dist = path.resolve(arg('dist', 'dist'));
const sizes = arg('sizes', '16384,65536,262144,1048576').split(',').map(Number);
const mb = Number(arg('mb', '64'));
const rounds = Number(arg('rounds', '5'));
const concurrency = Number(arg('concurrency', '1'));
const wanted = arg('paths', 'walk,wasm,native-async,zlib-sync,zlib-reused').split(',');

const imp = (p) => import(path.join(dist, p));
const { encodeBatchSync } = await imp('src/protocol/records/encode.js');
const { RecordWalk, walkRecords } = await imp('src/protocol/records/walk.js');
const walkBatchMod = await imp('src/protocol/records/walk-batch.js');
const compression = await imp('src/protocol/compression/index.js');
const wasmMod = await imp('src/protocol/compression/zstd-wasm.js');
let nativeMod = null;
try {
  nativeMod = await imp('src/protocol/compression/zstd-native.js');
} catch {
  nativeMod = null;
}
await compression.loadZstdWasm();
const require = createRequire(path.join(dist, 'src/protocol/compression/zstd.js'));
const binding = require('@mongodb-js/zstd/bindings.js');

const RECORDS_OFFSET = 61;
const ATTRIBUTES_OFFSET = 21;
const LIMIT = 64 * 1024 * 1024;

/** A v2 batch of about `bytes` of records, zstd-compressed as a stream (no content size). */
function makeBatch(bytes) {
  const records = [];
  for (let i = 0; i * 1024 < bytes; i++) records.push({ key: null, value: jsonRecord(i), headers: [], timestamp: Date.now(), offsetDelta: i });
  const plain = encodeBatchSync(records, {});
  const body = plain.subarray(RECORDS_OFFSET);
  const z = spawnSync('zstd', ['-3', '--no-check', '-q', '-c'], { input: body, maxBuffer: 1 << 28 });
  if (z.status !== 0) throw new Error(`zstd CLI: ${z.stderr}`);
  const frame = z.stdout;
  if ((frame[4] & 0xc0) !== 0 || (frame[4] & 0x20) !== 0) throw new Error('expected a frame without content size');
  const batch = Buffer.concat([plain.subarray(0, RECORDS_OFFSET), frame]);
  batch.writeInt32BE(batch.length - 12, 8);
  batch[ATTRIBUTES_OFFSET + 1] = (batch[ATTRIBUTES_OFFSET + 1] & ~7) | 4;
  return { batch, recordsBytes: body.length, count: records.length };
}

/** Walks decoded records (as the broker does), failing loudly on a fault. */
function walkOut(walk, buf, start, end, count) {
  walk.begin(count, 0);
  walkRecords(walk, buf, start, end, true);
  if (walk.finish() !== 0) throw new Error(`walk fault ${walk.fault}`);
}

const walk = new RecordWalk();
/** The walk of each build of --walk-dists, as extra paths `walk@LABEL`. */
const walkPaths = {};
for (const d of arg('walk-dists', '').split(',').filter(Boolean)) {
  const eq = d.indexOf('=');
  const dir = path.resolve(d.slice(eq + 1));
  const wb = await import(path.join(dir, 'src/protocol/records/walk-batch.js'));
  const { RecordWalk: Walk } = await import(path.join(dir, 'src/protocol/records/walk.js'));
  await (await import(path.join(dir, 'src/protocol/compression/zstd-wasm.js'))).loadZstdWasm();
  const w = new Walk();
  walkPaths[`walk@${d.slice(0, eq)}`] = async (b) => {
    const fault = wb.walkBatchSync(b.batch, w, LIMIT);
    const f = fault === wb.WALK_ASYNC ? await wb.walkBatch(b.batch, w, LIMIT) : fault;
    if (f !== 0) throw new Error(`walk fault ${f}`);
  };
  wanted.push(`walk@${d.slice(0, eq)}`);
}
const gather = Buffer.allocUnsafe(4 << 20);
const paths = {
  walk: async (b) => {
    const fault = walkBatchMod.walkBatchSync(b.batch, walk, LIMIT);
    const f = fault === walkBatchMod.WALK_ASYNC ? await walkBatchMod.walkBatch(b.batch, walk, LIMIT) : fault;
    if (f !== 0) throw new Error(`walk fault ${f}`);
  },
  wasm: async (b) => {
    const body = b.batch.subarray(RECORDS_OFFSET);
    const bound = compression.scanZstdFrames(body).bound;
    if (!compression.zstdWasmFits(body.length, bound)) return false;
    walk.begin(b.count, 0);
    wasmMod.zstdWasmDecodeInto(body, bound, { push: (c, s, e) => (walkRecords(walk, c, s, e, true), true) });
    if (walk.finish() !== 0) throw new Error('walk fault');
  },
  'native-async': async (b) => {
    const body = b.batch.subarray(RECORDS_OFFSET);
    compression.scanZstdFrames(body);
    const out = await binding.decompress(body);
    walkOut(new RecordWalk(), out, 0, out.length, b.count);
  },
  'zlib-sync': async (b) => {
    if (typeof zlib.zstdDecompressSync !== 'function') return false;
    const body = b.batch.subarray(RECORDS_OFFSET);
    compression.scanZstdFrames(body);
    const out = zlib.zstdDecompressSync(body, { maxOutputLength: LIMIT });
    walkOut(walk, out, 0, out.length, b.count);
  },
  'zlib-reused': async (b) => {
    if (nativeMod === null || !nativeMod.zstdNativeReady()) return false;
    const body = b.batch.subarray(RECORDS_OFFSET);
    compression.scanZstdFrames(body);
    // Chunks gathered into one reused buffer (a copy), then walked, as the other paths walk.
    let n = 0;
    nativeMod.zstdNativeDecodeInto(body, LIMIT, { push: (c, s, e) => ((n += c.copy(gather, n, s, e)), true) });
    walkOut(walk, gather, 0, n, b.count);
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`node ${process.version}, dist ${path.relative(process.cwd(), dist) || '.'}, ${mb} MB per size and round, ${rounds} rounds, concurrency ${concurrency}`);
console.log('path          batch      ratio   MB/s   loop ms/MB  cpu ms/MB | best: MB/s  cpu ms/MB');
for (const size of sizes) {
  const b = makeBatch(size);
  const ratio = (b.recordsBytes / (b.batch.length - RECORDS_OFFSET)).toFixed(2);
  // Rounds interleave the paths (each round runs every path once), so that load from other
  // processes falls on all of them alike.
  const live = [];
  for (const name of wanted) {
    const run = paths[name] ?? walkPaths[name];
    if (run === undefined) throw new Error(`unknown path ${name}`);
    if ((await run(b)) === false) continue; // not available here
    for (let i = 0; i < 50; i++) await run(b); // warm-up
    live.push({ name, run, mbs: [], loop: [], cpu: [] });
  }
  const n = Math.max(1, Math.round((mb * 2 ** 20) / b.recordsBytes));
  for (let r = 0; r < rounds; r++) {
    for (const p of live) {
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      if (concurrency > 1 && p.name === 'native-async') {
        let left = n;
        const lane = async () => {
          while (left-- > 0) await p.run(b);
        };
        await Promise.all(Array.from({ length: concurrency }, lane));
      } else {
        for (let i = 0; i < n; i++) await p.run(b);
      }
      const ms = performance.now() - t0;
      const elu = performance.eventLoopUtilization(elu0);
      const c = process.cpuUsage(cpu0);
      const mbDone = (n * b.recordsBytes) / 2 ** 20;
      p.mbs.push(mbDone / (ms / 1000));
      p.loop.push(elu.active / mbDone);
      p.cpu.push((c.user + c.system) / 1000 / mbDone);
    }
  }
  const label = `${size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`}`;
  for (const p of live) {
    console.log(`${p.name.padEnd(13)} ${label.padEnd(9)} ${ratio.padStart(6)} ${median(p.mbs).toFixed(0).padStart(6)} ${median(p.loop).toFixed(2).padStart(11)} ${median(p.cpu).toFixed(2).padStart(10)} | ${Math.max(...p.mbs).toFixed(0).padStart(10)} ${Math.min(...p.cpu).toFixed(2).padStart(10)}`);
  }
}
