import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import {
  inspectFrame, registerInspectCommand, runInspectFrame, type InspectCommandIo, type InspectedFrame,
} from '../../src/cli/inspect.js';

/**
 * `millrace inspect frame` on golden captures (test/fixtures/golden/): the exported functions,
 * the commander wiring, and once the real `bin/millrace.js` as a child process.
 */

/** The repository root: the nearest folder upwards holding millrace's package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'millrace') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json of millrace not found');
    dir = parent;
  }
}

const ROOT = repoRoot();
const GOLDEN = join(ROOT, 'test', 'fixtures', 'golden');
const KCAT_API_VERSIONS = join(GOLDEN, 'kcat', '009-ApiVersions-v3-request.bin');
const KCAT_PRODUCE = join(GOLDEN, 'kcat', '003-Produce-v7-request.bin');
const KAFKAJS_FETCH_RESPONSE = join(GOLDEN, 'kafkajs', '009-Fetch-v11-response.bin');
const JAVA_METADATA_RESPONSE = join(GOLDEN, 'java', '017-Metadata-v13-response.bin');
const GARBAGE = Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');

class Capture {
  out = '';
  err = '';
  exitCode = 0;
  readonly io: InspectCommandIo;

  constructor(stdin: Buffer = Buffer.alloc(0)) {
    this.io = {
      stdin: (async function* () {
        yield stdin;
      })(),
      stdout: { write: (s: string) => (this.out += s) },
      stderr: { write: (s: string) => (this.err += s) },
      setExitCode: (code: number) => {
        this.exitCode = code;
      },
    };
  }

  json(): InspectedFrame {
    return JSON.parse(this.out) as InspectedFrame;
  }
}

/** Runs `millrace inspect frame ...args` through commander, in this process. */
async function cli(args: string[], stdin?: Buffer): Promise<Capture> {
  const capture = new Capture(stdin);
  const program = new Command('millrace').exitOverride();
  registerInspectCommand(program, capture.io);
  await program.parseAsync(['inspect', 'frame', ...args], { from: 'user' });
  return capture;
}

function withSizePrefix(frame: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(frame.length);
  return Buffer.concat([prefix, frame]);
}

test('inspectFrame decodes a request: header, API and body from the frame itself', async () => {
  const frame = await inspectFrame(readFileSync(KCAT_API_VERSIONS));
  assert.deepEqual(frame, {
    direction: 'request',
    apiKey: 18,
    apiName: 'ApiVersions',
    apiVersion: 3,
    headerVersion: 2,
    sizePrefixed: false,
    header: { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'rdkafka' },
    body: { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2', clusterId: null, nodeId: -1 },
  });
});

test('inspectFrame shows record batches of a Produce request with their records as text', async () => {
  const frame = await inspectFrame(readFileSync(KCAT_PRODUCE));
  assert.equal(frame.apiName, 'Produce');
  const body = frame.body as { topicData: { name: string; partitionData: { records: Record<string, unknown> }[] }[] };
  assert.equal(body.topicData[0]!.name, 'golden-kcat');
  const records = body.topicData[0]!.partitionData[0]!.records as {
    base64: string;
    batches: { baseOffset: number; recordCount: number; compression: string; records: { key: unknown; value: unknown; headers: unknown }[] }[];
  };
  assert.equal(typeof records.base64, 'string');
  const batch = records.batches[0]!;
  assert.equal(batch.compression, 'snappy');
  assert.equal(batch.baseOffset, 0);
  assert.equal(batch.records.length, batch.recordCount);
  const { timestamp, ...first } = batch.records[0] as Record<string, unknown>;
  assert.equal(typeof timestamp, 'number');
  assert.deepEqual(first, { offset: 0, key: 'k0', value: 'v0'.repeat(10), headers: [{ key: 'h', value: 'snappy' }] });
});

test('a response needs --response with the API and version; uuids, int64 and bytes become JSON', async () => {
  const metadata = await cli(['--response', '--api', 'metadata', '--api-version', '13', JAVA_METADATA_RESPONSE]);
  assert.equal(metadata.err, '');
  assert.equal(metadata.exitCode, 0);
  const m = metadata.json();
  assert.equal(m.direction, 'response');
  assert.equal(m.apiKey, 3);
  assert.equal(m.apiName, 'Metadata');
  assert.deepEqual(m.header, { correlationId: 5 });
  const topic = (m.body as { topics: { name: string; topicId: string }[] }).topics[0]!;
  assert.equal(topic.name, 'golden-java');
  assert.match(topic.topicId, /^[A-Za-z0-9_-]{22}$/, 'topic id in Kafka\'s base64url form');

  const fetch = await cli(['--response', '--api-key', '1', '--api-version', '11', '--bytes', 'hex', '--compact', KAFKAJS_FETCH_RESPONSE]);
  assert.equal(fetch.exitCode, 0);
  assert.equal(fetch.out.trimEnd().split('\n').length, 1, '--compact prints one line');
  const f = fetch.json();
  assert.equal(f.apiName, 'Fetch');
  const partition = (f.body as { responses: { partitions: { highWatermark: unknown; records: { hex?: string; batches: unknown[] } }[] }[] })
    .responses[0]!.partitions[0]!;
  assert.equal(typeof partition.highWatermark, 'string', 'int64 as a string');
  assert.equal(typeof partition.records.hex, 'string', '--bytes hex');
  assert.ok(partition.records.batches.length > 0);

  const missing = await cli(['--response', '--api-key', '1', KAFKAJS_FETCH_RESPONSE]);
  assert.equal(missing.exitCode, 1);
  assert.equal(missing.err, 'error: --response needs the version of the request it answers: --api-version V\n');
});

test('a size prefix is detected and stripped', async () => {
  const plain = await inspectFrame(readFileSync(KCAT_API_VERSIONS));
  const prefixed = await inspectFrame(withSizePrefix(readFileSync(KCAT_API_VERSIONS)));
  assert.equal(prefixed.sizePrefixed, true);
  assert.deepEqual({ ...prefixed, sizePrefixed: false }, plain);
  const response = await cli(['--response', '--api', 'Fetch', '--api-version', '11', '-'], withSizePrefix(readFileSync(KAFKAJS_FETCH_RESPONSE)));
  assert.equal(response.exitCode, 0, response.err);
  assert.equal(response.json().sizePrefixed, true);
});

test('--hex reads hex text from stdin', async () => {
  const hex = readFileSync(KCAT_API_VERSIONS).toString('hex').replace(/(.{32})/g, '$1\n');
  const run = await cli(['--hex'], Buffer.from(hex));
  assert.equal(run.exitCode, 0, run.err);
  assert.deepEqual(run.json(), await inspectFrame(readFileSync(KCAT_API_VERSIONS)));
  const bad = await cli(['--hex'], Buffer.from('00 12 zz'));
  assert.equal(bad.exitCode, 1);
  assert.equal(bad.err, 'error: --hex input holds characters other than hex digits\n');
});

test('garbage, truncated frames and leftover bytes: exit code 1 and one line on stderr', async () => {
  const io = new Capture(GARBAGE);
  assert.equal(await runInspectFrame(undefined, {}, io.io), 1);
  assert.equal(io.out, '');
  assert.match(io.err, /^error: not a Kafka request frame: unknown API key \d+ .*\n$/);
  assert.equal(io.err.split('\n').length, 2, 'one line');

  const truncated = await cli(['-'], readFileSync(KCAT_PRODUCE).subarray(0, 40));
  assert.equal(truncated.exitCode, 1);
  assert.match(truncated.err, /^error: not a Kafka request frame: .*field topicData\.name.*\n$/);

  const extra = await cli(['-'], Buffer.concat([readFileSync(KCAT_API_VERSIONS), Buffer.from([0, 0])]));
  assert.equal(extra.exitCode, 1);
  assert.match(extra.err, /^error: 2 bytes left after the ApiVersions v3 request .*\n$/);

  const wrongApi = await cli(['--response', '--api', 'Produce', '--api-version', '7', KAFKAJS_FETCH_RESPONSE]);
  assert.equal(wrongApi.exitCode, 1);
  assert.match(wrongApi.err, /^error: (not a Kafka Produce v7 response frame: |\d+ bytes left after the Produce v7 response)/);

  const noFile = await cli([join(GOLDEN, 'no-such-file.bin')]);
  assert.equal(noFile.exitCode, 1);
  assert.match(noFile.err, /^error: cannot read .*no-such-file\.bin: ENOENT\n$/);

  const requestFlags = await cli(['--api-key', '0', KCAT_PRODUCE]);
  assert.equal(requestFlags.exitCode, 1);
  assert.match(requestFlags.err, /add --response/);
});

// bin/millrace.js imports the bundle in dist/bundle/: `npm test` builds it before running tests.
// (`npm test`), not from a build in another folder.

test('node bin/millrace.js inspect frame, as a child process', () => {
  const bin = join(ROOT, 'bin', 'millrace.js');
  const ok = spawnSync(process.execPath, [bin, 'inspect', 'frame', KCAT_PRODUCE], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  const frame = JSON.parse(ok.stdout) as InspectedFrame;
  assert.equal(frame.apiName, 'Produce');
  assert.deepEqual(frame.header, { requestApiKey: 0, requestApiVersion: 7, correlationId: 4, clientId: 'rdkafka' });

  const hex = spawnSync(process.execPath, [bin, 'inspect', 'frame', '--hex', '--compact'],
    { encoding: 'utf8', input: readFileSync(KCAT_API_VERSIONS).toString('hex') });
  assert.equal(hex.status, 0, hex.stderr);
  assert.equal((JSON.parse(hex.stdout) as InspectedFrame).apiName, 'ApiVersions');

  const garbage = spawnSync(process.execPath, [bin, 'inspect', 'frame', '-'], { encoding: 'utf8', input: GARBAGE });
  assert.equal(garbage.status, 1);
  assert.equal(garbage.stdout, '');
  assert.match(garbage.stderr, /^error: not a Kafka request frame: [^\n]*\n$/);

  const help = spawnSync(process.execPath, [bin, 'inspect', 'frame', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Examples:\n {2}millrace inspect frame /);
});
