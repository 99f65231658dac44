// DescribeAcls (key 29), versions 1-3 (Kafka 4.0 removed v0, KIP-896); v1 has the pattern type
// filter; v2 is flexible. As Kafka: SECURITY_DISABLED without an authorizer,
// CLUSTER_AUTHORIZATION_FAILED without DESCRIBE on the cluster, INVALID_REQUEST for a filter
// with UNKNOWN parts; the matching ACLs grouped by resource pattern.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DescribeAclsResource, DescribeAclsResponse } from '../../protocol/generated/describe-acls-response.js';
import { AclOperation, filterMatches, invalidFilterReason, type AclBindingFilter } from '../../cluster/acls.js';
import { authorizeCluster } from '../authorize.js';
import { NO_AUTHORIZER_MESSAGE } from './create-acls.js';
import { defineHandler } from './handler.js';

function failed(errorCode: number, errorMessage: string | null): DescribeAclsResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage, resources: [] };
}

export const describeAclsHandler = defineHandler({
  apiKey: ApiKey.DescribeAcls,
  minVersion: 1,
  maxVersion: 3,
  handle(request, info, broker) {
    if (broker.authorizer === null) return failed(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER_MESSAGE);
    if (!authorizeCluster(broker, info, AclOperation.Describe)) return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const filter: AclBindingFilter = {
      resourceType: request.resourceTypeFilter,
      resourceName: request.resourceNameFilter,
      patternType: request.patternTypeFilter,
      principal: request.principalFilter,
      host: request.hostFilter,
      operation: request.operation,
      permission: request.permissionType,
    };
    const reason = invalidFilterReason(filter);
    if (reason !== null) return failed(ErrorCode.INVALID_REQUEST, reason);
    const byPattern = new Map<string, DescribeAclsResource>();
    for (const b of broker.metadata.acls().bindings) {
      if (!filterMatches(filter, b)) continue;
      const key = `${b.resourceType}:${b.patternType}:${b.resourceName}`;
      let r = byPattern.get(key);
      if (r === undefined) byPattern.set(key, (r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
      r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byPattern.values()] };
  },
});
