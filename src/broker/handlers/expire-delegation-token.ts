// ExpireDelegationToken (key 40), versions 1-2 (2 flexible). As KafkaApis and the controller's
// DelegationTokenControlManager.expireDelegationToken: DELEGATION_TOKEN_REQUEST_NOT_ALLOWED
// (expiry -1) on a connection that may not ask; then AUTH_DISABLED, NOT_FOUND,
// OWNER_MISMATCH, with expiry 0. A negative period removes the token at once (expiry: now);
// otherwise an expired token answers DELEGATION_TOKEN_EXPIRED, and a live one expires after
// the period, never past its maximum lifetime.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { isMetadataError } from '../../cluster/metadata.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { tokenRequestsAllowed } from './common.js';
import { defineHandler } from './handler.js';

export const expireDelegationTokenHandler = defineHandler({
  apiKey: ApiKey.ExpireDelegationToken,
  minVersion: 1,
  maxVersion: 2,
  async handle(request, info, broker) {
    if (!tokenRequestsAllowed(broker, info)) return { errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, expiryTimestampMs: -1n, throttleTimeMs: 0 };
    try {
      const r = await broker.delegationTokens.expire(info.principal, request.hmac, request.expiryTimePeriodMs);
      return { errorCode: r.errorCode, expiryTimestampMs: r.expiryTimestamp, throttleTimeMs: 0 };
    } catch (err) {
      if (!isMetadataError(err)) throw err;
      return { errorCode: err.errorCode, expiryTimestampMs: 0n, throttleTimeMs: 0 };
    }
  },
});
