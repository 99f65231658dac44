/**
 * Issue 5's proof: clients we did not write, each used as an application would use it, against
 * the Millrace broker (embedded in this process, setup/target.ts). Per client, one test:
 *
 * 1. create a 3-partition topic with the client's admin API (kcat has none: our wire client);
 * 2. produce 10,000 keyed records with headers, in one run per codec the client writes (none,
 *    gzip, snappy, lz4, zstd), idempotent where the client can be, partitioned by the client's
 *    own partitioner, and collect its delivery reports (partition and offset per record);
 * 3. read the topic back with our own Fetch: every record sits where its delivery report says,
 *    byte for byte, in batches of the codec it was produced with and (idempotent producers)
 *    with a producer id;
 * 4. consume from the beginning with the client's consumer (assign-style, no group; kafkajs can
 *    only consume in a group) and compare key, value, headers, timestamp and partition with
 *    what was produced;
 * 5. look offsets up by time (and the earliest and latest offsets) and compare them with what
 *    Kafka's rule gives on the log we read;
 * 6. describe a topic config, alter it, describe it again; 7. delete the topic.
 *
 * A step that cannot work until the broker has consumer groups (issue 6) is an expected
 * failure: it runs, must fail for that reason, and fails the test the day it passes.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { CompressionType, encodeBatch, type DecodedBatch } from '../../src/protocol/records/index.js';
import { CLIENTS, type DriverCommand } from './clients/index.js';
import { kcatOps } from './clients/kcat-ops.js';
import { offsetForTime, readTopic, topicMetadata, type TopicLog } from './clients/log-reader.js';
import {
  killOps, OPS_CLIENTS, startOps, tsvLine, type OpsClient, type OpsLine, type OpsResult, type ProduceRecord,
} from './clients/ops.js';
import { DriverError, killDrivers, runDriver, type DriverRecord } from './clients/run.js';
import { grouped } from './protocol-readback-suite.js';
import { MILLRACE_LACKS, startTarget, type BrokerFeature, type CompatTarget } from './setup/target.js';
import { WireClient } from '../helpers/wire-client.js';

const PARTITIONS = 3;
const COUNT = 10_000;
const CONFIG = { name: 'retention.ms', default: '604800000', value: '86400000' };
const CODEC_IDS: Readonly<Record<string, CompressionType>> = {
  none: CompressionType.None, gzip: CompressionType.Gzip, snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4, zstd: CompressionType.Zstd,
};
const CODEC_NAMES = Object.keys(CODEC_IDS);

/**
 * librdkafka turns lz4 on only when the broker has FindCoordinator (rdkafka_feature.c: LZ4
 * "depends" on FindCoordinator v0, the API that came with lz4 in Kafka 0.8.2) and otherwise
 * sends lz4 batches uncompressed.
 */
const LIBRDKAFKA_LZ4 = 'librdkafka enables lz4 only for brokers with FindCoordinator and sends lz4 batches uncompressed';
const LIBRDKAFKA = new Set(['kcat', 'confluent-kafka-python-debian', 'confluent-kafka-python-pypi']);
/**
 * Producers that send a batch uncompressed when compressing it does not make it smaller:
 * librdkafka (rd_kafka_msgset_writer_compress) and kafka-python (DefaultRecordBatchBuilder.
 * _maybe_compress). A one-record batch with a short random value often does not shrink.
 */
const SKIPS_USELESS_COMPRESSION = new Set([...LIBRDKAFKA, 'kafka-python']);

let target: CompatTarget | undefined;
const run = randomBytes(3).toString('hex');
const baseTime = Date.now() - 3_600_000;
const preparedOps = new Map<string, Promise<DriverCommand | null>>();
const preparedReaders = new Map<string, Promise<DriverCommand>>();
/** client → step → outcome, printed as a table at the end. */
const outcomes = new Map<string, Map<string, string>>();
const versions = new Map<string, string>();
const STEPS = ['create', 'produce', 'log', ...CODEC_NAMES, 'consume', 'offsets', 'configs', 'delete'] as const;

before(async () => {
  for (const client of OPS_CLIENTS) {
    const ops = client.prepare();
    ops.catch(() => {}); // reported by the client's own test
    preparedOps.set(client.id, ops);
    const reader = CLIENTS.find((c) => c.id === client.reader)!.prepare();
    reader.catch(() => {});
    preparedReaders.set(client.id, reader);
  }
  target = await startTarget({ kind: 'millrace' });
});

after(async () => {
  killOps();
  killDrivers();
  await target?.stop();
  const rows = [...outcomes].map(([client, steps]) =>
    `| ${client} | ${versions.get(client) ?? '?'} | ${STEPS.map((s) => steps.get(s) ?? '-').join(' | ')} |`);
  if (rows.length > 0) {
    console.log([
      `real clients against ${target?.name ?? '?'} (${COUNT} records, ${PARTITIONS} partitions):`,
      `| client | version | ${STEPS.join(' | ')} |`, `| --- | --- | ${STEPS.map(() => '---').join(' | ')} |`, ...rows,
    ].join('\n'));
  }
});

/** Records shaped to what the client's producer API can say (ops.ts RecordFeatures). */
function recordsFor(client: OpsClient): ProduceRecord[] {
  const f = client.features;
  const records: ProduceRecord[] = [];
  for (let i = 0; i < COUNT; i++) {
    const codec = client.codecs[Math.floor((i * client.codecs.length) / COUNT)]!;
    if (!f.binary) {
      records.push({
        codec, key: Buffer.from(`key-${i % 2500}`), value: Buffer.from(`value-${i}-${'x'.repeat(i % 40)}`), timestamp: null,
        headers: [['codec', Buffer.from(codec)], ['source', Buffer.from(client.id)]],
      });
      continue;
    }
    const key = i % 10 === 3 ? Buffer.from([0, 0xff, 0x80, i & 0xff, (i >> 8) & 0xff]) : Buffer.from(`key-${i % 2500}`);
    let value: Buffer | null = Buffer.concat([Buffer.from(`value-${i}-`), i % 4 === 0 ? Buffer.from([0, 1, 0xfe, 0xff]) : Buffer.from('x'.repeat(i % 40))]);
    if (i % 1000 === 1) value = null;
    else if (i % 1000 === 2) value = Buffer.alloc(0);
    const headers: [string, Buffer | null][] = [['id', Buffer.from(String(i))]];
    if (f.perRecordHeaders && i % 3 === 0) headers.push(['trace', Buffer.from(`t-${i}`)]);
    if (f.repeatedHeaderKeys && i % 5 === 0) headers.push(['dup', Buffer.from('a')], ['dup', Buffer.from('b')]);
    if (f.nullHeaderValues && i % 7 === 0) headers.push(['none', null]);
    if (i % 11 === 0) headers.push(['empty', Buffer.alloc(0)]);
    records.push({ codec, key, value, timestamp: f.timestamps ? baseTime + i : null, headers });
  }
  return records;
}

const b64 = (b: Buffer | null): string | null => (b === null ? null : b.toString('base64'));

interface Expected {
  key_b64: string | null;
  value_b64: string | null;
  headers: [string, string | null][];
  /** Exact, or null when the client stamped it (then within `window`). */
  timestamp: number | null;
}

const expectedOf = (r: ProduceRecord): Expected => ({
  key_b64: b64(r.key), value_b64: b64(r.value), headers: r.headers.map(([k, v]) => [k, b64(v)]), timestamp: r.timestamp,
});

/** Differences between a record read back and the one produced, as text (empty: equal). */
function differences(got: Omit<DriverRecord, 'partition' | 'offset'>, want: Expected, window: readonly [number, number]): string[] {
  const out: string[] = [];
  if (got.key_b64 !== want.key_b64) out.push(`key ${got.key_b64} != ${want.key_b64}`);
  if (got.value_b64 !== want.value_b64) out.push(`value ${String(got.value_b64).slice(0, 60)} != ${String(want.value_b64).slice(0, 60)}`);
  if (JSON.stringify(got.headers) !== JSON.stringify(want.headers)) out.push(`headers ${JSON.stringify(got.headers)} != ${JSON.stringify(want.headers)}`);
  if (want.timestamp !== null ? got.timestamp !== want.timestamp : got.timestamp < window[0] - 1000 || got.timestamp > window[1] + 1000) {
    out.push(`timestamp ${got.timestamp} != ${want.timestamp ?? `within ${window.join('..')}`}`);
  }
  return out;
}

function failIf(problems: readonly string[], what: string): void {
  if (problems.length > 0) assert.fail(`${what}: ${problems.length} problems:\n  ${problems.slice(0, 12).join('\n  ')}`);
}

/** What a produce run ended with: the record behind each (partition, offset), and more. */
interface Produced {
  records: ProduceRecord[];
  /** `${partition}:${offset}` → index of the record there. */
  at: Map<string, number>;
  window: [number, number];
}

/**
 * Runs a subtest that must fail for `reason`: a failure whose message does not match `why`
 * is a real failure, and a pass means the limitation is gone, so the entry must go too.
 */
async function expectedFailure(t: TestContext, name: string, reason: string, why: RegExp, fn: () => Promise<void>): Promise<boolean> {
  let ok = false;
  await t.test(`${name}: expected to fail: ${reason}`, async () => {
    const outcome = await fn().then(() => null, (e: unknown) => e);
    if (outcome === null) assert.fail(`${name} now works: remove its expected failure (${reason})`);
    const message = `${(outcome as Error).message}\n${outcome instanceof DriverError ? outcome.stderr : ''}`;
    if (!why.test(message)) throw outcome;
    ok = true;
  });
  return ok;
}

/** Runs an ops step set for the client: its ops driver, or kcat-ops.ts. */
async function opsRun(cmd: DriverCommand | null, steps: string[], records: ProduceRecord[] = []): Promise<{ result: OpsResult | null; lines: OpsLine[]; error: unknown }> {
  if (cmd === null) {
    try {
      const result = await kcatOps(target!.bootstrap, steps, records);
      return { result, lines: result.lines, error: null };
    } catch (e) {
      return { result: null, lines: [], error: e };
    }
  }
  const p = startOps(cmd, target!.bootstrap, steps);
  const writing = (async () => {
    for (let i = 0; i < records.length; i += 1000) await p.write(records.slice(i, i + 1000).map(tsvLine).join(''));
    p.end();
  })();
  const error = await p.done.then(() => null, (e: unknown) => e);
  await writing;
  return { result: error === null ? await p.done : null, lines: p.lines, error };
}

const short = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 90);

/** A feature the broker lacks that the client's reader needs, with the reason and the reader's failure. */
function readerLacks(client: OpsClient, lacks: CompatTarget['lacks']): { reason: string; stderr: RegExp } | null {
  for (const [feature, stderr] of Object.entries(CLIENTS.find((c) => c.id === client.reader)!.needs ?? {})) {
    const reason = lacks[feature as BrokerFeature];
    if (reason !== undefined) return { reason, stderr: stderr };
  }
  return null;
}

function title(client: OpsClient): string {
  const lacking = readerLacks(client, MILLRACE_LACKS);
  const consume = lacking !== null ? `producer + admin only (its consumer cannot work yet: ${lacking.reason})`
    : client.reader === 'kafkajs' ? 'consume (a fresh consumer group: kafkajs cannot assign)' : 'consume (assign, no group)';
  return `${client.id}: create topic, produce ${COUNT} keyed records with headers (${client.codecs.join(', ')}` +
    `${client.idempotent ? ', idempotent' : ''}), ${consume}, offsets by time, describe/alter config, delete topic`;
}

for (const client of OPS_CLIENTS) {
  test(title(client), async (t) => {
    const outcome = new Map<string, string>();
    outcomes.set(client.id, outcome);
    const step = async (name: string, label: string, fn: () => Promise<void> | void): Promise<boolean> => {
      let ok = false;
      outcome.set(name, 'FAILED');
      await t.test(label, async () => {
        try {
          await fn();
          ok = true;
          if (outcome.get(name) === 'FAILED') outcome.set(name, 'ok');
        } catch (e) {
          outcome.set(name, `FAILED: ${short(e)}`);
          throw e;
        }
      });
      return ok;
    };
    const cmd = await preparedOps.get(client.id)!;
    assert.ok(target !== undefined, 'the broker did not start');
    const topic = `compat-${client.id}-${run}`;
    const records = recordsFor(client);

    // 1-2. create and produce, in one run of the ops driver
    const first = await opsRun(cmd, [`create:${topic}:${PARTITIONS}`, `produce:${topic}:${client.idempotent ? 1 : 0}`], records);
    if (first.result !== null) versions.set(client.id, first.result.client);
    await step('create', `create a ${PARTITIONS}-partition topic (${cmd === null ? 'no admin API: our wire client' : 'admin API'})`, async () => {
      assert.ok(first.lines.some((l) => l.op === 'create' && l.ok === true), `no create result: ${short(first.error)}`);
      const conn = await WireClient.connect(target!.bootstrap, { apiVersions: true });
      try {
        assert.equal((await topicMetadata(conn, topic))?.partitions, PARTITIONS);
      } finally {
        conn.close();
      }
    });

    const reports = first.lines.filter((l) => l.op === 'produce' && l.done === undefined);
    const produced: Produced = { records, at: new Map(), window: [0, 0] };
    await step('produce', `produce ${COUNT} records: a successful delivery report for each`, () => {
      if (first.error !== null) throw first.error;
      const done = first.lines.find((l) => l.op === 'produce' && l.done === true);
      assert.ok(done !== undefined, 'the producer did not finish');
      failIf(reports.filter((r) => r.error !== undefined).map((r) => `record ${String(r.i)}: ${String(r.error)}`), 'delivery errors');
      assert.deepEqual([done.delivered, done.errors], [COUNT, 0]);
      const positions = new Set(reports.map((r) => `${String(r.partition)}:${String(r.offset)}`));
      assert.equal(positions.size, COUNT, 'two records reported at the same partition and offset');
      for (const r of reports) assert.ok((r.partition as number) >= 0 && (r.partition as number) < PARTITIONS);
      if (cmd !== null) {
        const seen = new Set(reports.map((r) => r.i as number));
        assert.equal(seen.size, COUNT, 'a record reported twice or not at all');
      }
      produced.window = (done.window as [number, number] | undefined) ?? [baseTime, Date.now()];
    });

    // 3. the log as stored, read with our own Fetch
    let log: TopicLog | null = null;
    await step('log', 'every record is in the log where its delivery report says, byte for byte', async () => {
      log = await readTopic(target!.bootstrap, topic);
      const stored = new Map<string, Omit<DriverRecord, 'partition' | 'offset'>>();
      for (const [p, batches] of log.partitions.entries()) {
        for (const b of batches) {
          for (const r of b.records) {
            stored.set(`${p}:${r.offset}`, {
              key_b64: b64(r.key), value_b64: b64(r.value), headers: r.headers.map((h) => [h.key, b64(h.value)]), timestamp: r.timestamp,
            });
          }
        }
      }
      assert.equal(stored.size, COUNT, 'records in the log');
      const problems: string[] = [];
      if (cmd !== null) {
        for (const r of reports) produced.at.set(`${String(r.partition)}:${String(r.offset)}`, r.i as number);
      } else {
        // kcat's delivery reports name no record: find each by its value (unique), then check
        // the partition against librdkafka's partitioner (consistent_random: CRC-32 of the key)
        const byValue = new Map(records.map((r, i) => [b64(r.value), i]));
        for (const r of reports) {
          const at = `${String(r.partition)}:${String(r.offset)}`;
          const i = byValue.get(stored.get(at)?.value_b64 ?? null);
          if (i === undefined) problems.push(`${at}: reported, but not a record we produced`);
          else produced.at.set(at, i);
        }
        for (const [at, i] of produced.at) {
          const want = zlib.crc32(records[i]!.key!) % PARTITIONS;
          if (Number(at.split(':')[0]) !== want) problems.push(`${at}: record ${i} (key ${records[i]!.key!.toString()}) is not in partition ${want} (CRC-32 of its key)`);
        }
      }
      for (const [at, i] of produced.at) {
        const got = stored.get(at);
        if (got === undefined) problems.push(`${at}: record ${i} is not in the log`);
        else problems.push(...differences(got, expectedOf(records[i]!), produced.window).map((d) => `${at} (record ${i}): ${d}`));
      }
      failIf(problems, 'records in the log');
    });

    // batches per codec: compressed as asked, with a producer id when idempotent
    const batchOf = (p: number, offset: number): DecodedBatch | undefined =>
      log?.partitions[p]?.find((b) => offset >= b.baseOffset && offset <= b.baseOffset + b.lastOffsetDelta);
    const checkCodec = async (codec: string) => {
      assert.ok(log !== null && produced.at.size === COUNT, 'the log was not read');
      const batches = new Set<DecodedBatch>();
      for (const [at, i] of produced.at) {
        if (records[i]!.codec !== codec) continue;
        const [p, o] = at.split(':').map(Number) as [number, number];
        batches.add(batchOf(p, o)!);
      }
      assert.ok(batches.size > 0, `no ${codec} records`);
      const others = new Map<string, number>();
      const shrinkable: string[] = [];
      let tolerated = 0;
      for (const b of batches) {
        if (client.idempotent) assert.ok(b.producerId >= 0, `a ${codec} batch without a producer id (offset ${b.baseOffset})`);
        else assert.equal(b.producerId, -1, `a producer id in a batch of a producer without idempotence (offset ${b.baseOffset})`);
        if (b.compression === CODEC_IDS[codec]) continue;
        if (b.compression === CompressionType.None && SKIPS_USELESS_COMPRESSION.has(client.id)) {
          // sent uncompressed because compressing did not make it smaller: fine, unless the
          // codec clearly shrinks it
          const again = await encodeBatch(b.records, { compression: CODEC_IDS[codec] });
          if (again.length >= b.sizeInBytes * 0.9) {
            tolerated++;
            continue;
          }
          shrinkable.push(`offset ${b.baseOffset}: ${b.records.length} records in ${b.sizeInBytes} bytes, ${again.length} with ${codec}`);
        }
        const name = CODEC_NAMES.find((n) => CODEC_IDS[n] === b.compression) ?? String(b.compression);
        others.set(name, (others.get(name) ?? 0) + b.records.length);
      }
      if (others.size > 0) {
        assert.fail(`${codec} records are stored with codec ${[...others].map(([n, c]) => `${n} (${c} records)`).join(', ')}` +
          `${shrinkable.length > 0 ? ` where ${codec} would shrink the batch: ${shrinkable.slice(0, 3).join('; ')}` : ''}`);
      }
      return tolerated;
    };
    for (const codec of CODEC_NAMES) {
      if (!client.codecs.includes(codec)) continue;
      const label = `${codec} records are in ${codec} batches${client.idempotent ? ' with a producer id (idempotent)' : ''}`;
      if (codec === 'lz4' && LIBRDKAFKA.has(client.id) && target.lacks.groups !== undefined) {
        outcome.set(codec, 'FAILED');
        const ok = await expectedFailure(t, label, `${target.lacks.groups}: ${LIBRDKAFKA_LZ4}`, /lz4 records are stored with codec none .* where lz4 would shrink the batch/, async () => {
          await checkCodec(codec);
        });
        if (ok) outcome.set(codec, 'expected fail (groups)');
        continue;
      }
      await step(codec, label, async () => {
        const tolerated = await checkCodec(codec);
        if (tolerated > 0) outcome.set(codec, `ok (+${tolerated} batches sent uncompressed: ${codec} would not shrink them)`);
      });
    }

    // 4. consume with the client's own consumer
    const readerCmd = await preparedReaders.get(client.id)!.catch((e: unknown) => e);
    const reader = CLIENTS.find((c) => c.id === client.reader)!;
    const consume = async () => {
      if (!('command' in (readerCmd as object))) throw readerCmd;
      const result = await runDriver(readerCmd as DriverCommand, { bootstrap: target!.bootstrap, topic, count: COUNT, timeoutMs: 60_000 });
      assert.ok(produced.at.size === COUNT, 'nothing to compare with: produce or the log check failed');
      const problems: string[] = [];
      const seen = new Set<string>();
      for (const got of result.records) {
        const at = `${got.partition}:${got.offset}`;
        if (seen.has(at)) problems.push(`${at}: read twice`);
        seen.add(at);
        const i = produced.at.get(at);
        if (i === undefined) {
          problems.push(`${at}: the producer reported no record there`);
          continue;
        }
        const want = expectedOf(records[i]!);
        if (reader.headers === 'grouped') want.headers = grouped(want.headers);
        problems.push(...differences(got, want, produced.window).map((d) => `${at} (record ${i}): ${d}`));
      }
      if (seen.size !== COUNT) problems.push(`read ${seen.size} of ${COUNT} records`);
      failIf(problems, `${reader.id} read back`);
    };
    const lacking = readerLacks(client, target.lacks);
    if (lacking !== null) {
      outcome.set('consume', 'FAILED');
      const ok = await expectedFailure(t, `consume with ${reader.id} (${reader.notes})`, lacking.reason, lacking.stderr, consume);
      if (ok) outcome.set('consume', 'expected fail (broker); log checked');
    } else {
      await step('consume', `consume from the beginning with ${reader.id} (${reader.notes}) and compare with what was produced`, consume);
    }

    // 5-7. offsets by time, configs, delete: one more run of the ops driver
    const times: number[] = [];
    if (log !== null) {
      const all = (log as TopicLog).partitions.flat().flatMap((b) => b.records.map((r) => r.timestamp)).sort((a, b) => a - b);
      times.push(all[0]! - 1000, all[Math.floor(all.length / 4)]!, all[Math.floor((all.length * 3) / 5)]! + 1, all[all.length - 1]! + 1000);
    } else {
      times.push(baseTime);
    }
    const second = await opsRun(cmd, [`offsets:${topic}:${times.join(',')}`, `configs:${topic}:${CONFIG.name}:${CONFIG.value}`, `delete:${topic}`]);
    await step('offsets', `earliest, latest and by-time offsets (${times.length} times) match Kafka's rule on the stored log`, () => {
      assert.ok(log !== null, 'the log was not read');
      const l = log as TopicLog;
      const lines = second.lines.filter((x) => x.op === 'offsets');
      assert.ok(lines.length > 0, `no offsets: ${short(second.error)}`);
      const problems: string[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        const batches = l.partitions[p]!;
        const end = batches.length === 0 ? 0 : batches[batches.length - 1]!.baseOffset + batches[batches.length - 1]!.lastOffsetDelta + 1;
        const ends = lines.find((x) => x.partition === p && x.earliest !== undefined);
        if (ends?.earliest !== 0 || ends.latest !== end) problems.push(`partition ${p}: earliest/latest ${ends?.earliest}/${ends?.latest}, want 0/${end}`);
        for (const ts of times) {
          const got = lines.find((x) => x.partition === p && x.timestamp === ts);
          let want: number | null = offsetForTime(batches, ts);
          if (want === null && client.noOffsetAs === 'end') want = end;
          if (got === undefined || got.offset !== want) problems.push(`partition ${p} time ${ts}: offset ${got?.offset}, want ${want}`);
        }
      }
      failIf(problems, 'offsets');
    });
    await step('configs', `describe ${CONFIG.name}, alter it to ${CONFIG.value}, describe it again`, () => {
      const c = second.lines.find((x) => x.op === 'configs');
      assert.ok(c !== undefined, `no configs result: ${short(second.error)}`);
      assert.deepEqual([c.before, c.after], [{ value: CONFIG.default, default: true }, { value: CONFIG.value, default: false }], `through ${String(c.how)}`);
      outcome.set('configs', `ok (${String(c.how)})`);
    });
    await step('delete', 'delete the topic: gone from the client\'s listing and from Metadata', async () => {
      if (second.error !== null) throw second.error;
      const d = second.lines.find((x) => x.op === 'delete');
      assert.deepEqual([d?.ok, d?.listed], [true, false]);
      const conn = await WireClient.connect(target!.bootstrap, { apiVersions: true });
      try {
        assert.equal(await topicMetadata(conn, topic), null);
      } finally {
        conn.close();
      }
    });
  });
}
