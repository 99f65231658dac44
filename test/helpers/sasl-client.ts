import { randomBytes } from 'node:crypto';
import { clientProof, saltedPassword, scramHmac, scramMechanism, scramSaslName, serverKey } from '../../src/common/scram.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { WireClient, type WireClientOptions } from './wire-client.js';

/** A WireClient authenticated with SASL/PLAIN (handshake v1, SaslAuthenticate v2) on a SASL listener. */
export async function connectSaslPlain(address: string, user: string, password: string, options: WireClientOptions = {}): Promise<WireClient> {
  const c = await WireClient.connect(address, options);
  try {
    const hs = await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    if (hs.errorCode !== 0) throw new Error(`SaslHandshake failed with error ${hs.errorCode}`);
    const auth = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`, 'utf8') });
    if (auth.errorCode !== 0) throw new Error(`SaslAuthenticate failed with error ${auth.errorCode}: ${auth.errorMessage}`);
    return c;
  } catch (e) {
    c.close();
    throw e;
  }
}

/**
 * A WireClient authenticated with SCRAM-SHA-256/512 (handshake v1, SaslAuthenticate v2); with
 * `tokenAuth` the client-first message carries `tokenauth=true`, as Kafka's ScramLoginModule
 * sends it for a delegation token (user: the token id, password: the base64 HMAC).
 */
export async function connectScram(address: string, mechanism: string, user: string, password: string, tokenAuth = false): Promise<WireClient> {
  const m = scramMechanism(mechanism)!;
  const c = await WireClient.connect(address);
  try {
    const hs = await c.request(ApiKey.SaslHandshake, 1, { mechanism });
    if (hs.errorCode !== 0) throw new Error(`SaslHandshake failed with error ${hs.errorCode}`);
    const nonce = randomBytes(12).toString('base64url');
    const bare = `n=${scramSaslName(user)},r=${nonce}${tokenAuth ? ',tokenauth=true' : ''}`;
    const first = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,${bare}`, 'utf8') });
    if (first.errorCode !== 0) throw new Error(`SaslAuthenticate failed with error ${first.errorCode}: ${first.errorMessage}`);
    const serverFirst = first.authBytes.toString('utf8');
    const attrs = new Map(serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)] as const));
    const salted = saltedPassword(m, password, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')));
    const withoutProof = `c=biws,r=${attrs.get('r')!}`;
    const authMessage = `${bare},${serverFirst},${withoutProof}`;
    const final = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`${withoutProof},p=${clientProof(m, salted, authMessage).toString('base64')}`, 'utf8') });
    if (final.errorCode !== 0) throw new Error(`SaslAuthenticate failed with error ${final.errorCode}: ${final.errorMessage}`);
    if (final.authBytes.toString('utf8') !== `v=${scramHmac(m, serverKey(m, salted), authMessage).toString('base64')}`) throw new Error('SCRAM server signature does not match');
    return c;
  } catch (e) {
    c.close();
    throw e;
  }
}
