/**
 * The computations SCRAM (RFC 5802, RFC 7677) shares between the broker's server side
 * (src/security/sasl/scram.ts) and the client's (src/client/sasl.ts), on node:crypto:
 * Hi() as PBKDF2, the client and server keys, and the two signatures.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

export interface ScramMechanism {
  readonly name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly hash: 'sha256' | 'sha512';
  readonly hashBytes: number;
  /** AlterUserScramCredentials' mechanism type (Kafka's ScramMechanism.type()). */
  readonly type: number;
  readonly minIterations: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [
  { name: 'SCRAM-SHA-256', hash: 'sha256', hashBytes: 32, type: 1, minIterations: 4096 },
  { name: 'SCRAM-SHA-512', hash: 'sha512', hashBytes: 64, type: 2, minIterations: 4096 },
];

export function scramMechanism(name: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function scramHmac(m: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(m.hash, key).update(data).digest();
}

export function scramDigest(m: ScramMechanism, data: Buffer): Buffer {
  return createHash(m.hash).update(data).digest();
}

/** Hi(password, salt, i): PBKDF2 with the mechanism's HMAC. */
export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.hashBytes, m.hash);
}

export function clientKey(m: ScramMechanism, salted: Buffer): Buffer {
  return scramHmac(m, salted, 'Client Key');
}

export function serverKey(m: ScramMechanism, salted: Buffer): Buffer {
  return scramHmac(m, salted, 'Server Key');
}

/** ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage). */
export function clientProof(m: ScramMechanism, salted: Buffer, authMessage: string): Buffer {
  const key = clientKey(m, salted);
  const signature = scramHmac(m, scramDigest(m, key), authMessage);
  const out = Buffer.allocUnsafe(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key[i]! ^ signature[i]!;
  return out;
}

/** A SCRAM SASL name: ',' and '=' escaped as =2C and =3D. */
export function scramSaslName(user: string): string {
  return user.replace(/=/g, '=3D').replace(/,/g, '=2C');
}
