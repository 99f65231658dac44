// ApiVersions (key 18), versions 0-5. v3 adds client software name/version to the request
// and flexible encoding; v3+ responses carry supported and finalized features as tagged
// fields; v5 (KIP-1242) lets a client name the cluster and node it thinks it reached, and a
// mismatch is answered REBOOTSTRAP_REQUIRED. The response header is always v0 (the codec tables know this), so a client that
// does not yet know our versions can read it.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ApiVersionsResponse } from '../../protocol/generated/api-versions-response.js';
import type { BrokerContext } from '../context.js';
import { defineHandler } from './handler.js';
import type { HandlerRegistry } from './registry.js';

/**
 * `metadata.version` 4.2-IV1, the highest level whose behaviour Millrace has. Kafka 4.4's
 * MetadataVersion gates, above 4.0-IV3 (25): Fetch v18 between brokers at 4.1-IV1 (27),
 * ListOffsets v11 at 4.2-IV1 (29), both served; cordoned log directories at 4.3-IV0 (30), CIDR
 * ACLs at 4.4-IV1 (32) and controller unregistration at 4.4-IV2 (33, KRaft), which Millrace
 * lacks, so it stops below 4.3-IV0 where a 4.4 broker finalizes 4.4-IV2.
 */
const METADATA_VERSION_MAX = 29;
/** Lowest `metadata.version` a Kafka 4.x broker supports (3.3-IV3). */
const METADATA_VERSION_MIN = 7;

interface Feature {
  name: string;
  min: number;
  max: number;
  finalized: number;
}

/**
 * Features this broker supports, as Kafka 4.4 names them. A feature appears only when the
 * handlers behind it are registered: `group.version` 1 means the KIP-848 consumer protocol,
 * `streams.version` 1 the KIP-1071 streams protocol, `transaction.version` 2 transactions v2
 * (KIP-890, EndTxn v5), `share.version` 1 share groups (KIP-932: ShareGroupHeartbeat, ShareFetch,
 * ShareAcknowledge), which Kafka 4.2+ enables on a new cluster; the group, streams and transaction
 * levels are Kafka 4.4's highest.
 * `eligible.leader.replicas.version` (no ELR) and `kraft.version` (no KRaft) are left out.
 */
function features(registry: HandlerRegistry): Feature[] {
  const out: Feature[] = [{ name: 'metadata.version', min: METADATA_VERSION_MIN, max: METADATA_VERSION_MAX, finalized: METADATA_VERSION_MAX }];
  if (registry.get(ApiKey.ConsumerGroupHeartbeat) !== undefined) out.push({ name: 'group.version', min: 0, max: 1, finalized: 1 });
  // streams.version 1: the KIP-1071 streams rebalance protocol (Kafka 4.4's StreamsVersion.SV_1).
  if (registry.get(ApiKey.StreamsGroupHeartbeat) !== undefined) out.push({ name: 'streams.version', min: 0, max: 1, finalized: 1 });
  if (registry.supports(ApiKey.EndTxn, 5)) out.push({ name: 'transaction.version', min: 0, max: 2, finalized: 2 });
  if (registry.get(ApiKey.ShareGroupHeartbeat) !== undefined && registry.get(ApiKey.ShareFetch) !== undefined && registry.get(ApiKey.ShareAcknowledge) !== undefined) {
    out.push({ name: 'share.version', min: 0, max: 1, finalized: 1 });
  }
  return out;
}

/** The response body, also used for KIP-511's UNSUPPORTED_VERSION answer. */
export function apiVersionsBody(broker: BrokerContext, errorCode: number): ApiVersionsResponse {
  const registry = broker.handlers;
  const fs = features(registry);
  return {
    errorCode,
    apiKeys: registry.all().map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })),
    throttleTimeMs: 0,
    supportedFeatures: fs.map((f) => ({ name: f.name, minVersion: f.min, maxVersion: f.max })),
    finalizedFeaturesEpoch: 1n,
    finalizedFeatures: fs.map((f) => ({ name: f.name, maxVersionLevel: f.finalized, minVersionLevel: f.finalized })),
    zkMigrationReady: false,
  };
}

/** Kafka's pattern for client software names and versions (KIP-511). */
const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler = defineHandler({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 5,
  handle(request, info, broker) {
    if (info.apiVersion >= 3 && (!SOFTWARE_PATTERN.test(request.clientSoftwareName) || !SOFTWARE_PATTERN.test(request.clientSoftwareVersion))) {
      return apiVersionsBody(broker, ErrorCode.INVALID_REQUEST);
    }
    // As KafkaApis: a named cluster must be ours, and then the named node must be this one.
    if (info.apiVersion >= 5 && request.clusterId !== null && (request.clusterId !== broker.metadata.clusterId || request.nodeId !== broker.nodeId)) {
      return { errorCode: ErrorCode.REBOOTSTRAP_REQUIRED, apiKeys: [], throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false };
    }
    return apiVersionsBody(broker, ErrorCode.NONE);
  },
});
