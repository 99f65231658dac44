/**
 * A TLS listener from Kafka's `ssl.*` settings (DefaultSslEngineFactory), read through the
 * listener's view of the settings so that `listener.name.<name>.ssl.*` overrides apply:
 * - keystore: `ssl.keystore.type=PEM` with `ssl.keystore.location` naming one file holding
 *   the PKCS#8 private key (encrypted with `ssl.key.password`, or not) followed by its
 *   certificate chain, or the inline `ssl.keystore.key` / `ssl.keystore.certificate.chain`;
 *   PKCS12 files through `ssl.keystore.password`; JKS is refused at start-up;
 * - truststore: `ssl.truststore.type=PEM` with `ssl.truststore.location` or the inline
 *   `ssl.truststore.certificates` (the system's CAs when none is given);
 * - `ssl.client.auth` (none, requested, required), `ssl.enabled.protocols`, `ssl.protocol`,
 *   `ssl.cipher.suites` (Java's names mapped to OpenSSL's);
 * - the principal of a client certificate: its subject as Java prints it (RFC 2253) through
 *   `ssl.principal.mapping.rules`.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { createSecureContext, getCiphers, type ConnectionOptions, type SecureVersion, type TlsOptions, type TLSSocket } from 'node:tls';
import { SslPrincipalMapper } from './ssl-principal-mapper.js';
import { subjectRfc2253 } from './distinguished-name.js';

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

/** A setting as the listener sees it (listener.name.<name>.<setting>, else the setting, else its default). */
export type SettingReader = (name: string) => string | null;

/** Thrown for TLS settings that cannot work; the broker refuses to start with the message. */
export class TlsConfigError extends Error {
  override readonly name = 'TlsConfigError';
}

const PROTOCOL_ORDER: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** SSLContext protocol names of Java's SunJSSE. */
const SSL_CONTEXT_PROTOCOLS: ReadonlySet<string> = new Set(['TLS', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3', 'SSL', 'SSLv3']);

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

/**
 * How this broker connects to other brokers' TLS listener `listener` (replication, markers):
 * the listener's trust store to check them, its key store as the client certificate when one
 * is configured, its versions and ciphers, and host name checks unless
 * `ssl.endpoint.identification.algorithm` is empty.
 */
export function tlsClientOptions(listener: string, get: SettingReader, where = `listener ${listener} (inter-broker)`): ConnectionOptions {
  const hasKey = get('ssl.keystore.location') !== null || get('ssl.keystore.key') !== null;
  const keystore = hasKey ? keyMaterial(get, where) : {};
  const ca = trustedCertificates(get, where);
  const { minVersion, maxVersion } = protocolRange(get, where);
  const options: ConnectionOptions = { ...keystore, ...(ca === undefined ? {} : { ca }), minVersion, maxVersion, ...cipherList(get('ssl.cipher.suites'), where) };
  if ((get('ssl.endpoint.identification.algorithm') ?? '').trim() === '') options.checkServerIdentity = () => undefined;
  return options;
}

type KeyOptions = { key: string; cert: string; passphrase?: string } | { pfx: Buffer; passphrase?: string };

function keyMaterial(get: SettingReader, where: string): KeyOptions {
  const type = (get('ssl.keystore.type') ?? 'JKS').trim().toUpperCase();
  const location = get('ssl.keystore.location');
  const inlineKey = get('ssl.keystore.key');
  const inlineChain = get('ssl.keystore.certificate.chain');
  const storePassword = get('ssl.keystore.password');
  const keyPassword = get('ssl.key.password');
  if (inlineKey !== null || inlineChain !== null) {
    if (type !== 'PEM') throw new TlsConfigError(`${where}: ssl.keystore.key and ssl.keystore.certificate.chain need ssl.keystore.type=PEM, got ${type}`);
    if (location !== null) throw new TlsConfigError(`${where}: give the key either in ssl.keystore.location or in ssl.keystore.key, not both`);
    if (inlineKey === null || inlineChain === null) throw new TlsConfigError(`${where}: ssl.keystore.key and ssl.keystore.certificate.chain go together`);
    return pemKey(inlineKey, inlineChain, keyPassword, where);
  }
  if (location === null) throw new TlsConfigError(`${where}: a TLS listener needs a key and certificate: set ssl.keystore.location (ssl.keystore.type=PEM) or ssl.keystore.key and ssl.keystore.certificate.chain`);
  if (type === 'PEM') {
    if (storePassword !== null) throw new TlsConfigError(`${where}: SSL key store password cannot be specified with PEM format, only key password may be specified`);
    const text = readSetting(location, 'ssl.keystore.location', where).toString('utf8');
    return pemKey(pemBlocks(text, /PRIVATE KEY/).join('\n'), pemBlocks(text, /^CERTIFICATE$/).join('\n'), keyPassword, where);
  }
  if (type === 'PKCS12') {
    const pfx = readSetting(location, 'ssl.keystore.location', where);
    return storePassword === null ? { pfx } : { pfx, passphrase: storePassword };
  }
  throw new TlsConfigError(`${where}: ssl.keystore.type ${type} is not supported: Millrace reads PEM key stores (ssl.keystore.type=PEM) and PKCS12 ones`);
}

function pemKey(key: string, cert: string, password: string | null, where: string): KeyOptions {
  if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(key)) throw new TlsConfigError(`${where}: no PKCS#8 private key (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY) in the key store`);
  if (!/-----BEGIN CERTIFICATE-----/.test(cert)) throw new TlsConfigError(`${where}: no certificate in the key store`);
  const encrypted = key.includes('BEGIN ENCRYPTED PRIVATE KEY');
  if (encrypted && password === null) throw new TlsConfigError(`${where}: the private key is encrypted: set ssl.key.password`);
  try {
    createPrivateKey(encrypted ? { key, passphrase: password! } : { key });
  } catch (err) {
    throw new TlsConfigError(`${where}: cannot read the private key${encrypted ? ' (is ssl.key.password right?)' : ''}: ${(err as Error).message}`);
  }
  return password === null ? { key, cert } : { key, cert, passphrase: password };
}

function trustedCertificates(get: SettingReader, where: string): string | undefined {
  const type = (get('ssl.truststore.type') ?? 'JKS').trim().toUpperCase();
  const location = get('ssl.truststore.location');
  const inline = get('ssl.truststore.certificates');
  if (inline !== null) {
    if (type !== 'PEM') throw new TlsConfigError(`${where}: ssl.truststore.certificates needs ssl.truststore.type=PEM, got ${type}`);
    if (location !== null) throw new TlsConfigError(`${where}: give trusted certificates either in ssl.truststore.location or in ssl.truststore.certificates, not both`);
    return inline;
  }
  if (location === null) return undefined;
  if (type !== 'PEM') throw new TlsConfigError(`${where}: ssl.truststore.type ${type} is not supported: Millrace reads PEM trust stores (ssl.truststore.type=PEM)`);
  if (get('ssl.truststore.password') !== null) throw new TlsConfigError(`${where}: SSL trust store password cannot be specified for PEM format.`);
  const text = readSetting(location, 'ssl.truststore.location', where).toString('utf8');
  const certs = pemBlocks(text, /^CERTIFICATE$/);
  if (certs.length === 0) throw new TlsConfigError(`${where}: no certificate in ${location} (ssl.truststore.location)`);
  return certs.join('\n');
}

function protocolRange(get: SettingReader, where: string): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const enabled = (get('ssl.enabled.protocols') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const known = enabled.filter((p): p is SecureVersion => (PROTOCOL_ORDER as readonly string[]).includes(p));
  if (known.length === 0) throw new TlsConfigError(`${where}: ssl.enabled.protocols names no protocol Millrace serves (${PROTOCOL_ORDER.join(', ')}): ${enabled.join(',')}`);
  const min = Math.min(...known.map((p) => PROTOCOL_ORDER.indexOf(p)));
  const max = Math.max(...known.map((p) => PROTOCOL_ORDER.indexOf(p)));
  // ssl.protocol names the SSLContext; Kafka then enables ssl.enabled.protocols on it
  // explicitly, so it bounds nothing more. It must still be a protocol Java knows.
  const protocol = (get('ssl.protocol') ?? 'TLS').trim();
  if (!SSL_CONTEXT_PROTOCOLS.has(protocol)) throw new TlsConfigError(`${where}: ssl.protocol ${protocol} is not one of ${[...SSL_CONTEXT_PROTOCOLS].join(', ')}`);
  return { minVersion: PROTOCOL_ORDER[min]!, maxVersion: PROTOCOL_ORDER[max]! };
}

/** `ssl.cipher.suites` (Java's IANA names) as OpenSSL cipher lists: TLS 1.2 ones and TLS 1.3 ones apart. */
function cipherList(setting: string | null, where: string): { ciphers?: string } {
  const names = (setting ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) return {};
  const known = new Set(getCiphers().map((c) => c.toUpperCase()));
  const out: string[] = [];
  for (const name of names) {
    const openssl = opensslCipherName(name);
    if (!known.has(openssl.toUpperCase())) throw new TlsConfigError(`${where}: ssl.cipher.suites: ${name} is not a cipher suite this Node/OpenSSL offers`);
    out.push(openssl);
  }
  return { ciphers: out.join(':') };
}

const KEY_EXCHANGE: Readonly<Record<string, string>> = {
  ECDHE_RSA: 'ECDHE-RSA-', ECDHE_ECDSA: 'ECDHE-ECDSA-', DHE_RSA: 'DHE-RSA-', RSA: '',
};
const BULK: Readonly<Record<string, string>> = {
  AES_128_GCM: 'AES128-GCM', AES_256_GCM: 'AES256-GCM', AES_128_CBC: 'AES128', AES_256_CBC: 'AES256', CHACHA20_POLY1305: 'CHACHA20-POLY1305',
  AES_128_CCM: 'AES128-CCM', AES_256_CCM: 'AES256-CCM',
};

/**
 * Java's name of a cipher suite as OpenSSL names it: TLS 1.3 suites are spelled the same;
 * `TLS_<kx>_WITH_<cipher>_<mac>` becomes `<kx>-<cipher>-<mac>` (AEAD suites keep their PRF
 * hash, ChaCha20 drops it). Names already in OpenSSL's form pass through.
 */
export function opensslCipherName(javaName: string): string {
  const m = /^(?:TLS|SSL)_([A-Z0-9_]+?)_WITH_([A-Z0-9_]+?)_(SHA|SHA256|SHA384)$/.exec(javaName);
  if (m === null) return javaName;
  const kx = KEY_EXCHANGE[m[1]!];
  const bulk = BULK[m[2]!];
  if (kx === undefined || bulk === undefined) return javaName;
  if (bulk === 'CHACHA20-POLY1305' || bulk.endsWith('CCM')) return `${kx}${bulk}`;
  return `${kx}${bulk}-${m[3]!}`;
}

function readSetting(path: string, setting: string, where: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsConfigError(`${where}: cannot read ${setting} ${path}: ${(err as Error).message}`);
  }
}

/** The PEM blocks of `text` whose label matches. */
function pemBlocks(text: string, label: RegExp): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) {
    if (label.test(m[1]!)) out.push(m[0]);
  }
  return out;
}
