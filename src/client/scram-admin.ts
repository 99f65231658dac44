/**
 * SCRAM user administration over the internal client (what kafka-configs.sh does for
 * `--entity-type users --add-config 'SCRAM-SHA-256=[...]'` through the Admin client):
 * DescribeUserScramCredentials and AlterUserScramCredentials. As Kafka's AdminClient does
 * (ScramFormatter), the salt and the salted password are made here, so the password itself
 * never travels.
 */
import { randomBytes } from 'node:crypto';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { AlterUserScramCredentialsRequest } from '../protocol/generated/alter-user-scram-credentials-request.js';
import { saltedPassword, SCRAM_MECHANISMS, scramMechanism } from '../common/scram.js';
import type { KafkaClient } from './client.js';
import { KafkaResponseError, throwIfError } from './errors.js';

/** Kafka's default iteration count for a new credential (ConfigCommand's DEFAULT_ITERATIONS). */
export const DEFAULT_SCRAM_ITERATIONS = 4096;

export interface ScramUserCredentials {
  user: string;
  credentials: Array<{ mechanism: string; iterations: number }>;
}

/**
 * A salt as ScramFormatter.secureRandomBytes makes it: the ASCII bytes of 130 random bits
 * written in base 36.
 */
export function scramSalt(): Buffer {
  const bits = BigInt(`0x${randomBytes(17).toString('hex')}`) >> 6n;
  return Buffer.from(bits.toString(36), 'ascii');
}

export class ScramAdmin {
  private readonly client: KafkaClient;

  constructor(client: KafkaClient) {
    this.client = client;
  }

  /**
   * The credentials (mechanism and iterations, never keys) of `users`, or of every user with
   * one when `users` is empty. A named user without credentials throws RESOURCE_NOT_FOUND.
   */
  async describe(users: readonly string[]): Promise<ScramUserCredentials[]> {
    const r = await this.client.request(ApiKey.DescribeUserScramCredentials, { users: users.length === 0 ? null : users.map((name) => ({ name })) });
    throwIfError(r.errorCode, 'describing SCRAM credentials', r.errorMessage);
    const out: ScramUserCredentials[] = [];
    for (const u of r.results) {
      throwIfError(u.errorCode, `user ${u.user}`, u.errorMessage);
      out.push({
        user: u.user,
        credentials: u.credentialInfos.map((c) => ({ mechanism: SCRAM_MECHANISMS.find((m) => m.type === c.mechanism)?.name ?? `UNKNOWN(${c.mechanism})`, iterations: c.iterations })),
      });
    }
    return out.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  }

  /** Creates or replaces the credential of `user` for `mechanism`. */
  async upsert(user: string, mechanism: string, password: string, iterations = DEFAULT_SCRAM_ITERATIONS): Promise<void> {
    const m = mechanismOf(mechanism);
    const salt = scramSalt();
    await this.alter({ deletions: [], upsertions: [{ name: user, mechanism: m.type, iterations, salt, saltedPassword: saltedPassword(m, password, salt, iterations) }] });
  }

  /** Deletes the credentials of `user` for `mechanisms`. */
  async delete(user: string, mechanisms: readonly string[]): Promise<void> {
    await this.alter({ deletions: mechanisms.map((name) => ({ name: user, mechanism: mechanismOf(name).type })), upsertions: [] });
  }

  private async alter(body: AlterUserScramCredentialsRequest): Promise<void> {
    const r = await this.client.request(ApiKey.AlterUserScramCredentials, body);
    for (const u of r.results) throwIfError(u.errorCode, `user ${u.user}`, u.errorMessage);
    if (r.results.length === 0) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, 'AlterUserScramCredentials: empty answer');
  }
}

function mechanismOf(name: string) {
  const m = scramMechanism(name);
  if (m === undefined) throw new Error(`${name} is not a SCRAM mechanism: use ${SCRAM_MECHANISMS.map((s) => s.name).join(' or ')}`);
  return m;
}
