/**
 * Partition administration over the internal client: leader elections (ElectLeaders). Each
 * partition's outcome is returned, not thrown, as Kafka's Admin.electLeaders reports them;
 * a request-level error throws a KafkaResponseError.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode, errorInfo } from '../protocol/generated/errors.js';
import type { KafkaClient } from './client.js';
import { throwIfError } from './errors.js';

/** Kafka's ElectionType. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

export interface ElectionOutcome {
  topic: string;
  partition: number;
  /** Kafka's error name (`ELECTION_NOT_NEEDED`), null when a leader was elected. */
  error: string | null;
  message: string | null;
}

/** Elects leaders of the given partitions, or of every partition when `partitions` is null. */
export async function electLeaders(client: KafkaClient, type: number, partitions: ReadonlyArray<{ topic: string; partition: number }> | null, timeoutMs = 30_000): Promise<ElectionOutcome[]> {
  let topicPartitions: Array<{ topic: string; partitions: number[] }> | null = null;
  if (partitions !== null) {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) {
      let list = byTopic.get(p.topic);
      if (list === undefined) byTopic.set(p.topic, (list = []));
      list.push(p.partition);
    }
    topicPartitions = [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
  }
  const r = await client.request(ApiKey.ElectLeaders, { electionType: type, topicPartitions, timeoutMs });
  throwIfError(r.errorCode, 'electing leaders');
  const out: ElectionOutcome[] = [];
  for (const t of r.replicaElectionResults) {
    for (const p of t.partitionResult) {
      const error = p.errorCode === ErrorCode.NONE ? null : (errorInfo(p.errorCode)?.name ?? `error code ${p.errorCode}`);
      out.push({ topic: t.topic, partition: p.partitionId, error, message: p.errorMessage });
    }
  }
  return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
