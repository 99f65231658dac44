/**
 * The client side of SASL as Kafka's clients run it: SaslHandshake v1 with the mechanism, then
 * its tokens in SaslAuthenticate requests. PLAIN sends `NUL user NUL password`; SCRAM-SHA-256/512
 * sends client-first and client-final and checks the server's signature, so a broker that
 * does not know the password is not believed; OAUTHBEARER sends RFC 7628's initial response
 * with a token and, when the broker answers with an error, the `\x01` that ends the exchange
 * (the broker then fails it with that error as the message), as OAuthBearerSaslClient does.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { clientProof, saltedPassword, scramHmac, scramMechanism, scramSaslName, serverKey } from '../common/scram.js';
import { KafkaResponseError } from './errors.js';
import type { BrokerConnection } from './connection.js';
import type { OAuthBearerCredentials } from './oauthbearer-unsecured.js';

export interface SaslCredentials {
  mechanism: string;
  username: string;
  password: string;
}

export async function authenticate(conn: BrokerConnection, sasl: SaslCredentials | OAuthBearerCredentials): Promise<void> {
  const hs = await conn.request(ApiKey.SaslHandshake, { mechanism: sasl.mechanism }, 1);
  if (hs.errorCode !== ErrorCode.NONE) {
    throw new KafkaResponseError(hs.errorCode, `SASL mechanism ${sasl.mechanism} refused by ${conn.host}:${conn.port} (it has ${hs.mechanisms.join(', ')})`);
  }
  const step = async (token: Buffer): Promise<Buffer> => {
    const res = await conn.request(ApiKey.SaslAuthenticate, { authBytes: token }, Math.min(conn.version(ApiKey.SaslAuthenticate), 2));
    if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, `SASL ${sasl.mechanism} authentication to ${conn.host}:${conn.port}`, res.errorMessage);
    return res.authBytes;
  };
  if ('token' in sasl) {
    let extensions = '';
    for (const [key, value] of sasl.extensions) extensions += `${key}=${value}\u0001`;
    const answer = await step(Buffer.from(`n,,\u0001auth=Bearer ${sasl.token()}\u0001${extensions}\u0001`, 'utf8'));
    if (answer.length === 0) return;
    await step(Buffer.from([1]));
    // A broker always fails the exchange here; one that does not has still refused the token.
    throw new Error(`OAUTHBEARER token refused by ${conn.host}:${conn.port}: ${answer.toString('utf8')}`);
  }
  if (sasl.mechanism === 'PLAIN') {
    await step(Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'));
    return;
  }
  const m = scramMechanism(sasl.mechanism);
  if (m === undefined) throw new Error(`SASL mechanism ${sasl.mechanism} is not supported by this client`);
  const nonce = randomBytes(18).toString('base64url');
  const bare = `n=${scramSaslName(sasl.username)},r=${nonce}`;
  const serverFirst = (await step(Buffer.from(`n,,${bare}`, 'utf8'))).toString('utf8');
  const attrs = new Map(serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)] as const));
  const serverNonce = attrs.get('r') ?? '';
  const iterations = Number(attrs.get('i'));
  if (!serverNonce.startsWith(nonce) || !Number.isInteger(iterations) || iterations < m.minIterations) {
    throw new Error(`invalid SCRAM server-first message from ${conn.host}:${conn.port}`);
  }
  const salted = saltedPassword(m, sasl.password, Buffer.from(attrs.get('s') ?? '', 'base64'), iterations);
  const withoutProof = `c=biws,r=${serverNonce}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const serverFinal = (await step(Buffer.from(`${withoutProof},p=${clientProof(m, salted, authMessage).toString('base64')}`, 'utf8'))).toString('utf8');
  const expected = Buffer.from(`v=${scramHmac(m, serverKey(m, salted), authMessage).toString('base64')}`, 'utf8');
  const got = Buffer.from(serverFinal, 'utf8');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new Error(`SCRAM server signature from ${conn.host}:${conn.port} does not match`);
}
