/**
 * A SASL listener's mechanisms from Kafka's settings: `sasl.enabled.mechanisms` (or
 * `listener.name.<l>.sasl.enabled.mechanisms`), for PLAIN the users of
 * `listener.name.<l>.plain.sasl.jaas.config` (else `sasl.jaas.config`), for SCRAM-SHA-256/512
 * the credentials in the cluster metadata (AlterUserScramCredentials). Mechanisms Millrace
 * does not serve refuse start-up with a message saying which it does.
 */
import type { Broker } from './broker.js';
import { ScramServer, scramMechanism } from '../security/sasl/scram.js';
import type { Connection } from './network/connection.js';
import { parseJaasConfig } from '../common/jaas.js';
import { PlainServer, plainUsers } from '../security/sasl/plain.js';
import { SaslSession, type SaslListener } from '../security/sasl/sasl-session.js';
import type { SaslMechanismServer } from '../security/sasl/mechanism.js';
import { listenerPrefix } from './settings/broker-config.js';
import { oauthBearerValidator } from './oauthbearer-listener.js';
import { OAuthBearerServer } from '../security/sasl/oauthbearer/server.js';

export const SERVED_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

/** Sets up the SASL exchange of each new connection on the listener `name`. */
export function saslConnections(broker: Broker, name: string): (connection: Connection) => void {
  const listener = saslListener(broker, name);
  return (connection) => {
    connection.sasl = new SaslSession(listener);
    connection.limitRequestBytes(listener.maxReceiveBytes);
  };
}

export function saslListener(broker: Broker, name: string): SaslListener {
  const config = broker.config;
  const mechanisms = (config.listenerRaw(name, 'sasl.enabled.mechanisms') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (mechanisms.length === 0) throw new Error(`listener ${name}: sasl.enabled.mechanisms is empty`);
  const factories = new Map<string, () => SaslMechanismServer>();
  for (const mechanism of mechanisms) {
    if (mechanism === 'PLAIN') {
      const users = plainUsers(jaasOptions(config, name, mechanism));
      if (users.size === 0) throw new Error(`listener ${name}: PLAIN needs users: set ${listenerPrefix(name)}plain.sasl.jaas.config to org.apache.kafka.common.security.plain.PlainLoginModule required user_<name>="<password>";`);
      factories.set(mechanism, () => new PlainServer(users));
    } else if (scramMechanism(mechanism) !== undefined) {
      const m = scramMechanism(mechanism)!;
      // The metadata store opens after the listeners: until then no user has a credential.
      const lookup = (user: string) => (broker.metadata as Broker['metadata'] | undefined)?.scramCredentials(user)?.get(m.name);
      const tokenLookup = (tokenId: string) => broker.delegationTokens.scramCredential(tokenId, m);
      factories.set(mechanism, () => new ScramServer(m, lookup, tokenLookup));
    } else if (mechanism === 'OAUTHBEARER') {
      const validator = oauthBearerValidator(config, name, jaasOptions(config, name, mechanism));
      const logger = broker.logger.child({ listener: name, mechanism });
      const onRefused = (reason: string) => logger.info({ reason }, 'OAUTHBEARER token refused');
      factories.set(mechanism, () => new OAuthBearerServer(validator, onRefused));
    } else {
      throw new Error(`listener ${name}: SASL mechanism ${mechanism} in sasl.enabled.mechanisms is not supported; Millrace serves ${SERVED_MECHANISMS.join(', ')}`);
    }
  }
  // Kafka reads it per mechanism: listener.name.<l>.<mechanism>.connections.max.reauth.ms, then as the listener sees it.
  const maxReauth = new Map<string, number>();
  for (const mechanism of mechanisms) {
    const raw = config.listenerOnly(name, `${mechanism.toLowerCase()}.connections.max.reauth.ms`) ?? config.listenerRaw(name, 'connections.max.reauth.ms');
    const ms = Number(raw ?? '0');
    if (!Number.isFinite(ms)) throw new Error(`listener ${name}: connections.max.reauth.ms must be a number, not ${raw!}`);
    maxReauth.set(mechanism, ms);
  }
  return {
    mechanisms,
    failedAuthenticationDelayMs: config.int('connection.failed.authentication.delay.ms'),
    maxReceiveBytes: config.int('sasl.server.max.receive.size'),
    maxReauthMs: (mechanism) => maxReauth.get(mechanism) ?? 0,
    start(mechanism) {
      return factories.get(mechanism)!();
    },
  };
}

/** The JAAS options of a mechanism on a listener: `listener.name.<l>.<mechanism>.sasl.jaas.config`, else `sasl.jaas.config`. */
export function jaasOptions(config: Broker['config'], name: string, mechanism: string): ReadonlyMap<string, string> {
  const text = config.listenerOnly(name, `${mechanism.toLowerCase()}.sasl.jaas.config`) ?? config.raw('sasl.jaas.config');
  if (text === null) return new Map();
  try {
    return parseJaasConfig(text).options;
  } catch (err) {
    throw new Error(`listener ${name}: ${mechanism} sasl.jaas.config: ${(err as Error).message}`);
  }
}
