/**
 * A TLS listener from Kafka's `ssl.*` settings (DefaultSslEngineFactory), read through the
 * listener's view of the settings so that `listener.name.<name>.ssl.*` overrides apply. Key
 * and trust stores, protocol versions and ciphers are read as every TLS client and server of
 * Millrace reads them (src/common/tls-settings.ts); here are what only a server has:
 * - `ssl.client.auth` (none, requested, required);
 * - the principal of a client certificate: its subject as Java prints it (RFC 2253) through
 *   `ssl.principal.mapping.rules`.
 */
import { createSecureContext, type TlsOptions, type TLSSocket } from 'node:tls';
import { SslPrincipalMapper } from './ssl-principal-mapper.js';
import { subjectRfc2253 } from './distinguished-name.js';
import { cipherList, keyMaterial, protocolRange, TlsConfigError, trustedCertificates, type SettingReader } from '../common/tls-settings.js';

export { opensslCipherName, tlsClientOptions, TlsConfigError, type SettingReader } from '../common/tls-settings.js';

export const ANONYMOUS = 'User:ANONYMOUS';

/** What a TLS listener needs at accept time. */
export interface TlsListener {
  /** For tls.createServer: key material, trust, versions, ciphers and client authentication. */
  readonly serverOptions: TlsOptions;
  readonly requestCert: boolean;
  /**
   * The principal of a connection whose handshake is done: `User:<mapped subject>` for a
   * verified client certificate, `User:ANONYMOUS` without one; null to refuse the connection
   * (a certificate presented but not trusted, as Java's handshake fails on it, or one no
   * mapping rule applies to).
   */
  principalOf(socket: TLSSocket): string | null;
}

/**
 * Builds a listener's TLS from its settings. `clientAuth` is the listener's `ssl.client.auth`
 * (on SASL_SSL only a listener-prefixed value counts, as in Kafka; pass 'none' otherwise).
 */
export function tlsListener(listener: string, get: SettingReader, clientAuth: string): TlsListener {
  const where = `listener ${listener}`;
  const keystore = keyMaterial(get, where);
  const ca = trustedCertificates(get, where);
  const { minVersion, maxVersion } = protocolRange(get, where);
  const ciphers = cipherList(get('ssl.cipher.suites'), where);
  const requestCert = clientAuth === 'required' || clientAuth === 'requested';
  const serverOptions: TlsOptions = { ...keystore, ...(ca === undefined ? {} : { ca }), minVersion, maxVersion, ...ciphers, requestCert, rejectUnauthorized: clientAuth === 'required' };
  try {
    // Made once here so that bad key material refuses start-up rather than every handshake.
    createSecureContext(serverOptions);
  } catch (err) {
    throw new TlsConfigError(`${where}: cannot use the TLS settings: ${(err as Error).message}`);
  }
  let mapper: SslPrincipalMapper;
  try {
    mapper = SslPrincipalMapper.fromRules(get('ssl.principal.mapping.rules'));
  } catch (err) {
    throw new TlsConfigError(`ssl.principal.mapping.rules: ${(err as Error).message}`);
  }
  return {
    serverOptions,
    requestCert,
    principalOf(socket: TLSSocket): string | null {
      if (!requestCert) return ANONYMOUS;
      const cert = socket.getPeerX509Certificate();
      if (cert === undefined) return ANONYMOUS;
      if (!socket.authorized) return null;
      try {
        return `User:${mapper.principalName(subjectRfc2253(cert))}`;
      } catch {
        return null;
      }
    },
  };
}
