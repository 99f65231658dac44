// UpdateFeatures (key 57), versions 0-2 (all flexible). As Kafka 4.4's ControllerApis and
// QuorumController: ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED with no results;
// the updates checked in request order against the finalized levels and what this broker and
// every registered one supports (cluster/features.ts, Kafka's FeatureControlManager), the first error failing them all with
// INVALID_UPDATE_VERSION; then, unless validate_only (v1+), every level finalized in one
// change of the metadata store, which every broker's ApiVersions reports right after. v1
// replaces v0's AllowDowngrade with UpgradeType (1 upgrade, 2 safe downgrade, 3 unsafe
// downgrade); Kafka 4.4's controller reads UpgradeType from v0 requests too, where it is the
// default (upgrade), so a v0 downgrade is refused there as here. v0-1 responses carry a
// result per requested feature, all with the request's error; v2 drops them.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import type { UpdateFeaturesRequest } from '../../protocol/generated/update-features-request.js';
import type { UpdateFeaturesResponse } from '../../protocol/generated/update-features-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { ELIGIBLE_LEADER_REPLICAS_VERSION, isFeatureUpdateError, planFeatureUpdates, UpgradeType, type FeatureUpdate } from '../../cluster/features.js';
import { writeElrSafetyConfigs } from '../config-admin/elr-safety-configs.js';
import { isMetadataError } from '../../cluster/metadata.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

/** The response: v0-1 repeat the error per requested feature, with the error's default message ("NONE" for none) as Kafka's Errors.message gives it. */
function respond(request: UpdateFeaturesRequest, version: number, errorCode: number, message: string | null, withResults: boolean): UpdateFeaturesResponse {
  const resultMessage = errorCode === ErrorCode.NONE ? 'NONE' : errorMessage(errorCode);
  const results = withResults && version <= 1 ? request.featureUpdates.map((u) => ({ feature: u.feature, errorCode, errorMessage: resultMessage })) : [];
  return { throttleTimeMs: 0, errorCode, errorMessage: message, results };
}

/** One update per feature, in the order first named; a feature named again takes the later level and type (the controller's map put). */
function updatesOf(request: UpdateFeaturesRequest, version: number): FeatureUpdate[] {
  const byName = new Map<string, FeatureUpdate>();
  for (const u of request.featureUpdates) {
    const upgradeType = version >= 1 ? u.upgradeType : UpgradeType.Upgrade;
    const existing = byName.get(u.feature);
    if (existing === undefined) byName.set(u.feature, { feature: u.feature, level: u.maxVersionLevel, upgradeType });
    else [existing.level, existing.upgradeType] = [u.maxVersionLevel, upgradeType];
  }
  return [...byName.values()];
}

export const updateFeaturesHandler = defineHandler({
  apiKey: ApiKey.UpdateFeatures,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    if (!authorizeCluster(broker, info, AclOperation.Alter)) {
      return respond(request, v, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED), false);
    }
    const store = broker.metadata;
    const basis = store.finalizedFeatures();
    const updates = updatesOf(request, v);
    const planned = planFeatureUpdates(basis, updates, store.controllerId, store.registeredFeatures?.() ?? []);
    if (isFeatureUpdateError(planned)) {
      return respond(request, v, planned.errorCode, `The update failed for all features since the following feature had an error: ${planned.message}`, true);
    }
    // Nothing to write for no updates: Kafka's controller appends no record, so the epoch stays.
    if ((v >= 1 && request.validateOnly) || updates.length === 0) return respond(request, v, ErrorCode.NONE, null, true);
    try {
      await store.setFeatureLevels(planned, basis);
      // Kafka's controller adds its ELR safety configs whenever a request sets ELR above 0.
      if (updates.some((u) => u.feature === ELIGIBLE_LEADER_REPLICAS_VERSION && u.level > 0)) await writeElrSafetyConfigs(broker);
    } catch (err) {
      const code = isMetadataError(err) ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
      return respond(request, v, code, (err as Error).message, true);
    }
    return respond(request, v, ErrorCode.NONE, null, true);
  },
});
