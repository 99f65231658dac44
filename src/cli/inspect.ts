/**
 * `millrace inspect frame [file]`: decodes one captured Kafka request or response frame and
 * prints it as JSON, for people debugging a client. Requests say what they are in their
 * header; a response header holds only the correlation id, so the user names the API and
 * version of the request it answers. Record batches in `records` fields are also decoded.
 *
 * `inspectFrame` does the decoding (no I/O); `runInspectFrame` reads the input and writes the
 * output or one error line, returning the exit code; `registerInspectCommand` wires both into
 * commander.
 */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { codecName } from '../protocol/compression/index.js';
import { APIS, apiInfo, type ApiInfo } from '../protocol/generated/api-keys.js';
import { decodeRequestFrame, decodeResponseFrame } from '../protocol/header.js';
import { ProtocolDecodeError } from '../protocol/primitives/errors.js';
import {
  batchFaultMessage, BatchCursor, BatchFault, decodeBatch, parseControlRecordKey, parseEndTxnMarker, TimestampType,
  type DecodedRecord,
} from '../protocol/records/index.js';

export type BytesEncoding = 'base64' | 'hex';

export interface InspectFrameOptions {
  /** The input is hex text (whitespace and a leading 0x are ignored). */
  hex?: boolean;
  /** Decode a response; needs the API (apiKey or api) and apiVersion of its request. */
  response?: boolean;
  apiKey?: number;
  /** API name, e.g. `Produce` (any case). */
  api?: string;
  apiVersion?: number;
  /** False: never strip a size prefix, even when the first int32 looks like one (default true: detect). */
  sizePrefix?: boolean;
  /** How byte fields are shown: `{"base64": ...}` (default) or `{"hex": ...}`. */
  bytes?: BytesEncoding;
}

/** What `inspect frame` prints. */
export interface InspectedFrame {
  direction: 'request' | 'response';
  apiKey: number;
  apiName: string;
  apiVersion: number;
  headerVersion: number;
  /** The input started with a 4-byte size prefix, which was stripped. */
  sizePrefixed: boolean;
  header: unknown;
  body: unknown;
}

/** A problem with the input or the options, reported as one line. */
export class InspectError extends Error {
  override readonly name = 'InspectError';
}

export interface InspectIo {
  stdin: AsyncIterable<Buffer | string>;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** Hex text to bytes: whitespace, a leading 0x and `:` separators are ignored. */
export function parseHex(text: string): Buffer {
  const digits = text.replace(/^\s*0x/i, '').replace(/[\s:]/g, '');
  if (!/^[0-9a-f]*$/i.test(digits)) throw new InspectError('--hex input holds characters other than hex digits');
  if (digits.length % 2 !== 0) throw new InspectError(`--hex input has an odd number of hex digits (${digits.length})`);
  return Buffer.from(digits, 'hex');
}

/** Strips a 4-byte size prefix when the first int32 equals the number of bytes after it. */
export function stripSizePrefix(frame: Buffer): { frame: Buffer; sizePrefixed: boolean } {
  if (frame.length >= 4 && frame.readInt32BE(0) === frame.length - 4) return { frame: frame.subarray(4), sizePrefixed: true };
  return { frame, sizePrefixed: false };
}

function responseApi(options: InspectFrameOptions): { api: ApiInfo; version: number } {
  let api: ApiInfo | undefined;
  if (options.api !== undefined) {
    const wanted = options.api.toLowerCase();
    api = APIS.find((a) => a.name.toLowerCase() === wanted);
    if (api === undefined) throw new InspectError(`unknown API name ${options.api} (e.g. Produce, Fetch, Metadata)`);
    if (options.apiKey !== undefined && options.apiKey !== api.apiKey) {
      throw new InspectError(`--api ${api.name} is API key ${api.apiKey}, not ${options.apiKey}`);
    }
  } else if (options.apiKey !== undefined) {
    api = apiInfo(options.apiKey);
    if (api === undefined) throw new InspectError(`unknown API key ${options.apiKey}`);
  } else {
    throw new InspectError('--response needs the API of the request it answers: --api-key N or --api Name');
  }
  const version = options.apiVersion;
  if (version === undefined) throw new InspectError('--response needs the version of the request it answers: --api-version V');
  const { lowest, highest } = api.validVersions;
  if (version < lowest || version > highest) {
    throw new InspectError(`unsupported version ${version} of ${api.name}; supported versions are ${lowest}-${highest}`);
  }
  return { api, version };
}

/** Decodes one frame (with or without its size prefix) into the JSON `inspect frame` prints. */
export async function inspectFrame(input: Buffer, options: InspectFrameOptions = {}): Promise<InspectedFrame> {
  const responseOnly = options.apiKey !== undefined || options.api !== undefined || options.apiVersion !== undefined;
  if (responseOnly && options.response !== true) {
    throw new InspectError('--api-key, --api and --api-version describe a response: add --response (a request names its API itself)');
  }
  if (input.length === 0) throw new InspectError('no input: the frame is empty');
  const { frame, sizePrefixed } = options.sizePrefix === false ? { frame: input, sizePrefixed: false } : stripSizePrefix(input);
  const bytes = options.bytes ?? 'base64';

  if (options.response === true) {
    const { api, version } = responseApi(options);
    let decoded;
    try {
      decoded = decodeResponseFrame(frame, api.apiKey, version);
    } catch (err) {
      throw new InspectError(`not a Kafka ${api.name} v${version} response frame: ${message(err)}`);
    }
    checkEnd(decoded.end, frame.length, `${api.name} v${version} response`);
    return {
      direction: 'response', apiKey: api.apiKey, apiName: api.name, apiVersion: version, headerVersion: decoded.headerVersion,
      sizePrefixed, header: await toJson(decoded.header, '', bytes), body: await toJson(decoded.body, '', bytes),
    };
  }

  let decoded;
  try {
    decoded = decodeRequestFrame(frame);
  } catch (err) {
    throw new InspectError(`not a Kafka request frame: ${message(err)}${RESPONSE_HINT}`);
  }
  const name = apiInfo(decoded.apiKey)!.name;
  checkEnd(decoded.end, frame.length, `${name} v${decoded.apiVersion} request`, RESPONSE_HINT);
  return {
    direction: 'request', apiKey: decoded.apiKey, apiName: name, apiVersion: decoded.apiVersion,
    headerVersion: decoded.headerVersion, sizePrefixed,
    header: await toJson(decoded.header, '', bytes), body: await toJson(decoded.body, '', bytes),
  };
}

/** A response read as a request usually fails in the header or leaves bytes over. */
const RESPONSE_HINT = ' (a response? add --response --api-key N --api-version V)';

function checkEnd(end: number, length: number, what: string, hint = ''): void {
  if (end !== length) {
    throw new InspectError(`${length - end} bytes left after the ${what} (decoded ${end} of ${length} bytes)${hint}`);
  }
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

/** Field names Kafka gives uuid fields; a 16-byte value there is shown as Kafka prints a Uuid. */
const UUID_FIELD = /(^id|Id)$/;

/**
 * Decoded message to JSON values: bigint as strings, uuids in Kafka's base64url form, other
 * bytes as `{base64}` / `{hex}`, `records` fields also as decoded batches.
 */
async function toJson(value: unknown, key: string, bytes: BytesEncoding): Promise<unknown> {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) {
    if (key === 'records') return { ...bytesJson(value, bytes), ...(await recordsJson(value, bytes)) };
    if (value.length === 16 && UUID_FIELD.test(key)) return value.toString('base64url');
    return bytesJson(value, bytes);
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await toJson(item, key, bytes));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await toJson(v, k, bytes);
    return out;
  }
  return value;
}

function bytesJson(buf: Buffer, bytes: BytesEncoding): { base64: string } | { hex: string } {
  return bytes === 'hex' ? { hex: buf.toString('hex') } : { base64: buf.toString('base64') };
}

/** UTF-8 text without control characters (tab and newlines allowed) as a string, else bytes. */
function textOrBytes(buf: Buffer | null, bytes: BytesEncoding): unknown {
  if (buf === null) return null;
  const text = buf.toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (Buffer.byteLength(text) === buf.length && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(text)) return text;
  return bytesJson(buf, bytes);
}

async function recordsJson(records: Buffer, bytes: BytesEncoding): Promise<Record<string, unknown>> {
  const batches: unknown[] = [];
  const cursor = new BatchCursor(records);
  while (cursor.next()) {
    const position = cursor.offset;
    try {
      const b = await decodeBatch(records, cursor.offset, cursor.offset + cursor.size);
      batches.push({
        position, sizeInBytes: b.sizeInBytes, baseOffset: b.baseOffset, lastOffsetDelta: b.lastOffsetDelta,
        recordCount: b.recordCount, compression: codecName(b.compression), magic: b.magic, crc: b.crc,
        partitionLeaderEpoch: b.partitionLeaderEpoch,
        timestampType: b.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime',
        baseTimestamp: b.baseTimestamp, maxTimestamp: b.maxTimestamp,
        producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence,
        transactional: b.isTransactional, control: b.isControl,
        records: b.records.map((r) => recordJson(r, b.isControl, bytes)),
      });
    } catch (err) {
      batches.push({ position, sizeInBytes: cursor.size, error: message(err) });
    }
  }
  const out: Record<string, unknown> = { batches };
  if (cursor.fault !== BatchFault.Ok) out['error'] = batchFaultMessage(cursor.fault);
  if (cursor.trailingBytes > 0) out['trailingBytes'] = cursor.trailingBytes;
  return out;
}

const CONTROL_TYPES = ['ABORT', 'COMMIT', 'LEADER_CHANGE', 'SNAPSHOT_HEADER', 'SNAPSHOT_FOOTER', 'KRAFT_VERSION', 'KRAFT_VOTERS'];

function recordJson(r: DecodedRecord, control: boolean, bytes: BytesEncoding): Record<string, unknown> {
  const out: Record<string, unknown> = {
    offset: r.offset, timestamp: r.timestamp, key: textOrBytes(r.key, bytes), value: textOrBytes(r.value, bytes),
    headers: r.headers.map((h) => ({ key: h.key, value: textOrBytes(h.value, bytes) })),
  };
  if (control) {
    try {
      const key = parseControlRecordKey(r.key);
      const type = CONTROL_TYPES[key.type] ?? `UNKNOWN(${key.type})`;
      out['controlType'] = type;
      if (key.type <= 1) out['coordinatorEpoch'] = parseEndTxnMarker(r.value).coordinatorEpoch;
    } catch (err) {
      out['controlError'] = message(err);
    }
  }
  return out;
}

async function readInput(file: string | undefined, io: InspectIo): Promise<Buffer> {
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (err) {
    throw new InspectError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? message(err)}`);
  }
}

export interface RunInspectFrameOptions extends InspectFrameOptions {
  /** One line of JSON instead of indented. */
  compact?: boolean;
}

/** Reads, decodes and prints a frame; on failure writes one `error: ...` line. Returns the exit code. */
export async function runInspectFrame(file: string | undefined, options: RunInspectFrameOptions, io: InspectIo): Promise<number> {
  try {
    const raw = await readInput(file, io);
    const input = options.hex === true ? parseHex(raw.toString('latin1')) : raw;
    const result = await inspectFrame(input, options);
    io.stdout.write(`${JSON.stringify(result, null, options.compact === true ? undefined : 2)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof InspectError || err instanceof ProtocolDecodeError)) throw err;
    io.stderr.write(`error: ${message(err)}\n`);
    return 1;
  }
}

function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('not an integer.');
  return Number(value);
}

const EXAMPLES = `
Examples:
  millrace inspect frame 001-Produce-v7-request.bin
  millrace inspect frame --response --api Produce --api-version 7 001-Produce-v7-response.bin
  echo 0012000300000001000772646b61666b61000b6c696272646b61666b6106322e302e3200 | millrace inspect frame --hex

The input may start with the 4-byte size prefix (stripped when its value equals the length
that follows). Byte fields print as {"base64": ...} (or {"hex": ...}); uuids in Kafka's
base64url form; int64 values as strings; record batches in "records" fields are decoded.`;

/** Where the command reads and writes, and how it reports its exit code (tests pass their own). */
export interface InspectCommandIo extends InspectIo {
  setExitCode(code: number): void;
}

// getters: touching process.stdin creates its stream, which only `inspect frame` wants
const PROCESS_IO: InspectCommandIo = {
  get stdin() {
    return process.stdin;
  },
  get stdout() {
    return process.stdout;
  },
  get stderr() {
    return process.stderr;
  },
  setExitCode(code) {
    process.exitCode = code;
  },
};

/** Adds `inspect frame` to the program. */
export function registerInspectCommand(program: Command, io: InspectCommandIo = PROCESS_IO): void {
  const inspect = program.command('inspect').description('look inside Kafka protocol data');
  inspect.command('frame')
    .description('decode one Kafka request or response frame and print it as JSON')
    .argument('[file]', 'file holding the frame (stdin when absent or -)')
    .option('--hex', 'the input is hex text rather than raw bytes')
    .option('--response', 'decode a response (give the API and version of its request)')
    .option('--api-key <n>', 'API key of the request a response answers', integer)
    .option('--api <name>', 'API name of the request a response answers (e.g. Fetch)')
    .option('--api-version <v>', 'version of the request a response answers', integer)
    .option('--no-size-prefix', 'never strip a size prefix, even when the first int32 looks like one')
    .addOption(new Option('--bytes <encoding>', 'how byte fields are shown').choices(['base64', 'hex']).default('base64'))
    .option('--compact', 'print one line of JSON')
    .addHelpText('after', EXAMPLES)
    .action(async (file: string | undefined, options: RunInspectFrameOptions) => {
      if (io === PROCESS_IO) {
        // `| head` closes the pipe early: not an error worth a stack trace
        process.stdout.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EPIPE') throw err;
        });
      }
      const code = await runInspectFrame(file, options, io);
      if (code !== 0) io.setExitCode(code);
    });
}
