// ApiVersions (key 18), versions 0-4. v3 adds client software name/version to the request
// and flexible encoding; v3+ responses carry supported and finalized features as tagged
// fields. The response header is always v0 (the codec tables know this), so a client that
// does not yet know our versions can read it.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ApiVersionsResponse } from '../../protocol/generated/api-versions-response.js';
import type { BrokerContext } from '../context.js';
import { defineHandler } from './handler.js';
import type { HandlerRegistry } from './registry.js';

/** Kafka 4.0's `metadata.version` for 4.0-IV3, the level a 4.0 broker finalizes. */
const METADATA_VERSION_4_0 = 25;
/** Lowest `metadata.version` a Kafka 4.0 broker supports (3.3-IV3). */
const METADATA_VERSION_MIN = 7;

interface Feature {
  name: string;
  min: number;
  max: number;
  finalized: number;
}

/**
 * Features this broker supports, as Kafka 4.0 names them. A feature appears only when the
 * handlers behind it are registered: `group.version` 1 means the KIP-848 consumer protocol,
 * `streams.version` 1 the KIP-1071 streams protocol,
 * `transaction.version` 2 means transactions v2 (KIP-890, EndTxn v5), `share.version` 1 share
 * groups (KIP-932: ShareGroupHeartbeat, ShareFetch, ShareAcknowledge), which Kafka 4.2+ enables
 * on a new cluster.
 */
function features(registry: HandlerRegistry): Feature[] {
  const out: Feature[] = [{ name: 'metadata.version', min: METADATA_VERSION_MIN, max: METADATA_VERSION_4_0, finalized: METADATA_VERSION_4_0 }];
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
  maxVersion: 4,
  handle(request, info, broker) {
    if (info.apiVersion >= 3 && (!SOFTWARE_PATTERN.test(request.clientSoftwareName) || !SOFTWARE_PATTERN.test(request.clientSoftwareVersion))) {
      return apiVersionsBody(broker, ErrorCode.INVALID_REQUEST);
    }
    return apiVersionsBody(broker, ErrorCode.NONE);
  },
});
