// Record values that compress like real event payloads: 1 KiB of JSON-like text (an order with
// line items), different for every record, from a fixed-seed xorshift32 — the same bytes on
// every machine and run. lz4 shrinks a batch of them about 2x, zstd and gzip about 3-4x.
// ProducerPerformance's own payload (random upper-case letters, new for every record) does not:
// lz4 finds no matches in it at all and zstd/gzip only gain what entropy coding of 26 letters
// gives (~0.6), which measures a codec on data no producer sends.

import fs from 'node:fs';
import path from 'node:path';

/** 1 KiB (`size` bytes) of JSON-like text for record `i`; no newline in it. */
export function jsonRecord(i, size = 1024) {
  let s = ((i + 1) * 2654435761) >>> 0;
  const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>>= 0), s / 4294967296);
  let t = `{"seq":${i},"items":[`;
  while (t.length < size) t += `{"sku":"SKU-${Math.floor(rnd() * 100000)}","qty":${1 + Math.floor(rnd() * 9)},"price":${(rnd() * 500).toFixed(2)}},`;
  return Buffer.from(`${t}{}]}`.padEnd(size, ' ').slice(0, size));
}

/**
 * Writes `lines` newline-separated JSON-like records of `size` bytes (ProducerPerformance
 * --payload-file input: it sends a random line of the file as each record) into `dir`, once.
 */
export function ensureJsonPayloadFile(dir, lines = 10000, size = 1024) {
  const file = path.join(dir, `json-${size}b-${lines}.txt`);
  if (fs.existsSync(file) && fs.statSync(file).size === lines * (size + 1)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const nl = Buffer.from('\n');
  const parts = [];
  for (let i = 0; i < lines; i++) parts.push(jsonRecord(i, size), nl);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat(parts));
  fs.renameSync(tmp, file);
  return file;
}
