/**
 * The console of a running broker: its JSON API, REST Proxy v3 and web UI connect back to one of
 * the broker's own listeners. A SASL_PLAINTEXT listener is preferred, so that with security on
 * each console user logs in and acts under the broker's ACLs as their own principal; else the
 * first PLAINTEXT listener. With only TLS listeners the console would need client TLS settings
 * of its own, which it does not have yet: the API and UI are then left out (and the log says so),
 * while /health, /ready and /metrics are still served.
 */
import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import { registerConsole } from './register-console.js';
import type { ConsoleSaslMechanism } from './session.js';

// The mechanisms the console's client logs in with, by preference.
const MECHANISMS: readonly ConsoleSaslMechanism[] = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN', 'OAUTHBEARER'];

export function registerBrokerConsole(app: FastifyInstance, broker: Broker): void {
  const listeners = broker.config.listenerSettings.listeners;
  const sasl = listeners.find((l) => l.securityProtocol === 'SASL_PLAINTEXT');
  if (sasl !== undefined) {
    const enabled = (broker.config.listenerRaw(sasl.name, 'sasl.enabled.mechanisms') ?? '').split(',').map((m) => m.trim());
    const mechanism = MECHANISMS.find((m) => enabled.includes(m));
    if (mechanism !== undefined) {
      registerConsole(app, { bootstrapServers: [broker.listenerAddress(sasl.name)], saslMechanism: mechanism });
      broker.logger.info({ listener: sasl.name, mechanism }, 'console API acts as each user, who logs in with their Kafka credentials');
      return;
    }
  }
  const plain = listeners.find((l) => l.securityProtocol === 'PLAINTEXT');
  if (plain !== undefined) {
    registerConsole(app, { bootstrapServers: [broker.listenerAddress(plain.name)] });
    return;
  }
  broker.logger.warn('console API and UI off: they connect through a PLAINTEXT or SASL_PLAINTEXT listener and the broker has none');
}
