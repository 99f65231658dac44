/**
 * Issue 12's proof for malformed records: every case of the corpus (malformed/corpus.ts) sent
 * as a raw Produce to a partition of its own gets the error code Apache Kafka 4.4 answered
 * (malformed/kafka-<version>-answers.json, recorded by malformed/record-kafka-answers.ts), and
 * the record_errors indexes and Kafka's messages where Kafka gives them. Around each case a good record is written
 * before and after; kcat, the Java consumer and kafka-python then read, per partition, exactly
 * those good records (and the case's own records where Kafka accepts the batch).
 *
 * The broker: the embedded Millrace broker by default; MILLRACE_COMPAT_TARGET=kafka runs it
 * against Apache Kafka (it must pass there), MILLRACE_COMPAT_BOOTSTRAP=host:port against a
 * running broker.
 *
 * Cases whose Kafka answer is a failure of Kafka's own (`kafkaFault`: bombs that exhaust its heap)
 * are held to a rejection with any code, and not sent to Kafka here (it may exit on them).
 *
 * Cases Kafka accepts although they are odd (negative key or value lengths other than -1,
 * offset deltas out of order in an uncompressed batch) are checked for their code only: what
 * clients make of such records is theirs to decide, so their partitions are not read back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CLIENTS } from './clients/index.js';
import { type DriverError, killDrivers, runDriver, type DriverRecord } from './clients/run.js';
import { batch, rec } from './malformed/builder.js';
import { CORPUS, type MalformedCase } from './malformed/corpus.js';
import { ANSWERS_FILE, type AnswersFile } from './malformed/record-kafka-answers.js';
import { createPlanTopics, plan, sendSlot, slotKey, type Answer, type Plan, type Slot } from './malformed/send.js';
import { startTarget, type CompatTarget } from './setup/target.js';
import { produce, WireClient } from '../helpers/wire-client.js';

const READERS = ['kcat', 'java', 'kafka-python'] as const;
const READ_TIMEOUT_MS = 20_000;

/**
 * Client limits, as clients/index.ts keeps them: the driver is expected to fail on a topic
 * holding one of `cases`, with stderr matching, and the test fails when it reads instead.
 */
const CANNOT_READ: Readonly<Record<string, { cases: readonly string[]; reason: string; stderr: RegExp }>> = {
  'kafka-python': {
    cases: ['large-ratio-zstd-valid'],
    reason: 'kafka-python 2.0 (Debian) inflates zstd with max_output_size 1 MiB (codec.ZSTD_MAX_OUTPUT_SIZE)',
    stderr: /did not decompress full frame/,
  },
};

/**
 * Where Millrace answers otherwise than Kafka 4.4, on purpose: the case, Millrace's code and why.
 * Held to that code when the target is not Kafka.
 */
const MILLRACE_DIFFERS: Readonly<Record<string, { code: number; name: string; reason: string }>> = {
  'bomb-snappy-raw@v9': {
    code: 10,
    name: 'MESSAGE_TOO_LARGE',
    reason: 'a raw snappy block states its inflated size up front (200 MiB here); Kafka inflates it whole and then finds ' +
      'junk records, Millrace refuses a block larger than its 64 MiB decompression cap without inflating it',
  },
};

/** A number that is a time in ms: messages holding one cannot match across runs. */
const CLOCK = /\d{13}/;

const answers = JSON.parse(readFileSync(ANSWERS_FILE, 'utf8')) as AnswersFile;
const kafkaAnswer = (s: { case: MalformedCase; version: number }) => answers.cases[slotKey(s)]?.answer;

/** Read back when Kafka rejects every version of the case, or the case says what it holds. */
const readBack = (c: MalformedCase) => c.records !== undefined ||
  (c.produceVersions ?? [9]).every((version) => kafkaAnswer({ case: c, version })?.code !== 0);

const stamp = Date.now();
const readPlan: Plan = plan(CORPUS.filter(readBack), `malformed-read-${stamp}`);
const codePlan: Plan = plan(CORPUS.filter((c) => !readBack(c)), `malformed-code-${stamp}`);

let target: CompatTarget | undefined;
let conn: WireClient | undefined;

/** The first line of a driver failure and the lines of its stderr that say what went wrong. */
function excerpt(e: DriverError): string {
  const said = (e.stderr ?? '').split('\n').filter((l) => /exception|error/i.test(l) && !/^\s+at /.test(l));
  return [e.message.split('\n')[0], ...said.slice(0, 4)].join(' | ');
}

const goodValue = (s: Slot, when: 'before' | 'after') => `good-${slotKey(s)}-${when}`;
const goodBatch = (s: Slot, when: 'before' | 'after') =>
  batch({ count: 1, body: rec({ offsetDelta: 0, key: Buffer.from('good'), value: Buffer.from(goodValue(s, when)) }) });

/** One good record in every read-back partition, one Produce per topic. */
async function writeGood(when: 'before' | 'after'): Promise<void> {
  for (const t of readPlan.topics) {
    const slots = readPlan.slots.filter((s) => s.topic === t.name);
    await produce(conn!, t.name, new Map(slots.map((s) => [s.partition, goodBatch(s, when)])), 3, 60_000);
  }
}

/**
 * Whether a slot's Produce is sent: when Kafka's answer to it is recorded, and, against Kafka
 * itself, not when that answer was a failure of Kafka's own (it may not survive them).
 */
const sendable = (slot: Slot) => kafkaAnswer(slot) !== undefined &&
  !(slot.case.kafkaFault !== undefined && process.env.MILLRACE_COMPAT_TARGET === 'kafka');

/** Each slot's answer, by slot key: a slot is sent once, by whichever test or hook needs it first. */
const sent = new Map<string, Promise<Answer>>();
function send(slot: Slot): Promise<Answer> {
  let answer = sent.get(slotKey(slot));
  if (answer === undefined) {
    answer = sendSlot(conn!, target!.bootstrap, slot).then((r) => {
      conn = r.conn;
      return r.answer;
    });
    sent.set(slotKey(slot), answer);
  }
  return answer;
}

before(async () => {
  const external = process.env.MILLRACE_COMPAT_BOOTSTRAP;
  target = await startTarget(external !== undefined && external !== '' ? {} : { kind: process.env.MILLRACE_COMPAT_TARGET ?? 'millrace' });
  conn = await WireClient.connect(target.bootstrap, { apiVersions: true, clientId: 'millrace-compat-malformed', timeoutMs: 120_000 });
  await createPlanTopics(conn, readPlan);
  await createPlanTopics(conn, codePlan);
  await writeGood('before');
});

after(async () => {
  killDrivers();
  conn?.close();
  await target?.stop();
});

test(`the answers file (${answers.kafka}) has an answer for every case and Produce version of the corpus`, () => {
  const missing = [...readPlan.slots, ...codePlan.slots].map(slotKey).filter((k) => answers.cases[k] === undefined);
  assert.deepEqual(missing, [], 'run record-kafka-answers.js after changing the corpus');
});

describe(`each malformed Produce answered as Apache Kafka ${answers.kafka} answers it`, () => {
  for (const slot of [...readPlan.slots, ...codePlan.slots]) {
    const want = kafkaAnswer(slot);
    // Kafka's answer to those with a fault is its own failure, and it may not survive them: sent to other brokers only
    if (want === undefined || !sendable(slot)) continue;
    const fault = slot.case.kafkaFault;
    test(`${slotKey(slot)}: ${fault === undefined ? `${want.code} ${want.name}` : 'rejected with any error code'} (${slot.case.description})`, async () => {
      const got = await send(slot);
      if (fault !== undefined) {
        // Kafka's own answer (recorded) is a failure of Kafka's: ${fault}
        assert.ok(got.code !== null && got.code !== 0, `${got.code} ${got.name}: the batch must be rejected (Kafka: ${want.code} ${want.name}, because ${fault})`);
        return;
      }
      const differs = process.env.MILLRACE_COMPAT_TARGET === 'kafka' ? undefined : MILLRACE_DIFFERS[slotKey(slot)];
      if (differs !== undefined) {
        assert.equal(`${got.code} ${got.name}`, `${differs.code} ${differs.name}`, `Kafka: ${want.code} ${want.name}; Millrace differs: ${differs.reason}`);
        return;
      }
      assert.equal(`${got.code} ${got.name}`, `${want.code} ${want.name}`, got.message ?? '');
      if (want.recordErrors.length > 0) {
        assert.deepEqual(got.recordErrors.map((e) => e.index), want.recordErrors.map((e) => e.index), 'record_errors batch indexes');
      }
      // Kafka's words where it gives some, unless they hold a clock reading (a timestamp's range)
      if (want.message !== null && !CLOCK.test(want.message)) assert.equal(got.message, want.message, 'error_message');
      want.recordErrors.forEach((e, i) => {
        if (e.message !== null && !CLOCK.test(e.message)) assert.equal(got.recordErrors[i]?.message, e.message, `record_errors[${i}] message`);
      });
    });
  }
});

describe('after the bad batches, real clients read exactly the good records', () => {
  before(async () => {
    // The bad batches are what the tests above sent; sent here when those did not run (a
    // name pattern), so these tests never depend on them. A failed send is their failure to report.
    for (const slot of readPlan.slots) if (sendable(slot)) await send(slot).catch(() => {});
    await writeGood('after');
  });

  for (const id of READERS) {
    test(`${id} reads every read-back partition: the good record before, the case's records where Kafka accepts them, the good record after`, async () => {
      const client = CLIENTS.find((c) => c.id === id)!;
      const cmd = await client.prepare();
      const problems: string[] = [];
      await Promise.all(readPlan.topics.map(async (t) => {
        const slots = readPlan.slots.filter((s) => s.topic === t.name);
        const accepted = (s: Slot) => (kafkaAnswer(s)?.code === 0 ? s.case.records ?? 0 : 0);
        const count = slots.reduce((n, s) => n + 2 + accepted(s), 0);
        const limit = CANNOT_READ[id];
        const limited = limit !== undefined && slots.some((s) => limit.cases.includes(s.case.name));
        let records: DriverRecord[];
        try {
          records = (await runDriver(cmd, { bootstrap: target!.bootstrap, topic: t.name, count, timeoutMs: READ_TIMEOUT_MS })).records;
        } catch (e) {
          if (limited && limit.stderr.test((e as DriverError).stderr ?? '')) return;
          problems.push(`${t.name} (${slots.length} partitions, ${slots[0]!.case.name}...): ${excerpt(e as DriverError)}`);
          return;
        }
        if (limited) problems.push(`${t.name}: ${id} read it, although ${limit.reason}: remove the CANNOT_READ entry`);
        for (const s of slots) {
          const values = records.filter((r) => r.partition === s.partition)
            .map((r) => (r.value_b64 === null ? '<null>' : Buffer.from(r.value_b64, 'base64').toString('latin1')));
          const want = [goodValue(s, 'before'), ...Array<string>(accepted(s)).fill('case-*'), goodValue(s, 'after')];
          const got = values.map((v) => (v.startsWith('case-') ? 'case-*' : v));
          if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${slotKey(s)}: read ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
        }
      }));
      assert.deepEqual(problems, []);
    });
  }
});
