/**
 * Sending the corpus (corpus.ts): where each (case, Produce version) goes — one partition of
 * its own, in one topic per distinct topic config — and what a broker answered, in the shape
 * kept in kafka-<version>-answers.json.
 */
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { errorName } from '../../../src/protocol/generated/errors.js';
import * as ProduceRequest from '../../../src/protocol/generated/produce-request.js';
import { createTopics, WireClient } from '../../helpers/wire-client.js';
import { configKey, type MalformedCase } from './corpus.js';

/** What a broker answered to one Produce of one case. */
export interface Answer {
  /** The partition's error code, or null when the broker closed the connection instead. */
  code: number | null;
  name: string | null;
  /** error_message (v8+), with the topic name and partition replaced by `{topic}-{partition}`. */
  message: string | null;
  /** record_errors (v8+): batch_index and its message, topic name replaced by `{topic}`. */
  recordErrors: { index: number; message: string | null }[];
  /** Time from sending the request to its answer, ms. */
  ms: number;
}

export interface Slot {
  case: MalformedCase;
  version: number;
  topic: string;
  partition: number;
}

export interface Plan {
  topics: { name: string; partitions: number; configs: Record<string, string> }[];
  slots: Slot[];
}

/** One partition per (case, version), one topic per topic config, names starting `prefix`. */
export function plan(cases: readonly MalformedCase[], prefix: string): Plan {
  const topics = new Map<string, { name: string; partitions: number; configs: Record<string, string> }>();
  const slots: Slot[] = [];
  for (const c of cases) {
    const key = configKey(c);
    let t = topics.get(key);
    if (t === undefined) {
      t = { name: `${prefix}-${topics.size}`, partitions: 0, configs: { ...c.topicConfig } };
      topics.set(key, t);
    }
    for (const version of c.produceVersions ?? [9]) slots.push({ case: c, version, topic: t.name, partition: t.partitions++ });
  }
  return { topics: [...topics.values()], slots };
}

export async function createPlanTopics(conn: WireClient, p: Plan): Promise<void> {
  await createTopics(conn, p.topics.map((t) => ({ name: t.name, partitions: t.partitions, configs: t.configs })), 60_000);
}

/** `text` with the topic name and partition made `{topic}-{partition}`, so answers compare across runs. */
function scrub(text: string | null, topic: string): string | null {
  return text === null ? null : text.split(topic).join('{topic}').replace(/\{topic\}-\d+/g, '{topic}-{partition}');
}

/** Produce v`version` (acks=-1) of `records` to one partition; the broker's answer. */
export async function sendRecords(conn: WireClient, topic: string, partition: number, version: number, records: Buffer): Promise<Answer> {
  const started = performance.now();
  const res = await conn.request(ApiKey.Produce, version, {
    transactionalId: null, acks: -1, timeoutMs: 30_000,
    topicData: [{
      ...ProduceRequest.defaultTopicProduceData(), name: topic,
      partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: partition, records }],
    }],
  });
  const ms = Math.round(performance.now() - started);
  const p = res.responses[0]?.partitionResponses[0];
  if (p === undefined) throw new Error(`Produce v${version} ${topic}/${partition}: no partition in the answer`);
  return {
    code: p.errorCode, name: errorName(p.errorCode), message: scrub(p.errorMessage, topic),
    recordErrors: p.recordErrors.map((e) => ({ index: e.batchIndex, message: scrub(e.batchIndexErrorMessage, topic) })),
    ms,
  };
}

/**
 * Sends one slot's case on `conn`; a broker that closes the connection instead of answering
 * gives `code: null` and a new connection is made (returned).
 */
export async function sendSlot(conn: WireClient, bootstrap: string, slot: Slot): Promise<{ answer: Answer; conn: WireClient }> {
  const records = await slot.case.build();
  const started = performance.now();
  try {
    // A partition just created may not take writes yet (its leader's log not open): such an
    // answer wrote nothing, so the same bytes go again until the partition is ready.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const answer = await sendRecords(conn, slot.topic, slot.partition, slot.version, records);
      if (answer.code === null || !NOT_READY.has(answer.code) || Date.now() > deadline) return { answer, conn };
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    if (!/connection closed|ECONNRESET|EPIPE/.test((e as Error).message)) throw e;
    conn.close();
    const again = await WireClient.connect(bootstrap, { apiVersions: true, clientId: conn.clientId, timeoutMs: conn.timeoutMs });
    return { answer: { code: null, name: 'connection closed', message: null, recordErrors: [], ms: Math.round(performance.now() - started) }, conn: again };
  }
}

/** UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER: a partition not ready yet. */
export const NOT_READY: ReadonlySet<number> = new Set([3, 5, 6]);

/** `name@v<version>`: the key of a (case, version) in the answers file. */
export const slotKey = (s: { case: MalformedCase; version: number }) => `${s.case.name}@v${s.version}`;
