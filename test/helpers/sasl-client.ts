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
