// OffsetFetch (key 9), versions 1-10, as Kafka 4.4 serves them (v0, offsets in ZooKeeper, was
// removed). v2 allows a null topic list (every committed partition) and adds a top-level
// error code; v3 the throttle time; v5 the committed leader epoch; v6 is the first flexible
// version; v7 adds require_stable (wait for commits not yet committed, and answer
// UNSTABLE_OFFSET_COMMIT for a partition an open transaction has an offset for, KIP-447); v8 fetches several
// groups in one request, each with its own error code; v9 adds member id and epoch, which
// only KIP-848 groups check (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH for the group); v10 names
// topics by id (KIP-848): an id no topic has is answered UNKNOWN_TOPIC_ID, and asking for all
// topics leaves out those whose topic no longer exists (no id to name them by).
// Partitions without a commit answer offset -1 and no metadata; so does a group that does
// not exist.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { OffsetFetchResponse, OffsetFetchResponseGroup, OffsetFetchResponseTopic } from '../../protocol/generated/offset-fetch-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import type { BrokerContext } from '../context.js';
import { defineHandler, type RequestInfo } from './handler.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';

interface GroupFetch {
  groupId: string;
  /** From v10 the names are those of the topic ids, '' for an id no topic has. */
  topics: ReadonlyArray<{ name: string; topicId: Buffer; partitionIndexes: readonly number[] }> | null;
  /** v9: the member fetching, checked against consumer groups (null and -1 for an admin). */
  memberId: string | null;
  memberEpoch: number;
}

export const offsetFetchHandler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 1,
  maxVersion: 10,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const groups = broker.groups;
    const wanted: GroupFetch[] =
      v >= 8
        ? request.groups.map((g) => ({ groupId: g.groupId, topics: g.topics, memberId: v >= 9 ? g.memberId : null, memberEpoch: v >= 9 ? g.memberEpoch : -1 }))
        : [{ groupId: request.groupId, topics: request.topics?.map((t) => ({ name: t.name, topicId: ZERO_UUID, partitionIndexes: t.partitionIndexes })) ?? null, memberId: null, memberEpoch: -1 }];
    // v10: each id's topic name, as KafkaApis fills them in before asking the coordinator.
    if (v >= 10) for (const g of request.groups) for (const t of g.topics ?? []) t.name = broker.metadata.topicById(t.topicId)?.name ?? '';
    const requireStable = v >= 7 && request.requireStable;
    const status = groups.statusError();
    const results: OffsetFetchResponseGroup[] = [];
    for (const g of wanted) {
      if (!authorizeGroup(broker, info, AclOperation.Describe, g.groupId)) {
        results.push({ groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED });
        continue;
      }
      const error = status !== ErrorCode.NONE ? status : groups.groupError(g.groupId);
      if (error !== ErrorCode.NONE) {
        results.push({ groupId: g.groupId, topics: [], errorCode: error });
        continue;
      }
      const invalid = groups.validateOffsetFetch(g.groupId, g.memberId, g.memberEpoch);
      if (invalid !== ErrorCode.NONE) {
        results.push({ groupId: g.groupId, topics: [], errorCode: invalid });
        continue;
      }
      const topics = v >= 10 ? await fetchByTopicId(broker, info, g, requireStable) : await fetchAuthorized(broker, info, g, requireStable);
      results.push({ groupId: g.groupId, topics, errorCode: ErrorCode.NONE });
    }
    if (v >= 8) return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE, groups: results } satisfies OffsetFetchResponse;
    const only = results[0]!;
    const topics: OffsetFetchResponseTopic[] = only.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) =>
        // v1 has no top-level error: a group error goes to each partition.
        v < 2 && only.errorCode !== ErrorCode.NONE
          ? { partitionIndex: p.partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: only.errorCode }
          : { ...p },
      ),
    }));
    return { throttleTimeMs: 0, topics, errorCode: only.errorCode, groups: [] } satisfies OffsetFetchResponse;
  },
});

/** A topic's partitions all answered with one error, as KafkaApis's buildErrorResponse. */
function errorTopic(t: { name: string; topicId: Buffer; partitionIndexes: readonly number[] }, errorCode: number): OffsetFetchResponseGroup['topics'][number] {
  return { name: t.name, topicId: t.topicId, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode })) };
}

/**
 * v10: fetchAuthorized by topic id. Named ids no topic has get UNKNOWN_TOPIC_ID; every answered
 * topic carries its id (all topics: the id of the topic of that name now, and a topic that no
 * longer exists is left out).
 */
async function fetchByTopicId(broker: BrokerContext, info: RequestInfo, g: GroupFetch, requireStable: boolean): Promise<OffsetFetchResponseGroup['topics']> {
  if (g.topics === null) {
    const all = await fetchAuthorized(broker, info, g, requireStable);
    const out: OffsetFetchResponseGroup['topics'] = [];
    for (const t of all) {
      const id = broker.metadata.topic(t.name)?.id;
      if (id === undefined) continue;
      t.topicId = id;
      out.push(t);
    }
    return out;
  }
  const known = g.topics.filter((t) => t.name !== '');
  const fetched = known.length === 0 ? [] : await fetchAuthorized(broker, info, { ...g, topics: known }, requireStable);
  const ids = new Map(known.map((t) => [t.name, t.topicId]));
  for (const t of fetched) t.topicId = ids.get(t.name) ?? t.topicId;
  for (const t of g.topics) if (t.name === '') fetched.push(errorTopic(t, ErrorCode.UNKNOWN_TOPIC_ID));
  return fetched;
}

/**
 * The group's offsets of the topics the principal may describe (KafkaApis): all topics
 * leaves the others out; named ones are answered TOPIC_AUTHORIZATION_FAILED.
 */
async function fetchAuthorized(broker: BrokerContext, info: RequestInfo, g: GroupFetch, requireStable: boolean): Promise<OffsetFetchResponseGroup['topics']> {
  if (broker.authorizer === null) return broker.groups.fetchOffsets(g.groupId, g.topics, requireStable);
  if (g.topics === null) {
    const all = await broker.groups.fetchOffsets(g.groupId, null, requireStable);
    return all.filter((t) => authorizeTopic(broker, info, AclOperation.Describe, t.name));
  }
  const allowed = g.topics.filter((t) => authorizeTopic(broker, info, AclOperation.Describe, t.name));
  const fetched = allowed.length === 0 ? [] : await broker.groups.fetchOffsets(g.groupId, allowed, requireStable);
  for (const t of g.topics) {
    if (!allowed.includes(t)) fetched.push(errorTopic(t, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
  }
  return fetched;
}
