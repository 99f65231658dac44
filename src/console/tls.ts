/**
 * TLS for an `https://` console listener: the broker's own key store (`ssl.keystore.*`,
 * `ssl.key.password`), protocols (`ssl.enabled.protocols`) and ciphers (`ssl.cipher.suites`),
 * read as every Millrace TLS server reads them (src/common/tls-settings.ts). No client
 * certificate is asked for: console users log in over HTTP (Basic or a bearer token).
 */
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Broker } from '../broker/broker.js';
import { cipherList, keyMaterial, protocolRange, TlsConfigError } from '../common/tls-settings.js';

export function consoleTlsOptions(broker: Broker): SecureContextOptions {
  const get = (name: string): string | null => broker.config.raw(name);
  const where = 'console.listeners (https)';
  const options: SecureContextOptions = { ...keyMaterial(get, where), ...protocolRange(get, where), ...cipherList(get('ssl.cipher.suites'), where) };
  try {
    // Made once here so that a bad key store refuses start-up rather than every handshake.
    createSecureContext(options);
  } catch (err) {
    throw new TlsConfigError(`${where}: cannot use the TLS settings: ${(err as Error).message}`);
  }
  return options;
}
