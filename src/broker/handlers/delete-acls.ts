// DeleteAcls (key 31), versions 1-3 (Kafka 4.0 removed v0, KIP-896); v1 has the pattern type
// filter; v2 is flexible. As Kafka: every filter answered SECURITY_DISABLED without an
// authorizer, CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster, INVALID_REQUEST when
// it has UNKNOWN parts; otherwise every ACL a filter matches is deleted and listed under it
// (an ACL matched by two filters is listed under both).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DeleteAclsFilterResult } from '../../protocol/generated/delete-acls-response.js';
import { AclOperation, filterMatches, invalidFilterReason, type AclBinding, type AclBindingFilter } from '../../cluster/acls.js';
import { isMetadataError } from '../../cluster/metadata.js';
import { authorizeCluster } from '../authorize.js';
import { NO_AUTHORIZER_MESSAGE } from './create-acls.js';
import { defineHandler } from './handler.js';

export const deleteAclsHandler = defineHandler({
  apiKey: ApiKey.DeleteAcls,
  minVersion: 1,
  maxVersion: 3,
  async handle(request, info, broker) {
    const everyOne = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      filterResults: request.filters.map((): DeleteAclsFilterResult => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (broker.authorizer === null) return everyOne(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER_MESSAGE);
    if (!authorizeCluster(broker, info, AclOperation.Alter)) return everyOne(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const bindings = broker.metadata.acls().bindings;
    const toDelete = new Set<AclBinding>();
    const filterResults: DeleteAclsFilterResult[] = request.filters.map((f) => {
      const filter: AclBindingFilter = {
        resourceType: f.resourceTypeFilter,
        resourceName: f.resourceNameFilter,
        patternType: f.patternTypeFilter,
        principal: f.principalFilter,
        host: f.hostFilter,
        operation: f.operation,
        permission: f.permissionType,
      };
      const reason = invalidFilterReason(filter);
      if (reason !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason, matchingAcls: [] };
      const result: DeleteAclsFilterResult = { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: [] };
      for (const b of bindings) {
        if (!filterMatches(filter, b)) continue;
        toDelete.add(b);
        result.matchingAcls.push({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: b.resourceType,
          resourceName: b.resourceName,
          patternType: b.patternType,
          principal: b.principal,
          host: b.host,
          operation: b.operation,
          permissionType: b.permission,
        });
      }
      return result;
    });
    try {
      await broker.metadata.alterAcls([], [...toDelete]);
    } catch (err) {
      const errorCode = isMetadataError(err) ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
      for (const r of filterResults) {
        if (r.errorCode !== ErrorCode.NONE) continue;
        [r.errorCode, r.errorMessage] = [errorCode, (err as Error).message];
        r.matchingAcls = [];
      }
    }
    return { throttleTimeMs: 0, filterResults };
  },
});
