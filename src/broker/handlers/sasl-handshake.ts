// SaslHandshake (key 17), versions 0-1. v0: the SASL tokens that follow are raw frames; v1:
// they come in SaslAuthenticate requests. On a SASL listener before authentication the
// handshake is answered by the SASL gate (../sasl-gate.ts); a handshake that reaches this
// handler (a listener without SASL, or a connection already authenticated) gets
// ILLEGAL_SASL_STATE and no mechanisms, as Kafka's KafkaApis answers it.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { defineHandler } from './handler.js';

export const saslHandshakeHandler = defineHandler({
  apiKey: ApiKey.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  handle() {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
});
