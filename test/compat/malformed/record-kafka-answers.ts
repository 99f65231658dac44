/**
 * The oracle: starts Apache Kafka (the reference peer, tools/kafka/pom.xml, via the compat
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
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_VERSION } from '../setup/kafka.js';
import { repoRoot } from '../setup/paths.js';
import { startTarget, type CompatTarget } from '../setup/target.js';
import { WireClient } from '../../helpers/wire-client.js';
import { CORPUS } from './corpus.js';
import { type Answer, createPlanTopics, plan, type Plan, sendSlot, slotKey } from './send.js';

export const ANSWERS_FILE = path.join(repoRoot, 'test', 'compat', 'malformed', `kafka-${KAFKA_VERSION}-answers.json`);

export interface AnswersFile {
  kafka: string;
  recorded: string;
  java: string;
  note: string;
  cases: Record<string, {
    description: string;
    topicConfig: Record<string, string>;
    answer: Answer;
    /** What Kafka's server.log said about the append (exception and causes), when it said anything. */
    kafkaLog?: string[];
  }>;
}

/** Reads what a log file gained since the last call. */
function tailer(file: string): () => string {
  let pos = 0;
  return () => {
    if (!existsSync(file)) return '';
    const buf = readFileSync(file);
    const text = buf.subarray(pos).toString('utf8');
    pos = buf.length;
    return text;
  };
}

/** The exception lines (no stack frames) logged after ReplicaManager's "Error processing append operation". */
export function appendErrors(text: string, topic: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.includes('Error processing append operation')) continue;
    for (let j = i + 1; j < lines.length && !/^\[\d{4}-/.test(lines[j]!); j++) {
      const line = lines[j]!.trim();
      if (line !== '' && !/^at |^\.\.\. \d+ more/.test(line)) out.push(line.split(topic).join('{topic}').replace(/\{topic\}-\d+/g, '{topic}-{partition}'));
    }
  }
  return out;
}

/** Lines that say why a broker went away: out of memory, halting, fatal errors. */
function fatalLines(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /(OutOfMemoryError.*|Halting.*|FATAL.*|Exiting.*|shutting down.*)$/i.exec(line.trim());
    if (m !== null && !/^\s*at /.test(line)) seen.add(m[1]!.slice(0, 200));
  }
  return [...seen].slice(0, 6);
}

interface Peer {
  target: CompatTarget;
  conn: WireClient;
  serverLog: () => string;
}

/** Starts Kafka (or names the one at --bootstrap), connects and creates the plan's topics. */
async function startPeer(p: Plan): Promise<Peer> {
  const i = process.argv.indexOf('--bootstrap');
  const target: CompatTarget = i > 0
    ? { name: 'external', bootstrap: process.argv[i + 1]!, lacks: {}, stop: async () => {} }
    : await startTarget({ kind: 'kafka' });
  const conn = await WireClient.connect(target.bootstrap, { apiVersions: true, clientId: 'millrace-malformed-oracle', timeoutMs: 180_000 });
  await createPlanTopics(conn, p);
  const serverLog = tailer(path.join(target.logs ?? '/nonexistent', 'server.log'));
  serverLog();
  return { target, conn, serverLog };
}

async function main(): Promise<void> {
  const p = plan(CORPUS, `malformed-oracle-${Date.now()}`);
  let peer = await startPeer(p);
  try {
    const out: AnswersFile = {
      kafka: KAFKA_VERSION,
      recorded: new Date().toISOString(),
      java: execFileSync('sh', ['-c', 'java -version 2>&1 | head -1'], { encoding: 'utf8' }).trim(),
      note: 'Each (case, Produce version) sent alone to a fresh partition over a raw socket (acks=-1). ' +
        'ms: request to answer on this 2-core machine, case build excluded. kafkaLog: the exception Kafka logged for the append ' +
        '(ReplicaManager "Error processing append operation"), when it logged one. code null: no answer, the broker exited ' +
        '(kafkaLog then says why; the next case goes to a new broker). Written by record-kafka-answers.ts.',
      cases: {},
    };
    for (const slot of p.slots) {
      let answer: Answer;
      let kafkaLog: string[];
      const started = performance.now();
      try {
        const r = await sendSlot(peer.conn, peer.target.bootstrap, slot);
        peer.conn = r.conn;
        answer = r.answer;
        await new Promise((resolve) => setTimeout(resolve, 50)); // the log line may trail the answer
        kafkaLog = appendErrors(peer.serverLog(), slot.topic);
      } catch (e) {
        // the broker went away: say why, and go on with a new one
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const logs = peer.target.logs ?? '/nonexistent';
        const said = peer.serverLog() + (existsSync(path.join(logs, 'kafka.out')) ? readFileSync(path.join(logs, 'kafka.out'), 'utf8') : '');
        answer = { code: null, name: 'no answer: the broker exited', message: (e as Error).message, recordErrors: [], ms: Math.round(performance.now() - started) };
        kafkaLog = [...appendErrors(said, slot.topic), ...fatalLines(said)];
        peer.conn.close();
        await peer.target.stop();
        peer = await startPeer(p);
      }
      out.cases[slotKey(slot)] = {
        description: slot.case.description, topicConfig: { ...slot.case.topicConfig }, answer,
        ...(kafkaLog.length > 0 ? { kafkaLog } : {}),
      };
      console.log(`${slotKey(slot).padEnd(46)} ${String(answer.code).padStart(4)} ${(answer.name ?? '').padEnd(28)} ${String(answer.ms).padStart(6)} ms  ${answer.message ?? ''}` +
        (answer.recordErrors.length > 0 ? `  record_errors ${JSON.stringify(answer.recordErrors)}` : '') +
        (kafkaLog.length > 0 ? `  log: ${kafkaLog.join(' / ')}` : ''));
    }
    writeFileSync(ANSWERS_FILE, JSON.stringify(out, null, 2) + '\n');
    console.log(`wrote ${Object.keys(out.cases).length} answers to ${path.relative(repoRoot, ANSWERS_FILE)}`);
  } finally {
    peer.conn.close();
    await peer.target.stop();
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
