// FindCoordinator (key 10), versions 0-6. v1 adds key_type (0 group, 1 transaction), the
// throttle time and an error message; v3 is the first flexible version; v4 batches keys
// (coordinator_keys, one result each); v5 (TRANSACTION_ABORTABLE) and v6 (share groups, key
// type 2) change nothing for the keys served here. The coordinator of a group is the leader of
// its partition of __consumer_offsets, of a transactional id the leader of its partition of
// __transaction_state (Kafka's KafkaApis.getCoordinator), COORDINATOR_NOT_AVAILABLE while that
// partition has no leader. __consumer_offsets is created on the first group lookup and
// __transaction_state (transaction.state.log.* settings) on the first transactional id lookup
// (Kafka answers that first lookup COORDINATOR_NOT_AVAILABLE while it creates the topic; here
// the lookup waits for it, and for the partitions this broker leads to be loaded). Share groups
// get INVALID_REQUEST (as Kafka answers while share groups are disabled), unknown key types
// INVALID_REQUEST.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import type { Coordinator, FindCoordinatorResponse } from '../../protocol/generated/find-coordinator-response.js';
import type { BrokerContext } from '../context.js';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic.js';
import { TRANSACTION_STATE_TOPIC } from '../../coordinator/txn/transaction-log.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize, authorizeGroup } from '../authorize.js';
import { defineHandler, type RequestInfo } from './handler.js';
import { endpointOn } from '../../cluster/metadata.js';

const GROUP = 0;
const TRANSACTION = 1;
const SHARE = 2;

interface Found {
  errorCode: number;
  nodeId: number;
  host: string;
  port: number;
}

const none = (errorCode: number): Found => ({ errorCode, nodeId: -1, host: '', port: -1 });

/** The leader of `partition` of an internal topic, as the metadata image knows it. */
/**
 * The leader of `partition` of an internal topic, as the metadata image knows it, at its
 * endpoint on the request's listener (COORDINATOR_NOT_AVAILABLE when it has none, as Kafka).
 */
function leaderOf(broker: BrokerContext, topic: string, partition: number, listener: string): Found {
  const pm = broker.metadata.topic(topic)?.partitions[partition];
  if (pm === undefined || pm.leader < 0) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const node = broker.metadata.brokers().find((b) => b.nodeId === pm.leader);
  const endpoint = node === undefined ? undefined : endpointOn(node, listener);
  if (node === undefined || endpoint === undefined) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  return { errorCode: ErrorCode.NONE, nodeId: node.nodeId, host: endpoint.host, port: endpoint.port };
}

async function findGroupCoordinator(broker: BrokerContext, groupId: string, listener: string): Promise<Found> {
  if (broker.groups.statusError() === ErrorCode.COORDINATOR_NOT_AVAILABLE) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const ready = broker.groups.ready();
  if (ready !== null) {
    try {
      await ready;
    } catch (err) {
      broker.logger.warn({ err }, 'cannot create the offsets topic');
      return none(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }
  return leaderOf(broker, OFFSETS_TOPIC, broker.groups.partitionFor(groupId), listener);
}

async function findTransactionCoordinator(broker: BrokerContext, transactionalId: string, listener: string): Promise<Found> {
  const txn = broker.transactions;
  if (!txn.isActive) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const ready = txn.ready();
  if (ready !== null) {
    try {
      await ready;
    } catch (err) {
      broker.logger.warn({ err }, 'cannot create the transaction state topic');
      return none(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }
  return leaderOf(broker, TRANSACTION_STATE_TOPIC, txn.partitionFor(transactionalId), listener);
}

/** DESCRIBE on the group or transactional id comes first (KafkaApis.getCoordinator). */
function find(broker: BrokerContext, info: RequestInfo, keyType: number, key: string, listener: string): Found | Promise<Found> {
  if (keyType === GROUP) {
    if (!authorizeGroup(broker, info, AclOperation.Describe, key)) return none(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    return findGroupCoordinator(broker, key, listener);
  }
  if (keyType === TRANSACTION) {
    if (!authorize(broker, info, AclOperation.Describe, ResourceType.TransactionalId, key)) return none(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    return findTransactionCoordinator(broker, key, listener);
  }
  return none(ErrorCode.INVALID_REQUEST);
}

export const findCoordinatorHandler = defineHandler({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const keyType = v >= 1 ? request.keyType : GROUP;
    const known = keyType === GROUP || keyType === TRANSACTION || keyType === SHARE;
    if (v < 4) {
      const found = await find(broker, info, keyType, request.key, info.listenerName);
      const response: FindCoordinatorResponse = {
        throttleTimeMs: 0,
        errorCode: found.errorCode,
        // Kafka's Errors.NONE.message() is its name.
        errorMessage: found.errorCode === ErrorCode.NONE ? 'NONE' : errorMessage(found.errorCode),
        nodeId: found.nodeId,
        host: found.host,
        port: found.port,
        coordinators: [],
      };
      return response;
    }
    const coordinators: Coordinator[] = [];
    for (const key of request.coordinatorKeys) {
      const found = await find(broker, info, keyType, key, info.listenerName);
      // Kafka leaves the message at its default, "" (an unknown key type fails the whole
      // request, and a refused key is answered, with the error's message).
      const refused = found.errorCode === ErrorCode.GROUP_AUTHORIZATION_FAILED || found.errorCode === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      const message = known && !refused ? '' : errorMessage(found.errorCode);
      coordinators.push({ key, ...found, errorMessage: message });
    }
    const response: FindCoordinatorResponse = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators };
    return response;
  },
});
