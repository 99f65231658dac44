/**
 * Issue 3's last proof: record batches that OUR encoder builds and compresses (none, gzip,
 * snappy in xerial framing, lz4, zstd) are accepted by a real broker (which validates and
 * decompresses them on append) and read back, record for record, by clients we did not write.
 *
 * The suite, registered once per broker: protocol-readback.test.ts runs it against Apache Kafka
 * 4.4.0 (or what MILLRACE_COMPAT_TARGET / MILLRACE_COMPAT_BOOTSTRAP name, setup/target.ts),
 * broker-protocol-readback.test.ts against the Millrace broker. Every step (topic creation,
 * produce, reads) goes to that broker.
 *
 * Steps: one topic per codec (3 partitions), created with CreateTopics encoded by our codecs;
 * per partition BATCHES record batches built with encodeBatch, sent in Produce requests (acks=-1,
 * v9+) encoded by our codecs; every partition answer must be error 0 at the expected base
 * offset. Then a raw Fetch checks the broker kept our batches byte for byte (so the clients
 * decompress our bytes, not a re-compression), and each client reads each topic from the
 * beginning and must return exactly the records we produced: partition, offset, key, value,
 * headers, timestamp. A client that needs a feature the broker lacks (CompatClient.needs,
 * CompatTarget.lacks) must fail for that reason, and fails the test the day it reads.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CompressionType, encodeBatch, type RecordInput } from '../../src/protocol/records/index.js';
import { CLIENTS, type CompatClient, type DriverCommand } from './clients/index.js';
import { DriverError, killDrivers, runDriver, type DriverRecord } from './clients/run.js';
import { startTarget, type BrokerFeature, type CompatTarget, type TargetOptions } from './setup/target.js';
import { createTopics, fetchRaw, produce, WireClient } from '../helpers/wire-client.js';

const CODECS: readonly [name: string, codec: CompressionType][] = [
  ['none', CompressionType.None],
  ['gzip', CompressionType.Gzip],
  ['snappy', CompressionType.Snappy],
  ['lz4', CompressionType.Lz4],
  ['zstd', CompressionType.Zstd],
];
const PARTITIONS = 3;
/** Records per batch, for the batches of each partition (sent in this order). */
const BATCHES = [1, 6, 11] as const;
const RECORDS_PER_TOPIC = PARTITIONS * BATCHES.reduce((a, b) => a + b, 0);
const DRIVER_TIMEOUT_MS = 30_000;

type Expected = Omit<DriverRecord, 'partition' | 'offset'>;

/** Deterministic bytes that do not compress (xorshift32). */
function noise(seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Record `r` of batch `b` of partition `p`: every kind of key (null, empty, text, binary,
 * non-ASCII), values empty, null, short text, ~10 KiB (compressible text plus noise),
 * headers none, several, a repeated key, an empty value and a null value, timestamps that
 * also go backwards inside a batch.
 */
function recordFor(p: number, b: number, r: number, baseTime: number): RecordInput {
  const id = `${p}-${b}-${r}`;
  const keys = [null, Buffer.alloc(0), Buffer.from(`key-${id}`), Buffer.from([0, 0xff, 0x80, p, b, r]), Buffer.from(`ключ-${id}-✓`)];
  const key = keys[(b + r) % keys.length]!;
  let value: Buffer | null;
  if (r === 0 && b === 0) value = Buffer.alloc(0);
  else if (r === 1) value = Buffer.concat([Buffer.from(`big ${id} `.repeat(512)).subarray(0, 6144), noise(p * 1000 + b * 100 + r, 4096)]);
  else if (r === 2 && b === 1) value = null;
  else value = Buffer.from(`value ${id} `.repeat(r + 1));
  const headerSets: RecordInput['headers'][] = [
    [],
    [{ key: 'trace-id', value: Buffer.from(`t-${id}`) }],
    [{ key: 'dup', value: Buffer.from('a') }, { key: 'other', value: Buffer.from('x') }, { key: 'dup', value: Buffer.from('b') }],
    [{ key: 'empty', value: Buffer.alloc(0) }, { key: 'none', value: null }, { key: 'ünï', value: Buffer.from('ok') }],
  ];
  const timestamp = baseTime + p * 100_000 + b * 1_000 + (r === 3 ? -5 : r * 7);
  return { key, value, headers: headerSets[r % headerSets.length]!, timestamp };
}

const b64 = (b: Uint8Array | null | undefined): string | null => (b === null || b === undefined ? null : Buffer.from(b).toString('base64'));

function expectedOf(record: RecordInput): Expected {
  return {
    key_b64: b64(record.key), value_b64: b64(record.value),
    headers: (record.headers ?? []).map((h) => [h.key, b64(h.value)] as [string, string | null]),
    timestamp: record.timestamp!,
  };
}

/** Headers as a client with a key → values map gives them: grouped by key, first appearance first. */
export function grouped(headers: [string, string | null][]): [string, string | null][] {
  const order: string[] = [];
  const byKey = new Map<string, [string, string | null][]>();
  for (const h of headers) {
    if (!byKey.has(h[0])) {
      order.push(h[0]);
      byKey.set(h[0], []);
    }
    byKey.get(h[0])!.push(h);
  }
  return order.flatMap((k) => byKey.get(k)!);
}

interface ProducedTopic {
  codec: string;
  name: string;
  id: Buffer;
  /** Expected records by `${partition}:${offset}`. */
  records: Map<string, Expected>;
  /** The batches we sent, per partition, in order. */
  batches: Buffer[][];
}

function compare(client: CompatClient, topic: ProducedTopic, records: DriverRecord[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const got of records) {
    const at = `${got.partition}:${got.offset}`;
    const want = topic.records.get(at);
    if (seen.has(at)) problems.push(`${at}: read twice`);
    seen.add(at);
    if (want === undefined) {
      problems.push(`${at}: not a record we produced`);
      continue;
    }
    const wantHeaders = client.headers === 'grouped' ? grouped(want.headers) : want.headers;
    for (const [field, a, b] of [
      ['key', got.key_b64, want.key_b64], ['value', got.value_b64, want.value_b64],
      ['headers', JSON.stringify(got.headers), JSON.stringify(wantHeaders)], ['timestamp', got.timestamp, want.timestamp],
    ] as const) {
      if (a !== b) problems.push(`${at} ${field}: got ${String(a).slice(0, 120)}, want ${String(b).slice(0, 120)}`);
    }
  }
  for (const at of topic.records.keys()) if (!seen.has(at)) problems.push(`${at}: not read`);
  if (problems.length > 0) {
    assert.fail(`${client.id} read ${records.length} of ${topic.records.size} records of ${topic.name}; ` +
      `${problems.length} problems:\n  ${problems.slice(0, 15).join('\n  ')}`);
  }
}

/** First line of an error, for the summary table. */
const short = (e: unknown): string => String((e as Error).message ?? e).split('\n')[0]!.slice(0, 100);

/**
 * Registers the read-back tests (hooks included) against the broker `options` names: see
 * setup/target.ts (Apache Kafka unless the environment or `options.kind` says otherwise).
 */
export function protocolReadbackSuite(options: TargetOptions = {}): void {
  let target: CompatTarget | undefined;
  const topics: ProducedTopic[] = [];
  /** Client set-up starts in before() so installs overlap with the broker's start-up. */
  const prepared = new Map<string, Promise<DriverCommand>>();
  /** client → codec → outcome, printed as a table at the end. */
  const outcomes = new Map<string, Map<string, string>>();
  const versions = new Map<string, string>();

  before(async () => {
    for (const client of CLIENTS) {
      const p = client.prepare();
      p.catch(() => {}); // reported by the client's own test
      prepared.set(client.id, p);
    }
    target = await startTarget(options);
    const conn = await WireClient.connect(target.bootstrap, { apiVersions: true, clientId: 'millrace-compat-readback' });
    try {
      const run = randomBytes(4).toString('hex');
      const names = CODECS.map(([codec]) => ({ codec, name: `compat-readback-${codec}-${run}` }));
      const ids = await createTopics(conn, names.map((t) => ({ name: t.name, partitions: PARTITIONS })));
      const baseTime = Date.now() - 3_600_000;
      for (const [i, [codec, compression]] of CODECS.entries()) {
        const topic: ProducedTopic = {
          codec, name: names[i]!.name, id: ids.get(names[i]!.name)!, records: new Map(),
          batches: Array.from({ length: PARTITIONS }, () => []),
        };
        const next = new Array<number>(PARTITIONS).fill(0);
        for (const [b, count] of BATCHES.entries()) {
          const sent = new Map<number, Buffer>();
          const pending: [number, RecordInput[]][] = [];
          for (let p = 0; p < PARTITIONS; p++) {
            const records = Array.from({ length: count }, (_, r) => recordFor(p, b, r, baseTime));
            const batch = await encodeBatch(records, { compression });
            sent.set(p, batch);
            topic.batches[p]!.push(batch);
            pending.push([p, records]);
          }
          const answers = await produce(conn, topic.name, sent, 9);
          for (const { partition, baseOffset } of answers) {
            assert.equal(baseOffset, next[partition], `${topic.name}/${partition}: base offset of batch ${b}`);
          }
          for (const [p, records] of pending) {
            for (const record of records) topic.records.set(`${p}:${next[p]!++}`, expectedOf(record));
          }
        }
        topics.push(topic);
      }
    } finally {
      conn.close();
    }
  });

  after(async () => {
    killDrivers();
    await target?.stop();
    const codecs = CODECS.map(([c]) => c);
    const rows = [...outcomes].map(([client, byCodec]) =>
      `| ${client} | ${versions.get(client) ?? '?'} | ${codecs.map((c) => byCodec.get(c) ?? '-').join(' | ')} |`);
    if (rows.length > 0) {
      console.log([
        `protocol read-back through ${target?.name ?? '?'} (${RECORDS_PER_TOPIC} records per codec):`,
        `| client | version | ${codecs.join(' | ')} |`, `| --- | --- | ${codecs.map(() => '---').join(' | ')} |`, ...rows,
      ].join('\n'));
    }
  });

  test('the broker stores our batches byte for byte (so clients read our compression)', async () => {
    assert.ok(target !== undefined && topics.length === CODECS.length, 'set-up did not finish');
    const conn = await WireClient.connect(target.bootstrap, { apiVersions: true, clientId: 'millrace-compat-readback' });
    try {
      for (const topic of topics) {
        for (let p = 0; p < PARTITIONS; p++) {
          const stored = await fetchRaw(conn, topic, p, 0);
          let pos = 0;
          for (const [i, sent] of topic.batches[p]!.entries()) {
            assert.ok(pos + 12 <= stored.length, `${topic.name}/${p}: batch ${i} missing from the fetch`);
            const size = 12 + stored.readInt32BE(pos + 8);
            const batch = stored.subarray(pos, pos + size);
            // base offset (0-7) and partition leader epoch (12-15) are the broker's; the CRC
            // (17-20) covers everything after it, so the rest must be what we sent
            assert.equal(size, sent.length, `${topic.name}/${p}: batch ${i} size`);
            assert.ok(batch.subarray(16).equals(sent.subarray(16)), `${topic.name}/${p}: batch ${i} was rewritten by the broker`);
            pos += size;
          }
          assert.equal(pos, stored.length, `${topic.name}/${p}: more bytes than the batches we sent`);
        }
      }
    } finally {
      conn.close();
    }
  });

  for (const client of CLIENTS) {
    test(`${client.id} reads back our batches, every codec`, async (t) => {
      const byCodec = new Map<string, string>();
      outcomes.set(client.id, byCodec);
      let cmd: DriverCommand;
      try {
        cmd = await prepared.get(client.id)!;
      } catch (e) {
        for (const [codec] of CODECS) byCodec.set(codec, `SET-UP FAILED: ${short(e)}`);
        throw e;
      }
      assert.ok(target !== undefined && topics.length === CODECS.length, 'set-up did not finish');
      const read = (topic: ProducedTopic) => runDriver(cmd, {
        bootstrap: target!.bootstrap, topic: topic.name, count: RECORDS_PER_TOPIC, timeoutMs: DRIVER_TIMEOUT_MS,
      });
      const lacking = Object.entries(client.needs ?? {}).find(([feature]) => target!.lacks[feature as BrokerFeature] !== undefined);
      for (const topic of topics) {
        if (lacking !== undefined) {
          const [feature, stderr] = lacking as [BrokerFeature, RegExp];
          const reason = target.lacks[feature]!;
          await t.test(`${topic.codec}: the broker lacks what the client needs, must fail: ${reason}`, async () => {
            byCodec.set(topic.codec, 'FAILED');
            const outcome = await read(topic).then(() => null, (e: unknown) => e);
            if (outcome === null) {
              assert.fail(`${client.id} now reads from ${target!.name}: remove ${feature} from its lacks in test/compat/setup/target.ts (${reason})`);
            }
            if (!(outcome instanceof DriverError) || !stderr.test(outcome.stderr)) throw outcome;
            byCodec.set(topic.codec, `cannot (broker: ${feature})`);
          });
          continue;
        }
        const limit = client.cannotRead?.[topic.codec];
        if (limit !== undefined) {
          await t.test(`${topic.codec}: known client limitation, must fail: ${limit.reason}`, async () => {
            byCodec.set(topic.codec, 'FAILED');
            const outcome = await read(topic).then(() => null, (e: unknown) => e);
            if (outcome === null) {
              assert.fail(`${client.id} now reads ${topic.codec}: remove it from cannotRead in test/compat/clients/index.ts`);
            }
            if (!(outcome instanceof DriverError) || !limit.stderr.test(outcome.stderr)) throw outcome;
            byCodec.set(topic.codec, 'cannot (client)');
          });
          continue;
        }
        await t.test(topic.codec, async () => {
          byCodec.set(topic.codec, 'FAILED');
          try {
            const result = await read(topic);
            versions.set(client.id, result.client);
            compare(client, topic, result.records);
            byCodec.set(topic.codec, `ok ${result.records.length}`);
          } catch (e) {
            byCodec.set(topic.codec, `FAILED: ${short(e)}`);
            throw e;
          }
        });
      }
    });
  }
}
