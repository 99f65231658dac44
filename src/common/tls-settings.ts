/**
 * Kafka's client-side `ssl.*` settings (DefaultSslEngineFactory) as node:tls options, shared
 * by the broker's TLS listeners and its connections to other brokers (src/security/tls-config.ts)
 * and by the client's `security.protocol=SSL|SASL_SSL` (src/client/security-properties.ts):
 * - keystore: `ssl.keystore.type=PEM` with `ssl.keystore.location` naming one file holding
 *   the PKCS#8 private key (encrypted with `ssl.key.password`, or not) followed by its
 *   certificate chain, or the inline `ssl.keystore.key` / `ssl.keystore.certificate.chain`;
 *   PKCS12 files through `ssl.keystore.password`; JKS is refused;
 * - truststore: `ssl.truststore.type=PEM` with `ssl.truststore.location` or the inline
 *   `ssl.truststore.certificates` (the system's CAs when none is given);
 * - `ssl.enabled.protocols`, `ssl.protocol`, `ssl.cipher.suites` (Java's names mapped to
 *   OpenSSL's), `ssl.endpoint.identification.algorithm`.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { getCiphers, type ConnectionOptions, type SecureVersion } from 'node:tls';

/** A setting as the listener sees it (listener.name.<name>.<setting>, else the setting, else its default). */
export type SettingReader = (name: string) => string | null;

/** Thrown for TLS settings that cannot work: the broker refuses to start, a client to connect, with the message. */
export class TlsConfigError extends Error {
  override readonly name = 'TlsConfigError';
}

/** Kafka's client SSL defaults (ConfigDef.withClientSslSupport) of the settings tlsClientOptions reads. */
export const SSL_CLIENT_DEFAULTS: ReadonlyMap<string, string> = new Map([
  ['ssl.protocol', 'TLSv1.3'],
  ['ssl.enabled.protocols', 'TLSv1.2,TLSv1.3'],
  ['ssl.endpoint.identification.algorithm', 'https'],
  ['ssl.keystore.type', 'JKS'],
  ['ssl.truststore.type', 'JKS'],
]);

const PROTOCOL_ORDER: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** SSLContext protocol names of Java's SunJSSE. */
const SSL_CONTEXT_PROTOCOLS: ReadonlySet<string> = new Set(['TLS', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3', 'SSL', 'SSLv3']);

/**
 * How a client connects to a TLS listener (a broker to other brokers' inter-broker listener,
 * the JWKS fetch of OAUTHBEARER, the millrace client): the trust store to check the server,
 * the key store as the client certificate when one is configured, versions and ciphers, and
 * host name checks unless `ssl.endpoint.identification.algorithm` is empty.
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

export type KeyOptions = { key: string; cert: string; passphrase?: string } | { pfx: Buffer; passphrase?: string };

export function keyMaterial(get: SettingReader, where: string): KeyOptions {
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
    return pemKey(pemBlocks(inlineKey, /PRIVATE KEY/).join('\n'), pemBlocks(inlineChain, /^CERTIFICATE$/).join('\n'), keyPassword, where);
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

export function trustedCertificates(get: SettingReader, where: string): string | undefined {
  const type = (get('ssl.truststore.type') ?? 'JKS').trim().toUpperCase();
  const location = get('ssl.truststore.location');
  const inline = get('ssl.truststore.certificates');
  if (inline !== null) {
    if (type !== 'PEM') throw new TlsConfigError(`${where}: ssl.truststore.certificates needs ssl.truststore.type=PEM, got ${type}`);
    if (location !== null) throw new TlsConfigError(`${where}: give trusted certificates either in ssl.truststore.location or in ssl.truststore.certificates, not both`);
    const certs = pemBlocks(inline, /^CERTIFICATE$/);
    if (certs.length === 0) throw new TlsConfigError(`${where}: no certificate in ssl.truststore.certificates`);
    return certs.join('\n');
  }
  if (location === null) return undefined;
  if (type !== 'PEM') throw new TlsConfigError(`${where}: ssl.truststore.type ${type} is not supported: Millrace reads PEM trust stores (ssl.truststore.type=PEM)`);
  if (get('ssl.truststore.password') !== null) throw new TlsConfigError(`${where}: SSL trust store password cannot be specified for PEM format.`);
  const text = readSetting(location, 'ssl.truststore.location', where).toString('utf8');
  const certs = pemBlocks(text, /^CERTIFICATE$/);
  if (certs.length === 0) throw new TlsConfigError(`${where}: no certificate in ${location} (ssl.truststore.location)`);
  return certs.join('\n');
}

export function protocolRange(get: SettingReader, where: string): { minVersion: SecureVersion; maxVersion: SecureVersion } {
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
export function cipherList(setting: string | null, where: string): { ciphers?: string } {
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

/**
 * The PEM blocks of `text` whose label matches, each rewritten with its base64 in 64-column
 * lines: a PEM value in a properties file joined by backslash continuations arrives on one
 * line, which Kafka's PEM reader accepts and OpenSSL does not.
 */
function pemBlocks(text: string, label: RegExp): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    if (!label.test(m[1]!)) continue;
    const body = m[2]!.replace(/\s+/g, '');
    out.push(`-----BEGIN ${m[1]!}-----\n${body.replace(/.{1,64}/g, '$&\n')}-----END ${m[1]!}-----`);
  }
  return out;
}
