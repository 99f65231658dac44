// RenewDelegationToken (key 39), versions 1-2 (2 flexible). As KafkaApis and the controller's
// DelegationTokenControlManager.renewDelegationToken: DELEGATION_TOKEN_REQUEST_NOT_ALLOWED
// (expiry -1) on a connection that may not ask; then AUTH_DISABLED, NOT_FOUND (no token has
// this HMAC), EXPIRED, OWNER_MISMATCH (neither owner nor renewer), with expiry 0; else the
// new expiry: now + the period asked for (at most delegation.token.expiry.time.ms, the
// default when <= 0), never past the token's maximum lifetime.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { isMetadataError } from '../../cluster/metadata.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { tokenRequestsAllowed } from './common.js';
import { defineHandler } from './handler.js';

export const renewDelegationTokenHandler = defineHandler({
  apiKey: ApiKey.RenewDelegationToken,
  minVersion: 1,
  maxVersion: 2,
  async handle(request, info, broker) {
    if (!tokenRequestsAllowed(broker, info)) return { errorCode: ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, expiryTimestampMs: -1n, throttleTimeMs: 0 };
    try {
      const r = await broker.delegationTokens.renew(info.principal, request.hmac, request.renewPeriodMs);
      return { errorCode: r.errorCode, expiryTimestampMs: r.expiryTimestamp, throttleTimeMs: 0 };
    } catch (err) {
      if (!isMetadataError(err)) throw err;
      return { errorCode: err.errorCode, expiryTimestampMs: 0n, throttleTimeMs: 0 };
    }
  },
});
