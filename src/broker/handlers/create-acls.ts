// CreateAcls (key 30), versions 1-3 (Kafka 4.0 removed v0, KIP-896); v1 has the pattern type;
// v2 is flexible. As Kafka: without an authorizer every creation gets SECURITY_DISABLED; without
// ALTER on the cluster every one CLUSTER_AUTHORIZATION_FAILED; a creation failing
// AclControlManager.validateNewAcl gets INVALID_REQUEST with Kafka's message; the valid ones
// are stored together (creating an ACL that exists is a success that changes nothing).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { AclCreationResult } from '../../protocol/generated/create-acls-response.js';
import { AclOperation, invalidAclReason, type AclBinding } from '../../cluster/acls.js';
import { isMetadataError } from '../../cluster/metadata.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const NO_AUTHORIZER_MESSAGE = 'No Authorizer is configured.';

export const createAclsHandler = defineHandler({
  apiKey: ApiKey.CreateAcls,
  minVersion: 1,
  maxVersion: 3,
  async handle(request, info, broker) {
    const everyOne = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      results: request.creations.map((): AclCreationResult => ({ errorCode, errorMessage })),
    });
    if (broker.authorizer === null) return everyOne(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER_MESSAGE);
    if (!authorizeCluster(broker, info, AclOperation.Alter)) return everyOne(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    const results: AclCreationResult[] = [];
    const valid: AclBinding[] = [];
    for (const c of request.creations) {
      const binding: AclBinding = {
        resourceType: c.resourceType,
        resourceName: c.resourceName,
        patternType: c.resourcePatternType,
        principal: c.principal,
        host: c.host,
        operation: c.operation,
        permission: c.permissionType,
      };
      const reason = invalidAclReason(binding);
      if (reason !== null) {
        results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason });
      } else {
        results.push({ errorCode: ErrorCode.NONE, errorMessage: null });
        valid.push(binding);
      }
    }
    try {
      await broker.metadata.alterAcls(valid, []);
    } catch (err) {
      const errorCode = isMetadataError(err) ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
      for (const r of results) if (r.errorCode === ErrorCode.NONE) [r.errorCode, r.errorMessage] = [errorCode, (err as Error).message];
    }
    return { throttleTimeMs: 0, results };
  },
});
