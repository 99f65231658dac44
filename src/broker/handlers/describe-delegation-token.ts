// DescribeDelegationToken (key 41), versions 1-3 (2+ flexible; 3 adds the requester). As
// KafkaApis.handleDescribeTokensRequest: DELEGATION_TOKEN_REQUEST_NOT_ALLOWED on a connection
// that may not ask, DELEGATION_TOKEN_AUTH_DISABLED without a secret key; an empty owner list
// describes nothing, a null one every token. A token is described when one of the owners asked
// for is its owner, requester or a renewer, and the caller is one of those, or may DESCRIBE
// the DELEGATION_TOKEN resource of its id, or DESCRIBE_TOKENS on the User that owns it
// (DelegationTokenManager.filterToken).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DescribedDelegationToken } from '../../protocol/generated/describe-delegation-token-response.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { ownerOrRenewer, type TokenInformation } from '../../cluster/delegation-tokens.js';
import { principalName, principalType } from '../../security/delegation-tokens.js';
import { authorize } from '../authorize.js';
import { tokenRequestsAllowed } from './common.js';
import { defineHandler } from './handler.js';

/** One token as DescribeDelegationTokenResponse writes it; the requester only from v3. */
function described(version: number, token: TokenInformation, hmac: Buffer): DescribedDelegationToken {
  return {
    principalType: principalType(token.owner),
    principalName: principalName(token.owner),
    tokenRequesterPrincipalType: version >= 3 ? principalType(token.tokenRequester) : '',
    tokenRequesterPrincipalName: version >= 3 ? principalName(token.tokenRequester) : '',
    issueTimestamp: token.issueTimestamp,
    expiryTimestamp: token.expiryTimestamp,
    maxTimestamp: token.maxTimestamp,
    tokenId: token.tokenId,
    hmac,
    renewers: token.renewers.map((r) => ({ principalType: principalType(r), principalName: principalName(r) })),
  };
}

export const describeDelegationTokenHandler = defineHandler({
  apiKey: ApiKey.DescribeDelegationToken,
  minVersion: 1,
  maxVersion: 3,
  handle(request, info, broker) {
    if (!tokenRequestsAllowed(broker, info)) return { errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, tokens: [], throttleTimeMs: 0 };
    const manager = broker.delegationTokens;
    if (!manager.enabled) return { errorCode: ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, tokens: [], throttleTimeMs: 0 };
    if (request.owners !== null && request.owners.length === 0) return { errorCode: ErrorCode.NONE, tokens: [], throttleTimeMs: 0 };
    const owners = request.owners?.map((o) => `${o.principalType}:${o.principalName}`) ?? null;
    const caller = info.principal;
    const eligible = (token: TokenInformation): boolean => {
      if (owners !== null && !owners.some((o) => ownerOrRenewer(token, o))) return false;
      if (ownerOrRenewer(token, caller)) return true;
      return authorize(broker, info, AclOperation.Describe, ResourceType.DelegationToken, token.tokenId)
        || authorize(broker, info, AclOperation.DescribeTokens, ResourceType.User, token.owner);
    };
    const tokens = manager.describe(eligible).map((t) => described(info.apiVersion, t.token, t.hmac));
    return { errorCode: ErrorCode.NONE, tokens, throttleTimeMs: 0 };
  },
});
