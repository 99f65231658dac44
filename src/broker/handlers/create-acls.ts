// CreateAcls (key 30), versions 1-3 (Kafka 4.0 removed v0, KIP-896); v1 has the pattern type;
// v2 is flexible. As Kafka: without an authorizer every creation gets SECURITY_DISABLED; without
// ALTER on the cluster every one CLUSTER_AUTHORIZATION_FAILED; a creation failing
// AclControlManager.validateNewAcl gets INVALID_REQUEST with Kafka's message; the valid ones
// are stored together (creating an ACL that exists is a success that changes nothing). A host
// in CIDR notation (10.0.0.0/8, 2001:db8::/32) needs metadata.version 4.4-IV1, below which it
// is UNSUPPORTED_VERSION, and must parse as Kafka's CidrUtils parses it.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { AclCreationResult } from '../../protocol/generated/create-acls-response.js';
import { AclOperation, invalidAclReason, WILDCARD_HOST, type AclBinding } from '../../cluster/acls.js';
import { cidrAclsSupported } from '../../cluster/features.js';
import { cidrProblem } from '../../security/authorizer/cidr.js';
import { isMetadataError } from '../../cluster/metadata.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const NO_AUTHORIZER_MESSAGE = 'No Authorizer is configured.';

/** AclControlManager.validateHostPattern: the error of a host pattern Kafka refuses, else null. */
function hostPatternError(host: string, cidrSupported: boolean): AclCreationResult | null {
  if (host === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Host pattern cannot be null or empty' };
  if (host === WILDCARD_HOST || !host.includes('/')) return null;
  if (!cidrSupported) return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: 'CIDR-based ACL host patterns require metadata version 4.4-IV1 or higher.' };
  const problem = cidrProblem(host);
  return problem === null ? null : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid CIDR notation '${host}': ${problem}` };
}

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
    const cidrSupported = cidrAclsSupported(broker.metadata.finalizedFeatures());
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
      const hostError = reason === null ? hostPatternError(binding.host, cidrSupported) : null;
      if (reason !== null) {
        results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason });
      } else if (hostError !== null) {
        results.push(hostError);
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
