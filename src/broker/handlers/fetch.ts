// Fetch (key 1), versions 4-18 (Kafka 4.0 removed 0-3). v4 isolation level, last stable
// offset and aborted transactions; v5 log start offset; v6 KAFKA_STORAGE_ERROR (older
// versions get NOT_LEADER_OR_FOLLOWER instead); v7 incremental fetch sessions (KIP-227) and a
// top-level error; v9 current leader epoch (KIP-320); v10 zstd (older versions get
// UNSUPPORTED_COMPRESSION_TYPE for zstd topics); v11 rack id and preferred read replica
// (KIP-392: with replica.selector.class the leader may name a closer replica, and followers
// serve consumers of v11+); v12 flexible, last fetched epoch and the diverging epoch /
// current leader tagged fields; v13 topic ids instead of names (UNKNOWN_TOPIC_ID,
// FETCH_SESSION_TOPIC_ID_ERROR, INCONSISTENT_TOPIC_ID); v14 OFFSET_MOVED_TO_TIERED_STORAGE
// (no tiered storage: never sent); v15 ReplicaState replaces replica_id (KIP-903); v16 node
// endpoints for NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH (KIP-951); v17 replica directory
// id (KIP-853, followers only); v18 a fetcher's high watermark as a tagged field (KIP-1166),
// which only the KRaft quorum's fetches use: a Kafka 4.4 broker's partition fetch ignores it,
// and so does Millrace's. A consumer_byte_rate quota caps max_bytes to what its
// window allows (the throttle itself is charged by the dispatcher). The work is in ../fetch/; large records buffers go out
// as their own chunks of the frame, uncopied (../fetch/fetch-encoder.ts).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { encodeFetchResponseFrame } from '../fetch/fetch-encoder.js';
import { quotaUser } from '../quotas/client-quotas.js';
import { defineHandler } from './handler.js';

export const fetchHandler = defineHandler({
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 18,
  handle(request, info, broker) {
    // KafkaApis: a consumer under a consumer_byte_rate quota fetches at most what the quota
    // window allows, so that one response cannot be throttled for ever.
    if (broker.clientQuotas.refresh() && (info.apiVersion >= 15 ? request.replicaState.replicaId : request.replicaId) < 0) {
      const cap = broker.clientQuotas.fetch.maxValueInQuotaWindow(quotaUser(info.principal), info.clientId ?? '');
      if (cap < request.maxBytes) {
        request.maxBytes = Math.max(0, Math.floor(cap));
        request.minBytes = Math.min(request.minBytes, request.maxBytes);
      }
    }
    return broker.fetch.fetch(request, info.apiVersion, info.listenerName, broker.authorizer, info.principal, info.clientHost);
  },
  encode(response, info) {
    return encodeFetchResponseFrame(info.apiVersion, info.correlationId, response);
  },
});
