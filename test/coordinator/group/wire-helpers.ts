/**
 * Group requests over the wire for handler tests: a member that joins (with the KIP-394
 * second join), syncs and commits through WireClient, at a chosen version of each API.
 */
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import type { JoinGroupResponse } from '../../../src/protocol/generated/join-group-response.js';
import { defaultJoinGroupRequest } from '../../../src/protocol/generated/join-group-request.js';
import { defaultSyncGroupRequest } from '../../../src/protocol/generated/sync-group-request.js';
import { defaultOffsetCommitRequest } from '../../../src/protocol/generated/offset-commit-request.js';
import { defaultOffsetFetchRequest } from '../../../src/protocol/generated/offset-fetch-request.js';
import type { WireClient } from '../../helpers/wire-client.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { subscription } from './helpers.js';

export { subscription };

export interface JoinParams {
  groupId: string;
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: Array<{ name: string; metadata: Buffer }>;
  topics?: string[];
}

export function joinBody(p: JoinParams) {
  return {
    ...defaultJoinGroupRequest(),
    groupId: p.groupId,
    sessionTimeoutMs: p.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: p.rebalanceTimeoutMs ?? 10_000,
    memberId: p.memberId ?? '',
    groupInstanceId: p.groupInstanceId ?? null,
    protocolType: p.protocolType ?? 'consumer',
    protocols: p.protocols ?? [{ name: 'range', metadata: subscription(...(p.topics ?? ['t'])) }],
  };
}

/** Joins at `version`, doing the second join when told MEMBER_ID_REQUIRED. */
export async function joinGroup(client: WireClient, version: number, p: JoinParams): Promise<JoinGroupResponse> {
  const first = await client.request(ApiKey.JoinGroup, version, joinBody(p));
  if (first.errorCode !== 79) return first;
  return client.request(ApiKey.JoinGroup, version, joinBody({ ...p, memberId: first.memberId }));
}

export function syncBody(groupId: string, generationId: number, memberId: string, assignments: Array<{ memberId: string; assignment: Buffer }> = [], groupInstanceId: string | null = null) {
  return { ...defaultSyncGroupRequest(), groupId, generationId, memberId, groupInstanceId, protocolType: 'consumer', protocolName: 'range', assignments };
}

export function commitBody(groupId: string, offsets: Array<[string, number, bigint, (string | null)?]>, generationId = -1, memberId = '') {
  const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>>();
  for (const [t, partitionIndex, committedOffset, metadata] of offsets) {
    if (!byTopic.has(t)) byTopic.set(t, []);
    byTopic.get(t)!.push({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: metadata ?? null });
  }
  return { ...defaultOffsetCommitRequest(), groupId, generationIdOrMemberEpoch: generationId, memberId, topics: [...byTopic].map(([name, partitions]) => ({ name, topicId: ZERO_UUID, partitions })) };
}

/** OffsetFetch v8 for one group: topic → partition → offset (and metadata). */
export async function fetchCommitted(client: WireClient, groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null = null): Promise<Map<string, { offset: bigint; metadata: string | null }>> {
  const r = await client.request(ApiKey.OffsetFetch, 8, { ...defaultOffsetFetchRequest(), groups: [{ groupId, memberId: null, memberEpoch: -1, topics: topics?.map((t) => ({ ...t, topicId: ZERO_UUID })) ?? null }] });
  const out = new Map<string, { offset: bigint; metadata: string | null }>();
  for (const t of r.groups[0]!.topics) for (const p of t.partitions) out.set(`${t.name}-${p.partitionIndex}`, { offset: p.committedOffset, metadata: p.metadata });
  return out;
}
