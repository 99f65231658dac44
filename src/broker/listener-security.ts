/**
 * What a listener's security protocol asks of its socket server: TLS on SSL and SASL_SSL,
 * SASL authentication first on SASL_PLAINTEXT and SASL_SSL. Settings are read as the listener
 * sees them (`listener.name.<name>.` overrides first), so a bad setting refuses start-up.
 */
import type { Broker } from './broker.js';
import type { SocketServerOptions } from './network/socket-server.js';
import type { ListenerConfig } from '../security/listeners.js';
import { tlsListener } from '../security/tls-config.js';
import { listenerPrefix } from './settings/broker-config.js';
import { saslConnections } from './sasl-listener.js';

export type ListenerSecurity = Pick<SocketServerOptions, 'tls' | 'sasl' | 'onConnection'>;

export function listenerSecurity(broker: Broker, listener: ListenerConfig): ListenerSecurity {
  const config = broker.config;
  const name = listener.name;
  const protocol = listener.securityProtocol;
  const out: ListenerSecurity = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    // On SASL_SSL only a listener-prefixed ssl.client.auth asks for client certificates (KIP-684).
    const prefixed = `${listenerPrefix(name)}ssl.client.auth`;
    const clientAuth = protocol === 'SSL' ? config.listenerRaw(name, 'ssl.client.auth') ?? 'none' : config.isSet(prefixed) ? config.listenerRaw(name, 'ssl.client.auth') ?? 'none' : 'none';
    out.tls = tlsListener(name, (setting) => config.listenerRaw(name, setting), clientAuth);
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    out.sasl = true;
    out.onConnection = saslConnections(broker, name);
  }
  return out;
}
