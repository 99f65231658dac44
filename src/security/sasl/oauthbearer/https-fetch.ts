/**
 * The fetch jose uses for an https:// JWKS endpoint, with the TLS client settings Kafka's
 * JaasOptionsUtils.createSSLSocketFactory takes from the OAUTHBEARER JAAS options (`ssl.truststore.*`,
 * `ssl.keystore.*`, `ssl.endpoint.identification.algorithm`...; the system's CAs when none
 * is given). The body is bounded: a JWKS is small, and a larger answer is refused.
 */
import { request } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { FetchImplementation } from 'jose';

/** Far above any real JWKS; the fetch fails beyond it rather than buffering without limit. */
export const MAX_JWKS_BYTES = 1 << 20;

export function httpsFetch(tls: ConnectionOptions): FetchImplementation {
  return (url, options) => new Promise<Response>((resolve, reject) => {
    const headers: Record<string, string> = {};
    options.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const req = request(url, { ...tls, method: 'GET', headers, signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_JWKS_BYTES) {
          req.destroy(new Error(`JWKS response from ${url} is larger than ${MAX_JWKS_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') responseHeaders.set(k, v);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: responseHeaders }));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
