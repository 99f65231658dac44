/**
 * The codec internals of the two Node.js clients we compare with: kafkajs 2.2.4 (CommonJS,
 * pure JS; a devDependency) and @platformatic/kafka 1.x (ESM; its package exports only the
 * root, so its dist/ modules are imported by file URL). @platformatic/kafka is not in the
 * project's package.json (its 1.27+ helpers declare Node >= 22.19, which made `npm ci` warn on
 * Node 20): the first run installs PLATFORMATIC_KAFKA into bench/.cache/protocol-clients/.
 * Only the calls the benchmark makes are typed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findRepoRoot } from '../../tools/codegen/paths.js';

const require = createRequire(import.meta.url);

// ---- kafkajs --------------------------------------------------------------------------

export interface KafkajsMessage {
  key: Buffer;
  value: Buffer;
  timestamp: number;
}

export interface KafkajsProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  compression: number;
  topicData: Array<{ topic: string; partitions: Array<{ partition: number; firstSequence?: number; messages: KafkajsMessage[] }> }>;
}

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
}

export interface Kafkajs {
  produceV7(args: KafkajsProduceArgs): KafkajsRequest;
  /** Request header + size prefix around an API request (kafkajs/src/protocol/request.js). */
  frame(args: { correlationId: number; clientId: string; request: KafkajsRequest }): Promise<{ buffer: Buffer }>;
  /** Fetch v11 response: body after the correlation id. */
  fetchV11: { decode(payload: Buffer): Promise<unknown>; parse(decoded: unknown): Promise<unknown> };
  crc32c(data: Buffer): number;
  gzip: { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(data: Buffer): Promise<Buffer> };
}

export function loadKafkajs(): Kafkajs {
  return {
    produceV7: require('kafkajs/src/protocol/requests/produce/v7/request.js') as Kafkajs['produceV7'],
    frame: require('kafkajs/src/protocol/request.js') as Kafkajs['frame'],
    fetchV11: require('kafkajs/src/protocol/requests/fetch/v11/response.js') as Kafkajs['fetchV11'],
    crc32c: require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as Kafkajs['crc32c'],
    gzip: require('kafkajs/src/protocol/message/compression/gzip.js') as Kafkajs['gzip'],
  };
}

// ---- @platformatic/kafka ----------------------------------------------------------------

export interface PlatformaticMessage {
  topic: string;
  partition: number;
  key: Buffer;
  value: Buffer;
  timestamp: bigint;
}

interface PlatformaticWriter {
  readonly buffer: Buffer;
  appendInt16(v: number): PlatformaticWriter;
  appendInt32(v: number): PlatformaticWriter;
  appendString(v: string | null, compact?: boolean): PlatformaticWriter;
  appendTaggedFields(): PlatformaticWriter;
  appendFrom(w: PlatformaticWriter): PlatformaticWriter;
  prependLength(): PlatformaticWriter;
}

interface PlatformaticReader {
  readonly position: number;
}

interface CompressionAlgorithm {
  compressSync(data: Buffer): Buffer;
  decompressSync(data: Buffer): Buffer;
  available: boolean;
}

export interface Platformatic {
  version: string;
  /** produce-v11 createRequest(acks, timeout, messages, options): the request body writer. */
  createProduceRequest(acks: number, timeout: number, messages: PlatformaticMessage[], options?: object): PlatformaticWriter;
  /** fetch-v17 parseResponse(correlationId, apiKey, apiVersion, reader over the body). */
  parseFetchResponse(correlationId: number, apiKey: number, apiVersion: number, reader: PlatformaticReader): unknown;
  Writer: { create(): PlatformaticWriter };
  Reader: { from(buf: Buffer): PlatformaticReader };
  /** The crc32c the client uses (@node-rs/crc32 when it loads, else wasm). */
  crc32c(data: Buffer): number;
  crc32cWasm(data: Buffer): number;
  crc32cJs(data: Buffer): number;
  crc32cIsNative: boolean;
  compression: Record<'gzip' | 'snappy' | 'lz4' | 'zstd', CompressionAlgorithm>;
}

/** The version bench/results/2026-11-24-protocol-codecs.json was measured with. */
export const PLATFORMATIC_KAFKA = '@platformatic/kafka@1.35.0';

/** bench/.cache/protocol-clients/node_modules, with PLATFORMATIC_KAFKA installed (npm, once). */
function platformaticModules(): string {
  const dir = join(findRepoRoot(), 'bench', '.cache', 'protocol-clients');
  const version = PLATFORMATIC_KAFKA.slice(PLATFORMATIC_KAFKA.lastIndexOf('@') + 1);
  const pkgFile = join(dir, 'node_modules', '@platformatic', 'kafka', 'package.json');
  if (!existsSync(pkgFile) || (require(pkgFile) as { version: string }).version !== version) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'millrace-bench-protocol-clients', private: true }, null, 2));
    console.error(`installing ${PLATFORMATIC_KAFKA} into ${dir}`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', PLATFORMATIC_KAFKA], { cwd: dir, stdio: ['ignore', 2, 2] }); // stdout stays the benchmark's (--json)
  }
  return join(dir, 'node_modules');
}

export async function loadPlatformatic(): Promise<Platformatic> {
  const main = createRequire(join(platformaticModules(), 'noop.js')).resolve('@platformatic/kafka');
  const dist = dirname(main);
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(dist, path)).href)) as T;
  const produce = await load<{ createRequest: Platformatic['createProduceRequest'] }>('apis/producer/produce-v11.js');
  const fetch = await load<{ parseResponse: Platformatic['parseFetchResponse'] }>('apis/consumer/fetch-v17.js');
  const writer = await load<{ Writer: Platformatic['Writer'] }>('protocol/writer.js');
  const reader = await load<{ Reader: Platformatic['Reader'] }>('protocol/reader.js');
  const crc = await load<{ crc32c: Platformatic['crc32c']; jsCRC32C: Platformatic['crc32c']; loadNativeCRC32C(): unknown }>('protocol/crc32c.js');
  const wasm = await import(pathToFileURL(require.resolve('@platformatic/wasm-utils', { paths: [dist] })).href) as { crc32c: Platformatic['crc32c'] };
  const compression = await load<{ compressionsAlgorithms: Platformatic['compression'] }>('protocol/compression.js');
  const pkg = require(join(dist, '..', 'package.json')) as { version: string };
  return {
    version: pkg.version,
    createProduceRequest: produce.createRequest,
    parseFetchResponse: fetch.parseResponse,
    Writer: writer.Writer,
    Reader: reader.Reader,
    crc32c: crc.crc32c,
    crc32cWasm: wasm.crc32c,
    crc32cJs: crc.jsCRC32C,
    crc32cIsNative: crc.loadNativeCRC32C() !== null,
    compression: compression.compressionsAlgorithms,
  };
}

export function kafkajsVersion(): string {
  return (require('kafkajs/package.json') as { version: string }).version;
}
