/**
 * Issue 15's Kafka Streams proof: WordCount (kafka-streams 4.4.0) with
 * processing.guarantee=exactly_once_v2 counts a known input exactly, also when the Streams
 * process is killed with kill -9 mid-run and restarted, and when the broker is stopped and
 * started again (same port, same data) while Streams runs.
 *
 * Against Millrace by default; MILLRACE_COMPAT_TARGET=kafka runs the same against Apache Kafka
 * (whose target cannot restart: that step is then left out and the test says so in its name).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import { killMembers, Member } from './clients/group-members.js';
import { ensureJavaStreamsWordCount } from './clients/txn-drivers.js';
import type { DriverCommand } from './clients/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { startTarget, type CompatTarget } from './setup/target.js';

const LINES = 20_000;
const WORDS_PER_LINE = 5;
const VOCABULARY = Array.from({ length: 60 }, (_, i) => `w${i.toString(36)}`);

let target: CompatTarget | undefined;
let driver: Promise<DriverCommand>;
let stateDir = '';
const run = randomBytes(3).toString('hex');

before(async () => {
  driver = ensureJavaStreamsWordCount();
  driver.catch(() => {});
  stateDir = mkdtempSync(path.join(tmpdir(), 'millrace-streams-'));
  target = await startTarget({ kind: process.env.MILLRACE_COMPAT_TARGET ?? 'millrace' });
});

after(async () => {
  killMembers();
  await target?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Resolves when the process prints a line for which `pred` holds; false if it exits first. */
function until(m: Member, pred: (l: Record<string, unknown>) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    if (m.lines.some(pred)) resolve(true);
    m.onLine = (l) => {
      if (pred(l)) resolve(true);
    };
    void m.exited.then(() => resolve(false));
  });
}

test(`Kafka Streams WordCount, exactly_once_v2: exact counts of ${LINES * WORDS_PER_LINE} words after kill -9 of Streams and a broker restart`, async () => {
  const input = `wc-in-${run}`;
  const output = `wc-out-${run}`;
  const appId = `wordcount-${run}`;
  const expected = new Map<string, number>();
  const random = new SeededRandom(7);
  const client = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: input, partitions: 3, replicationFactor: 1 });
    await admin.createTopic({ name: output, partitions: 3, replicationFactor: 1 });
    const producer = new Producer(client, { acks: -1, lingerMs: 5 });
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < LINES; i++) {
      const words = Array.from({ length: WORDS_PER_LINE }, () => VOCABULARY[random.int(VOCABULARY.length)]!);
      for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1);
      acks.push(producer.send({ topic: input, key: Buffer.from(`line-${i}`), value: Buffer.from(words.join(' ')) }));
      if (acks.length === 5_000) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);
    await producer.close();
  } finally {
    client.close();
  }

  const cmd = await driver;
  const args = (idleMs: number) => ['run', target!.bootstrap, input, output, appId, stateDir, String(idleMs)];
  // 1. killed with kill -9 once it has counted a quarter of the words
  const first = new Member(cmd, 'streams-1', args(600_000));
  assert.ok(await until(first, (l) => l.event === 'progress' && (l.words as number) >= LINES * WORDS_PER_LINE / 4),
    `Streams did not count a quarter of the words:\n${first.tail(30)}`);
  await first.kill();
  // 2. restarted; the broker stopped and started again under it
  const second = new Member(cmd, 'streams-2', args(15_000));
  assert.ok(await until(second, (l) => l.event === 'progress' && (l.words as number) >= 5_000),
    `restarted Streams did not make progress:\n${second.tail(30)}`);
  if (target!.restart !== undefined) await target!.restart();
  const { code } = await second.exited;
  assert.equal(code, 0, `Streams ended badly:\n${second.tail(30)}`);
  assert.ok(second.lines.some((l) => l.event === 'closed'), `Streams did not close after going idle:\n${second.tail(30)}`);

  const dump = new Member(cmd, 'dump', ['dump', target!.bootstrap, output]);
  const ended = await dump.exited;
  assert.equal(ended.code, 0, `dump failed:\n${dump.tail(30)}`);
  const counts = dump.lines.find((l) => l.event === 'counts')?.counts as Record<string, number> | undefined;
  assert.ok(counts !== undefined, 'no counts');
  assert.deepEqual(new Map(Object.entries(counts).sort()), new Map([...expected].sort()));
});
