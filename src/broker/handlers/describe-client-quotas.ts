// DescribeClientQuotas (key 48), versions 0-1 (v1 flexible). As KafkaApis: DESCRIBE_CONFIGS on
// the cluster or CLUSTER_AUTHORIZATION_FAILED; the filter is matched as ClientQuotasImage.describe
// (client-quota-control.ts), a malformed one answers the error with entries null.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import { describeClientQuotas, quotaEntityParts } from '../../cluster/client-quota-control.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const describeClientQuotasHandler = defineHandler({
  apiKey: ApiKey.DescribeClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  handle(request, info, broker) {
    if (!authorizeCluster(broker, info, AclOperation.DescribeConfigs)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED), entries: null };
    }
    const found = describeClientQuotas(broker.metadata.clientQuotas(), request.components, request.strict);
    if (!Array.isArray(found)) return { throttleTimeMs: 0, errorCode: found.errorCode, errorMessage: found.message, entries: null };
    const entries = found.map((e) => ({
      entity: quotaEntityParts(e.entity),
      values: Object.entries(e.quotas).map(([key, value]) => ({ key, value })),
    }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
  },
});
