/**
 * The Millrace broker restarts (clean close, then start again on the same port with the same
 * log dir) while the Java client's idempotent producer keeps producing with its default retries:
 * the producer carries on by itself, every record ends with a successful delivery report, and
 * reading the topic afterwards (our own Fetch, and the Java consumer) gives every acknowledged
 * record exactly once, where its report says.
 *
 * The records go to the producer as a paced stream on stdin: half of them, then the restart
 * while the rest keep coming, so sends hit the broker before, during (connection refused, then
 * metadata and producer state found again) and after the restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLIENTS } from './clients/index.js';
import { readTopic } from './clients/log-reader.js';
import { killOps, opsClient, startOps, tsvLine, type OpsLine } from './clients/ops.js';
import { killDrivers, runDriver } from './clients/run.js';
import { startTarget, type CompatTarget } from './setup/target.js';
import { createTopics, WireClient } from '../helpers/wire-client.js';

const PARTITIONS = 3;
const COUNT = 20_000;
const CHUNK = 250;

let target: CompatTarget | undefined;

before(async () => {
  target = await startTarget({ kind: 'millrace' });
});

after(async () => {
  killOps();
  killDrivers();
  await target?.stop();
});

test('the Java idempotent producer carries on across a broker restart: every acknowledged record is read back exactly once', async (t) => {
  const [cmd, readerCmd] = await Promise.all([opsClient('java').prepare(), CLIENTS.find((c) => c.id === 'java')!.prepare()]);
  assert.ok(target?.restart !== undefined && cmd !== null);
  const topic = `compat-restart-${Date.now()}`;
  const conn = await WireClient.connect(target.bootstrap, { apiVersions: true });
  try {
    await createTopics(conn, [{ name: topic, partitions: PARTITIONS }]);
  } finally {
    conn.close();
  }

  const values = Array.from({ length: COUNT }, (_, i) => `restart-${i}`);
  // the producer's NetworkClient at INFO says when the broker went away under it
  const logDisconnects = { JAVA_TOOL_OPTIONS: '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient=info' };
  const producer = startOps({ ...cmd, env: { ...cmd.env, ...logDisconnects } }, target.bootstrap, [`produce:${topic}:1`], 180_000);
  let acked = 0;
  const delivering = new Promise<void>((resolve) => {
    producer.onLine = (line: OpsLine) => {
      if (line.partition !== undefined && ++acked === COUNT / 8) resolve();
    };
  });
  // one paced stream; half-way through it (and once the producer is delivering) the broker
  // restarts, while the stream goes on
  let restarted: Promise<void> | null = null;
  let ackedBefore = -1;
  let ackedAfter = -1;
  for (let i = 0; i < COUNT; i += CHUNK) {
    if (i === COUNT / 2) {
      await delivering;
      ackedBefore = acked;
      restarted = target.restart().then(() => {
        ackedAfter = acked;
      });
    }
    const lines = values.slice(i, i + CHUNK).map((v, j) => tsvLine({
      codec: 'lz4', key: Buffer.from(`k-${(i + j) % 97}`), value: Buffer.from(v), timestamp: null, headers: [['n', Buffer.from(String(i + j))]],
    }));
    await producer.write(lines.join(''));
    await sleep(5);
  }
  await restarted;
  producer.end();
  const result = await producer.done;

  const reports = result.lines.filter((l) => l.op === 'produce' && l.done === undefined);
  const failed = reports.filter((r) => r.error !== undefined);
  assert.deepEqual(failed.slice(0, 5), [], `${failed.length} records failed`);
  const done = result.lines.find((l) => l.done === true);
  assert.deepEqual([done?.delivered, done?.errors], [COUNT, 0]);
  // the restart came in the middle: records were acknowledged before it and after it, and
  // the producer lost its connection (and whatever it had in flight) to it
  t.diagnostic(`acknowledged: ${ackedBefore} when the restart began, ${ackedAfter} once it was over; ` +
    `${(result.stderr.match(/Cancelled in-flight PRODUCE/g) ?? []).length} produce requests cancelled in flight`);
  assert.ok(ackedBefore > 0 && ackedAfter < COUNT, `acknowledged: ${ackedBefore} when the restart began, ${ackedAfter} once it was over`);
  assert.match(result.stderr, /\[Producer [^\]]*\] Node 1 disconnected/);

  // the log: every acknowledged record once, at the partition and offset of its report
  const log = await readTopic(target.bootstrap, topic);
  const at = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const [p, batches] of log.partitions.entries()) {
    for (const b of batches) {
      assert.ok(b.producerId >= 0, 'batches of an idempotent producer');
      for (const r of b.records) {
        const v = r.value!.toString();
        at.set(`${p}:${r.offset}`, v);
        seen.set(v, (seen.get(v) ?? 0) + 1);
      }
    }
  }
  const twice = [...seen].filter(([, n]) => n > 1);
  assert.deepEqual(twice.slice(0, 5), [], `${twice.length} records stored more than once`);
  const problems: string[] = [];
  for (const r of reports) {
    const want = values[r.i as number];
    const got = at.get(`${String(r.partition)}:${String(r.offset)}`);
    if (got !== want) problems.push(`record ${String(r.i)} reported at ${String(r.partition)}:${String(r.offset)}, which holds ${got}`);
  }
  assert.deepEqual(problems.slice(0, 5), [], `${problems.length} reports do not match the log`);
  assert.equal(at.size, COUNT);

  // and the Java consumer, after the restart, reads them all
  const read = await runDriver(readerCmd, { bootstrap: target.bootstrap, topic, count: COUNT, timeoutMs: 60_000 });
  const consumed = new Set(read.records.map((r) => Buffer.from(r.value_b64!, 'base64').toString()));
  assert.equal(read.records.length, COUNT);
  assert.equal(consumed.size, COUNT);
  assert.ok(values.every((v) => consumed.has(v)), 'every acknowledged record is consumed');
});
