// CreateDelegationToken (key 38), versions 1-3 (2+ flexible; 3 names an owner, KIP-373). As
// KafkaApis and the controller's DelegationTokenControlManager: refused on a connection that
// may not ask for tokens (DELEGATION_TOKEN_REQUEST_NOT_ALLOWED), for another owner without
// CREATE_TOKENS on that User (DELEGATION_TOKEN_AUTHORIZATION_FAILED), with a renewer that is
// not a User (INVALID_PRINCIPAL_TYPE), all three with timestamps -1; without a secret key
// DELEGATION_TOKEN_AUTH_DISABLED with timestamps 0, as the controller answers it.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { CreateDelegationTokenResponse } from '../../protocol/generated/create-delegation-token-response.js';
import { isMetadataError } from '../../cluster/metadata.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { principalName, principalType, USER_TYPE, type CreatedToken } from '../../security/delegation-tokens.js';
import { authorize } from '../authorize.js';
import { tokenRequestsAllowed } from './common.js';
import { defineHandler } from './handler.js';

const EMPTY = Buffer.alloc(0);

/** The response without a token; the requester only from v3, which has it (prepareResponse). */
function refused(version: number, errorCode: number, owner: string, requester: string, timestamp: bigint): CreateDelegationTokenResponse {
  return {
    errorCode,
    principalType: principalType(owner),
    principalName: principalName(owner),
    tokenRequesterPrincipalType: version >= 3 ? principalType(requester) : '',
    tokenRequesterPrincipalName: version >= 3 ? principalName(requester) : '',
    issueTimestampMs: timestamp,
    expiryTimestampMs: timestamp,
    maxTimestampMs: timestamp,
    tokenId: '',
    hmac: EMPTY,
    throttleTimeMs: 0,
  };
}

export const createDelegationTokenHandler = defineHandler({
  apiKey: ApiKey.CreateDelegationToken,
  minVersion: 1,
  maxVersion: 3,
  async handle(request, info, broker) {
    const requester = info.principal;
    const owner = request.ownerPrincipalName === null || request.ownerPrincipalName === '' ? requester : `${request.ownerPrincipalType ?? ''}:${request.ownerPrincipalName}`;
    if (!tokenRequestsAllowed(broker, info)) return refused(info.apiVersion, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, owner, requester, -1n);
    if (owner !== requester && !authorize(broker, info, AclOperation.CreateTokens, ResourceType.User, owner)) {
      return refused(info.apiVersion, ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED, owner, requester, -1n);
    }
    const renewers = request.renewers.map((r) => `${r.principalType}:${r.principalName}`);
    if (request.renewers.some((r) => r.principalType !== USER_TYPE)) return refused(info.apiVersion, ErrorCode.INVALID_PRINCIPAL_TYPE, owner, requester, -1n);
    let created: CreatedToken;
    try {
      created = await broker.delegationTokens.create(owner, requester, renewers, request.maxLifetimeMs);
    } catch (err) {
      if (!isMetadataError(err)) throw err;
      return refused(info.apiVersion, err.errorCode, owner, requester, 0n);
    }
    const token = created.token;
    if (token === null) return refused(info.apiVersion, created.errorCode, owner, requester, 0n);
    return {
      ...refused(info.apiVersion, ErrorCode.NONE, owner, requester, 0n),
      issueTimestampMs: token.issueTimestamp,
      expiryTimestampMs: token.expiryTimestamp,
      maxTimestampMs: token.maxTimestamp,
      tokenId: token.tokenId,
      hmac: created.hmac,
    };
  },
});
