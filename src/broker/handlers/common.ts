import type { BrokerContext } from '../context.js';
import { endpointOn } from '../../cluster/metadata.js';
import type { RequestInfo } from './handler.js';

/** "Authorized operations not requested" in Metadata and Describe* responses. */
export const UNKNOWN_AUTHORIZED_OPERATIONS = -2147483648;

export { clusterAuthorizedOperations, groupAuthorizedOperations, topicAuthorizedOperations } from '../authorize.js';

/**
 * The live brokers as a client on `listener` reaches them: each one's endpoint on that
 * listener; brokers without it are left out, as Kafka's MetadataCache.getAliveBrokerNodes.
 */
export function brokersOn(broker: BrokerContext, listener: string): Array<{ nodeId: number; host: string; port: number; rack: string | null }> {
  const out: Array<{ nodeId: number; host: string; port: number; rack: string | null }> = [];
  for (const b of broker.metadata.brokers()) {
    const e = endpointOn(b, listener);
    if (e !== undefined) out.push({ nodeId: b.nodeId, host: e.host, port: e.port, rack: b.rack });
  }
  return out;
}

/**
 * Whether delegation token requests are served on this connection (KafkaApis.allowTokenRequests):
 * not on one authenticated with a token, not on PLAINTEXT, not on SSL without a client certificate.
 */
export function tokenRequestsAllowed(broker: BrokerContext, info: RequestInfo): boolean {
  if (info.tokenAuthenticated === true) return false;
  const protocol = broker.config.listenerSettings.listeners.find((l) => l.name === info.listenerName)?.securityProtocol ?? 'PLAINTEXT';
  if (protocol === 'PLAINTEXT') return false;
  return !(protocol === 'SSL' && info.principal === 'User:ANONYMOUS');
}
