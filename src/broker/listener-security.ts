/**
 * What a listener's security protocol asks of its socket server: TLS on SSL and SASL_SSL,
 * SASL authentication first on SASL_PLAINTEXT and SASL_SSL. Settings are read as the listener
 * sees them (`listener.name.<name>.` overrides first), so a bad setting refuses start-up.
 */
import type { Broker } from './broker.js';
import type { SocketServerOptions } from './network/socket-server.js';
import type { ListenerConfig } from '../security/listeners.js';
import { tlsClientOptions, tlsListener } from '../security/tls-config.js';
import { listenerPrefix, type BrokerConfig } from './settings/broker-config.js';
import { jaasOptions, saslConnections } from './sasl-listener.js';
import type { ConnectionOptions } from '../client/connection.js';

export type ListenerSecurity = Pick<SocketServerOptions, 'tls' | 'onTlsFailure' | 'onConnection'>;

/**
 * What this broker's connections to other brokers need for the inter-broker listener: TLS
 * options on SSL/SASL_SSL, SASL credentials on SASL_PLAINTEXT/SASL_SSL
 * (`sasl.mechanism.inter.broker.protocol`, the `username` and `password` of that mechanism's
 * JAAS configuration on the listener). Refuses start-up when they cannot work.
 */
export function interBrokerClientSecurity(config: BrokerConfig): Pick<ConnectionOptions, 'tls' | 'sasl'> {
  const settings = config.listenerSettings;
  const name = settings.interBrokerListener;
  const protocol = settings.listeners.find((l) => l.name === name)?.securityProtocol ?? 'PLAINTEXT';
  const out: Pick<ConnectionOptions, 'tls' | 'sasl'> = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') out.tls = tlsClientOptions(name, (setting) => config.listenerRaw(name, setting));
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const mechanism = (config.listenerRaw(name, 'sasl.mechanism.inter.broker.protocol') ?? '').trim();
    const options = jaasOptions(config, name, mechanism);
    const username = options.get('username');
    const password = options.get('password');
    if (mechanism !== 'PLAIN' && !mechanism.startsWith('SCRAM-SHA-')) {
      throw new Error(`sasl.mechanism.inter.broker.protocol ${mechanism} is not supported; Millrace brokers authenticate to each other with PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`);
    }
    if (username === undefined || password === undefined) {
      throw new Error(`inter-broker listener ${name}: set username and password in ${listenerPrefix(name)}${mechanism.toLowerCase()}.sasl.jaas.config for brokers to authenticate to each other with ${mechanism}`);
    }
    out.sasl = { mechanism, username, password };
  }
  return out;
}

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
    out.onTlsFailure = tlsFailureLogger(broker, name);
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    out.onConnection = saslConnections(broker, name);
  }
  return out;
}

/**
 * One line per failed TLS handshake, as Kafka's Selector logs an SslAuthenticationException:
 * at INFO when TLS refused the peer (plaintext bytes, no or an untrusted certificate, a
 * protocol version not enabled), at DEBUG when the peer merely went away before the handshake
 * ended (an IOException there).
 */
function tlsFailureLogger(broker: Broker, listener: string): (error: Error, remoteAddress: string) => void {
  const logger = broker.logger;
  return (error, client) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') logger.debug({ client, listener, reason: error.message, code }, 'connection closed during the SSL handshake');
    else logger.info({ client, listener, reason: error.message, code }, 'failed authentication (SSL handshake failed)');
  };
}
