/**
 * The oracle: starts Apache Kafka (the reference peer, bench/kafka/pom.xml, via the compat
 * set-up), sends every case of the malformed-record corpus as a raw Produce request (each
 * (case, version) to a fresh partition of its own) and writes what Kafka answered — error code,
 * error_message, record_errors, time taken — to test/compat/malformed/kafka-<version>-answers.json,
 * which malformed-records.test.ts checks brokers against.
 *
 *   npm run build && node dist/test/compat/malformed/record-kafka-answers.js [--bootstrap host:port]
 *
 * With --bootstrap, a Kafka already running there is asked instead (its version is still taken
 * from the pom: say so only for that version).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_VERSION } from '../setup/kafka.js';
import { repoRoot } from '../setup/paths.js';
import { startTarget, type CompatTarget } from '../setup/target.js';
import { WireConnection } from '../wire.js';
import { CORPUS } from './corpus.js';
import { type Answer, createPlanTopics, plan, sendSlot, slotKey } from './send.js';

export const ANSWERS_FILE = path.join(repoRoot, 'test', 'compat', 'malformed', `kafka-${KAFKA_VERSION}-answers.json`);

export interface AnswersFile {
  kafka: string;
  recorded: string;
  java: string;
  note: string;
  cases: Record<string, { description: string; topicConfig: Record<string, string>; answer: Answer }>;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--bootstrap');
  const target: CompatTarget = i > 0
    ? { name: 'external', bootstrap: process.argv[i + 1]!, lacks: {}, stop: async () => {} }
    : await startTarget({ kind: 'kafka' });
  let conn: WireConnection | undefined;
  try {
    conn = await WireConnection.connect(target.bootstrap, { clientId: 'millrace-malformed-oracle', timeoutMs: 180_000 });
    const p = plan(CORPUS, `malformed-oracle-${Date.now()}`);
    await createPlanTopics(conn, p);
    const out: AnswersFile = {
      kafka: KAFKA_VERSION,
      recorded: new Date().toISOString(),
      java: execFileSync('sh', ['-c', 'java -version 2>&1 | head -1'], { encoding: 'utf8' }).trim(),
      note: 'Each (case, Produce version) sent alone to a fresh partition over a raw socket (acks=-1). ' +
        'ms: request to answer on this 2-core machine, case build excluded. Written by record-kafka-answers.ts.',
      cases: {},
    };
    for (const slot of p.slots) {
      const r = await sendSlot(conn, target.bootstrap, slot);
      conn = r.conn;
      out.cases[slotKey(slot)] = { description: slot.case.description, topicConfig: { ...slot.case.topicConfig }, answer: r.answer };
      const a = r.answer;
      console.log(`${slotKey(slot).padEnd(46)} ${String(a.code).padStart(4)} ${(a.name ?? '').padEnd(28)} ${String(a.ms).padStart(6)} ms  ${a.message ?? ''}` +
        (a.recordErrors.length > 0 ? `  record_errors ${JSON.stringify(a.recordErrors)}` : ''));
    }
    writeFileSync(ANSWERS_FILE, JSON.stringify(out, null, 2) + '\n');
    console.log(`wrote ${Object.keys(out.cases).length} answers to ${path.relative(repoRoot, ANSWERS_FILE)}`);
  } finally {
    conn?.close();
    await target.stop();
  }
}

// `node --test dist/test` runs every .js under a test/ folder, this one too: only a direct run records.
const direct = process.argv[1] !== undefined && path.resolve(process.argv[1]).endsWith(path.join('malformed', 'record-kafka-answers.js'));
if (direct && process.env.NODE_TEST_CONTEXT === undefined) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
