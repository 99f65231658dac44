// DescribeUserScramCredentials (key 50), version 0 (flexible). Kafka's ScramImage.describe:
// no users (null or empty) lists every user with a credential; a user asked for twice gets
// DUPLICATE_RESOURCE, one without credentials RESOURCE_NOT_FOUND; each credential reports its
// mechanism and iterations, never the salt or keys.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import type { DescribeUserScramCredentialsResult } from '../../protocol/generated/describe-user-scram-credentials-response.js';
import { SCRAM_MECHANISMS } from '../../security/sasl/scram.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const describeUserScramCredentialsHandler = defineHandler({
  apiKey: ApiKey.DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(request, info, broker) {
    if (!authorizeCluster(broker, info, AclOperation.Describe)) {
      const message = errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      const results = (request.users ?? []).map((u) => ({ user: u.name, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: message, credentialInfos: [] }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: message, results };
    }
    const store = broker.metadata;
    // User name to whether it was asked for more than once.
    const users = new Map<string, boolean>();
    if (request.users === null || request.users.length === 0) {
      for (const user of store.scramUsers()) users.set(user, false);
    } else {
      for (const u of request.users) users.set(u.name, users.has(u.name));
    }
    const results: DescribeUserScramCredentialsResult[] = [];
    for (const [user, duplicate] of users) {
      if (duplicate) {
        results.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] });
        continue;
      }
      const creds = store.scramCredentials(user);
      const credentialInfos = SCRAM_MECHANISMS.flatMap((m) => {
        const c = creds?.get(m.name);
        return c === undefined ? [] : [{ mechanism: m.type, iterations: c.iterations }];
      });
      if (credentialInfos.length === 0) {
        results.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] });
      } else {
        results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos });
      }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
});
