// SaslAuthenticate (key 36), versions 0-2 (v1 adds session_lifetime_ms, v2 is flexible).
// During authentication the SASL gate (../sasl-gate.ts) answers it; one that reaches this
// handler (no SASL on the listener, or already authenticated; re-authentication, KIP-368, is
// not served) gets ILLEGAL_SASL_STATE with Kafka's message.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { defineHandler } from './handler.js';

export const saslAuthenticateHandler = defineHandler({
  apiKey: ApiKey.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  handle() {
    return {
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: 'SaslAuthenticate request received after successful authentication',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    };
  },
});
