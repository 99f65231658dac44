// ApiVersions (key 18), versions 0-5. v3 adds client software name/version to the request
// and flexible encoding; v3+ responses carry supported and finalized features as tagged
// fields; v5 (KIP-1242) lets a client name the cluster and node it thinks it reached, and a
// mismatch is answered REBOOTSTRAP_REQUIRED. The response header is always v0 (the codec tables know this), so a client that
// does not yet know our versions can read it.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ApiVersionsResponse } from '../../protocol/generated/api-versions-response.js';
import type { BrokerContext } from '../context.js';
import { featureLevel, GROUP_VERSION, SHARE_VERSION, STREAMS_VERSION, SUPPORTED_FEATURES, TRANSACTION_VERSION } from '../../cluster/features.js';
import { defineHandler } from './handler.js';
import type { HandlerRegistry } from './registry.js';

/**
 * Whether the handlers behind a feature are registered: a feature is advertised only then
 * (`group.version` needs ConsumerGroupHeartbeat, `streams.version` StreamsGroupHeartbeat,
 * `transaction.version` EndTxn v5, `share.version` ShareGroupHeartbeat, ShareFetch and
 * ShareAcknowledge).
 */
function served(registry: HandlerRegistry, name: string): boolean {
  switch (name) {
    case GROUP_VERSION:
      return registry.get(ApiKey.ConsumerGroupHeartbeat) !== undefined;
    case STREAMS_VERSION:
      return registry.get(ApiKey.StreamsGroupHeartbeat) !== undefined;
    case TRANSACTION_VERSION:
      return registry.supports(ApiKey.EndTxn, 5);
    case SHARE_VERSION:
      return registry.get(ApiKey.ShareGroupHeartbeat) !== undefined && registry.get(ApiKey.ShareFetch) !== undefined && registry.get(ApiKey.ShareAcknowledge) !== undefined;
    default:
      return true;
  }
}

/**
 * The response body, also used for KIP-511's UNSUPPORTED_VERSION answer. Supported features
 * are this broker's (cluster/features.ts); finalized ones the metadata store's levels above 0,
 * as Kafka leaves a feature at level 0 out of the finalized map, with their epoch.
 */
export function apiVersionsBody(broker: BrokerContext, errorCode: number): ApiVersionsResponse {
  const registry = broker.handlers;
  const finalized = broker.metadata.finalizedFeatures();
  const supportedFeatures: ApiVersionsResponse['supportedFeatures'] = [];
  const finalizedFeatures: ApiVersionsResponse['finalizedFeatures'] = [];
  for (const f of SUPPORTED_FEATURES) {
    if (!served(registry, f.name)) continue;
    supportedFeatures.push({ name: f.name, minVersion: f.min, maxVersion: f.max });
    const level = featureLevel(finalized, f.name);
    if (level > 0) finalizedFeatures.push({ name: f.name, maxVersionLevel: level, minVersionLevel: level });
  }
  return {
    errorCode,
    apiKeys: registry.all().map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })),
    throttleTimeMs: 0,
    supportedFeatures,
    finalizedFeaturesEpoch: finalized.epoch,
    finalizedFeatures,
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
