/**
 * Waits until a share group has `members` members, each assigned at least one partition of
 * `topic`. Members joining within the assignment interval (group.share.assignment.interval.ms,
 * 1 s by default) of the first get their partitions at a heartbeat after it, as on Kafka 4.4, so
 * a test that needs records split between consumers produces them once this returns.
 */
import type { KafkaClient } from '../../../src/client/index.js';
import { describeShareGroup } from '../../../src/client/share-group-admin.js';
import { eventually } from '../../helpers/eventually.js';

export async function untilShareMembersAssigned(client: KafkaClient, groupId: string, topic: string, members: number, timeoutMs = 60_000): Promise<void> {
  await eventually(`${members} members of share group ${groupId}, each with a partition of ${topic}`, async () => {
    const d = await describeShareGroup(client, groupId);
    return d !== null && d.members.length === members && d.members.every((m) => m.assignment.some((a) => a.topic === topic && a.partitions.length > 0));
  }, { timeoutMs, intervalMs: 200, retryErrors: true });
}
