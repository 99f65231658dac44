// AlterClientQuotas (key 49), versions 0-1 (v1 flexible). As KafkaApis and the controller's
// ClientQuotaControlManager: ALTER_CONFIGS on the cluster or every entry
// CLUSTER_AUTHORIZATION_FAILED; each entry validated on its own (INVALID_REQUEST with Kafka's
// message for a bad entity, key or value); the valid ones stored in one change unless
// validate_only.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import type { EntryData } from '../../protocol/generated/alter-client-quotas-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { isQuotaError, validateQuotaAlteration } from '../../cluster/client-quota-control.js';
import type { QuotaChange } from '../../cluster/client-quotas.js';
import { isMetadataError } from '../../cluster/metadata.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const alterClientQuotasHandler = defineHandler({
  apiKey: ApiKey.AlterClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, info, broker) {
    const entity = (e: (typeof request.entries)[number]) => e.entity.map((d) => ({ entityType: d.entityType, entityName: d.entityName }));
    if (!authorizeCluster(broker, info, AclOperation.AlterConfigs)) {
      const message = errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      return { throttleTimeMs: 0, entries: request.entries.map((e) => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: message, entity: entity(e) })) };
    }
    const entries: EntryData[] = [];
    const changes: QuotaChange[] = [];
    for (const e of request.entries) {
      const r = validateQuotaAlteration(e.entity, e.ops);
      if (isQuotaError(r)) {
        entries.push({ errorCode: r.errorCode, errorMessage: r.message, entity: entity(e) });
      } else {
        entries.push({ errorCode: ErrorCode.NONE, errorMessage: null, entity: entity(e) });
        changes.push(r);
      }
    }
    if (!request.validateOnly && changes.length > 0) {
      try {
        await broker.metadata.alterClientQuotas(changes);
      } catch (err) {
        const errorCode = isMetadataError(err) ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
        for (const r of entries) if (r.errorCode === ErrorCode.NONE) [r.errorCode, r.errorMessage] = [errorCode, (err as Error).message];
      }
    }
    return { throttleTimeMs: 0, entries };
  },
});
