/**
 * Named listeners as Kafka configures them (SocketServerConfigs, KafkaConfig.validateValues):
 * `listeners` and `advertised.listeners` are lists of `NAME://host:port`, each name mapped to a
 * security protocol by `listener.security.protocol.map`, and one of them carries the traffic
 * between brokers (`inter.broker.listener.name`, or the listener named after
 * `security.inter.broker.protocol`). The checks and their messages are Kafka's start-up errors.
 */

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export interface Listener {
  /** Normalised (upper case), as Kafka's ListenerName.normalised. */
  name: string;
  /** '' means every interface. */
  host: string;
  port: number;
}

export interface ListenerConfig extends Listener {
  securityProtocol: SecurityProtocol;
}

/** What the listener settings resolve to. */
export interface ListenerSettings {
  /** Sockets to open, in `listeners` order. */
  listeners: ListenerConfig[];
  /** What is registered for clients and other brokers: `advertised.listeners`, or `listeners`. */
  advertised: ListenerConfig[];
  /** The listener other brokers connect to (replication, markers, KIP-890 verification). */
  interBrokerListener: string;
}

export interface RawListenerSettings {
  listeners: readonly string[];
  /** null when `advertised.listeners` is not set. */
  advertisedListeners: readonly string[] | null;
  protocolMap: string;
  interBrokerListenerName: string | null;
  /** null when `security.inter.broker.protocol` is not set. */
  securityInterBrokerProtocol: string | null;
}

/** Parses `NAME://host:port`; an empty host means every interface, as in Kafka. */
export function parseListener(spec: string): Listener {
  const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/.exec(spec.trim());
  if (m === null) throw new Error(`${JSON.stringify(spec)} is not NAME://host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`${JSON.stringify(spec)}: port out of range`);
  let host = m[2]!;
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { name: m[1]!.toUpperCase(), host, port };
}

/** `listener.security.protocol.map`: `NAME:PROTOCOL,...`; throws Kafka's message on a bad entry. */
export function parseProtocolMap(value: string): Map<string, SecurityProtocol> {
  const out = new Map<string, SecurityProtocol>();
  for (const entry of value.split(',')) {
    const item = entry.trim();
    if (item === '') continue;
    const colon = item.indexOf(':');
    if (colon <= 0) throw new Error(`Map entry '${item}' is not in the form KEY:VALUE`);
    const name = item.slice(0, colon).trim().toUpperCase();
    const protocol = item.slice(colon + 1).trim().toUpperCase();
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new Error(`No enum constant org.apache.kafka.common.security.auth.SecurityProtocol.${protocol}`);
    }
    if (out.has(name)) throw new Error(`Duplicate key '${name}' in listener.security.protocol.map`);
    out.set(name, protocol as SecurityProtocol);
  }
  return out;
}

/**
 * Resolves and checks the listener settings; returns Kafka's start-up error messages for
 * what is wrong instead of settings.
 */
export function resolveListeners(raw: RawListenerSettings): ListenerSettings | string[] {
  const problems: string[] = [];
  let map: Map<string, SecurityProtocol>;
  try {
    map = parseProtocolMap(raw.protocolMap);
  } catch (err) {
    return [`Invalid value ${raw.protocolMap} for configuration listener.security.protocol.map: ${(err as Error).message}`];
  }
  const listeners = endpoints('listeners', raw.listeners, map, problems);
  const advertised = raw.advertisedListeners === null ? listeners : endpoints('advertised.listeners', raw.advertisedListeners, map, problems);
  if (problems.length > 0) return problems;
  checkDistinct('listeners', raw.listeners, listeners, problems);
  checkDistinct('advertised.listeners', raw.advertisedListeners ?? [], raw.advertisedListeners === null ? [] : advertised, problems);
  const names = new Set(listeners.map((l) => l.name));
  const unknownAdvertised = advertised.filter((l) => !names.has(l.name)).map((l) => l.name);
  if (unknownAdvertised.length > 0) {
    problems.push(
      `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${unknownAdvertised.join(',')}. ` +
        `The valid options based on the current configuration are ${[...names].join(',')}`,
    );
  }
  for (const l of advertised) {
    if (l.host === '0.0.0.0' || l.host === '::') {
      problems.push(`advertised.listeners cannot use the nonroutable meta-address ${l.host}. Use a routable IP address.`);
    }
  }
  if (raw.interBrokerListenerName !== null && raw.securityInterBrokerProtocol !== null) {
    problems.push('Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
  }
  const interBrokerListener = interBrokerListenerName(raw, map, problems);
  if (interBrokerListener !== null && !advertised.some((l) => l.name === interBrokerListener)) {
    problems.push(
      'inter.broker.listener.name must be a listener name defined in advertised.listeners. ' +
        `The valid options based on currently configured listeners are ${advertised.map((l) => l.name).join(',')}`,
    );
  }
  if (problems.length > 0 || interBrokerListener === null) return problems;
  return { listeners, advertised, interBrokerListener };
}

function endpoints(setting: string, specs: readonly string[], map: ReadonlyMap<string, SecurityProtocol>, problems: string[]): ListenerConfig[] {
  const out: ListenerConfig[] = [];
  for (const spec of specs) {
    let l: Listener;
    try {
      l = parseListener(spec);
    } catch (err) {
      problems.push(`${setting}: ${(err as Error).message}`);
      continue;
    }
    const protocol = map.get(l.name);
    if (protocol === undefined) {
      problems.push(`Error creating broker listeners from '${specs.join(',')}': No security protocol defined for listener ${l.name}`);
      continue;
    }
    out.push({ ...l, securityProtocol: protocol });
  }
  return out;
}

/** Kafka: every listener its own name, and its own port (a port of 0 is chosen at bind). */
function checkDistinct(setting: string, specs: readonly string[], list: readonly ListenerConfig[], problems: string[]): void {
  const names = new Set<string>();
  const ports = new Set<number>();
  for (const l of list) {
    if (names.has(l.name)) problems.push(`Each listener must have a different name, ${setting}: ${specs.join(',')}`);
    names.add(l.name);
    if (setting === 'listeners' && l.port !== 0) {
      if (ports.has(l.port)) problems.push(`Each listener must have a different port, ${setting}: ${specs.join(',')}`);
      ports.add(l.port);
    }
  }
}

function interBrokerListenerName(raw: RawListenerSettings, map: ReadonlyMap<string, SecurityProtocol>, problems: string[]): string | null {
  if (raw.interBrokerListenerName !== null) {
    const name = raw.interBrokerListenerName.trim().toUpperCase();
    if (!map.has(name)) {
      problems.push(`Listener with name ${name} defined in inter.broker.listener.name not found in listener.security.protocol.map.`);
      return null;
    }
    return name;
  }
  // Without a name, the listener named after the protocol (ListenerName.forSecurityProtocol).
  const protocol = (raw.securityInterBrokerProtocol ?? 'PLAINTEXT').trim().toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
    problems.push(`Invalid value ${protocol} for configuration security.inter.broker.protocol: String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL`);
    return null;
  }
  return protocol;
}
