/**
 * What Kafka's Admin.deleteConsumerGroupOffsets (and deleteStreamsGroupOffsets) does: OffsetDelete
 * to the group's coordinator. The broker refuses a partition a member still consumes
 * (GROUP_SUBSCRIBED_TO_TOPIC) and answers per partition; a group-level error is thrown.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { KafkaClient } from './client.js';
import { KafkaResponseError, throwIfError } from './errors.js';

export interface DeletedOffset {
  topic: string;
  partition: number;
  /** Kafka's error name, or null when the committed offset is gone. */
  error: string | null;
}

export async function deleteCommittedOffsets(client: KafkaClient, groupId: string, partitions: ReadonlyMap<string, readonly number[]>): Promise<DeletedOffset[]> {
  return client.retrying(async () => {
    const conn = await client.coordinator(groupId);
    const r = await conn.request(ApiKey.OffsetDelete, {
      groupId,
      topics: [...partitions].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })),
    });
    throwIfError(r.errorCode, `deleting offsets of group ${groupId}`);
    const out: DeletedOffset[] = [];
    for (const t of r.topics) {
      for (const p of t.partitions) {
        out.push({ topic: t.name, partition: p.partitionIndex, error: p.errorCode === ErrorCode.NONE ? null : new KafkaResponseError(p.errorCode, '').errorName });
      }
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  });
}
