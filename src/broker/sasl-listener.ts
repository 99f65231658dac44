/**
 * A SASL listener's mechanisms from Kafka's settings: `sasl.enabled.mechanisms` (or
 * `listener.name.<l>.sasl.enabled.mechanisms`), and for PLAIN the users of
 * `listener.name.<l>.plain.sasl.jaas.config` (else `sasl.jaas.config`). Mechanisms Millrace
 * does not serve refuse start-up with a message saying which it does.
 */
import type { BrokerConfig } from './settings/broker-config.js';
import type { Connection } from './network/connection.js';
import { parseJaasConfig } from '../security/sasl/jaas.js';
import { PlainServer, plainUsers } from '../security/sasl/plain.js';
import { SaslSession, type SaslListener } from '../security/sasl/sasl-session.js';
import type { SaslMechanismServer } from '../security/sasl/mechanism.js';
import { listenerPrefix } from './settings/broker-config.js';

export const SERVED_MECHANISMS = ['PLAIN'] as const;

/** Sets up the SASL exchange of each new connection on the listener `name`. */
export function saslConnections(config: BrokerConfig, name: string): (connection: Connection) => void {
  const listener = saslListener(config, name);
  return (connection) => {
    connection.sasl = new SaslSession(listener);
  };
}

export function saslListener(config: BrokerConfig, name: string): SaslListener {
  const mechanisms = (config.listenerRaw(name, 'sasl.enabled.mechanisms') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (mechanisms.length === 0) throw new Error(`listener ${name}: sasl.enabled.mechanisms is empty`);
  const factories = new Map<string, () => SaslMechanismServer>();
  for (const mechanism of mechanisms) {
    if (mechanism === 'PLAIN') {
      const users = plainUsers(jaasOptions(config, name, mechanism));
      if (users.size === 0) throw new Error(`listener ${name}: PLAIN needs users: set ${listenerPrefix(name)}plain.sasl.jaas.config to org.apache.kafka.common.security.plain.PlainLoginModule required user_<name>="<password>";`);
      factories.set(mechanism, () => new PlainServer(users));
    } else {
      throw new Error(`listener ${name}: SASL mechanism ${mechanism} in sasl.enabled.mechanisms is not supported; Millrace serves ${SERVED_MECHANISMS.join(', ')}`);
    }
  }
  return {
    mechanisms,
    failedAuthenticationDelayMs: config.int('connection.failed.authentication.delay.ms'),
    start(mechanism) {
      return factories.get(mechanism)!();
    },
  };
}

/** The JAAS options of a mechanism on a listener: `listener.name.<l>.<mechanism>.sasl.jaas.config`, else `sasl.jaas.config`. */
function jaasOptions(config: BrokerConfig, name: string, mechanism: string): ReadonlyMap<string, string> {
  const text = config.listenerOnly(name, `${mechanism.toLowerCase()}.sasl.jaas.config`) ?? config.raw('sasl.jaas.config');
  if (text === null) return new Map();
  try {
    return parseJaasConfig(text).options;
  } catch (err) {
    throw new Error(`listener ${name}: ${mechanism} sasl.jaas.config: ${(err as Error).message}`);
  }
}
