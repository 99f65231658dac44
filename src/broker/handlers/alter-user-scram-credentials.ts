// AlterUserScramCredentials (key 51), version 0 (flexible). Kafka's
// ScramControlManager.alterCredentials: a user named twice in one request gets
// DUPLICATE_RESOURCE; an empty name or an unknown mechanism UNACCEPTABLE_CREDENTIAL /
// UNSUPPORTED_SASL_MECHANISM; iterations outside 4096..16384 UNACCEPTABLE_CREDENTIAL; deleting
// a credential that does not exist RESOURCE_NOT_FOUND. The accepted changes are written at
// once; an upsertion stores the stored and server keys derived from the salted password.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import type { AlterUserScramCredentialsResult } from '../../protocol/generated/alter-user-scram-credentials-response.js';
import type { ScramCredentialDeletion, ScramCredentialUpsertion } from '../../protocol/generated/alter-user-scram-credentials-request.js';
import type { ScramChange } from '../../cluster/scram-credentials.js';
import { isMetadataError, type MetadataStore } from '../../cluster/metadata.js';
import { SCRAM_MAX_ITERATIONS, scramCredentialFromSaltedPassword, scramMechanismByType } from '../../security/sasl/scram.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

interface Refusal {
  errorCode: number;
  message: string;
}

const DUPLICATE: Refusal = { errorCode: ErrorCode.DUPLICATE_RESOURCE, message: 'A user credential cannot be altered twice in the same request' };

function checkNameAndMechanism(name: string, mechanism: number): Refusal | null {
  if (name === '') return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Username must not be empty' };
  if (scramMechanismByType(mechanism) === undefined) return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, message: 'Unknown SCRAM mechanism' };
  return null;
}

function checkDeletion(store: MetadataStore, d: ScramCredentialDeletion): Refusal | null {
  const refusal = checkNameAndMechanism(d.name, d.mechanism);
  if (refusal !== null) return refusal;
  if (store.scramCredentials(d.name)?.get(scramMechanismByType(d.mechanism)!.name) === undefined) {
    return { errorCode: ErrorCode.RESOURCE_NOT_FOUND, message: 'Attempt to delete a user credential that does not exist' };
  }
  return null;
}

function checkUpsertion(u: ScramCredentialUpsertion): Refusal | null {
  const refusal = checkNameAndMechanism(u.name, u.mechanism);
  if (refusal !== null) return refusal;
  if (u.iterations < scramMechanismByType(u.mechanism)!.minIterations) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Too few iterations' };
  if (u.iterations > SCRAM_MAX_ITERATIONS) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Too many iterations' };
  return null;
}

export const alterUserScramCredentialsHandler = defineHandler({
  apiKey: ApiKey.AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, info, broker) {
    if (!authorizeCluster(broker, info, AclOperation.Alter)) {
      const names = new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)]);
      return { throttleTimeMs: 0, results: [...names].map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED) })) };
    }
    const store = broker.metadata;
    const deletions = new Map<string, ScramCredentialDeletion>();
    const upsertions = new Map<string, ScramCredentialUpsertion>();
    const refused = new Map<string, Refusal>();
    for (const d of request.deletions) {
      if (refused.has(d.name)) continue;
      if (deletions.delete(d.name)) {
        refused.set(d.name, DUPLICATE);
        continue;
      }
      const refusal = checkDeletion(store, d);
      if (refusal !== null) refused.set(d.name, refusal);
      else deletions.set(d.name, d);
    }
    for (const u of request.upsertions) {
      if (refused.has(u.name)) continue;
      if (deletions.delete(u.name) || upsertions.delete(u.name)) {
        refused.set(u.name, DUPLICATE);
        continue;
      }
      const refusal = checkUpsertion(u);
      if (refusal !== null) refused.set(u.name, refusal);
      else upsertions.set(u.name, u);
    }
    const changes: ScramChange[] = [];
    for (const d of deletions.values()) changes.push({ user: d.name, mechanism: scramMechanismByType(d.mechanism)!.name, credential: null });
    for (const u of upsertions.values()) {
      const m = scramMechanismByType(u.mechanism)!;
      changes.push({ user: u.name, mechanism: m.name, credential: scramCredentialFromSaltedPassword(m, u.salt, u.saltedPassword, u.iterations) });
    }
    const results: AlterUserScramCredentialsResult[] = [];
    let failure: Refusal | null = null;
    if (changes.length > 0) {
      try {
        await store.alterScramCredentials(changes);
      } catch (err) {
        if (!isMetadataError(err)) throw err;
        failure = { errorCode: err.errorCode, message: err.message };
      }
    }
    for (const c of changes) {
      results.push({ user: c.user, errorCode: failure?.errorCode ?? ErrorCode.NONE, errorMessage: failure?.message ?? null });
    }
    for (const [user, r] of refused) results.push({ user, errorCode: r.errorCode, errorMessage: r.message });
    return { throttleTimeMs: 0, results };
  },
});
