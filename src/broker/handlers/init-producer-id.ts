// InitProducerId (key 22), versions 0-5. v1 is v0; v2 is flexible; v3 adds the producer's
// current id and epoch (KIP-360); v4 may answer PRODUCER_FENCED, which older versions get as
// INVALID_PRODUCER_EPOCH; v5 may answer TRANSACTION_ABORTABLE (KIP-890).
//
// Idempotent producers (no transactional id) get a new producer id with epoch 0 from the
// producer id manager, whose blocks are reserved durably in the log directory. Transactional
// ids go to the transaction coordinator (epoch bump, fencing, KIP-360 recovery; see
// src/coordinator/txn/init-producer-id.ts and transaction-coordinator.ts).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { InitProducerIdResponse } from '../../protocol/generated/init-producer-id-response.js';
import { initProducerId } from '../../coordinator/txn/init-producer-id.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize, authorizeByResourceType, authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, info, broker): Promise<InitProducerIdResponse> {
    // WRITE on the transactional id; an idempotent producer needs IDEMPOTENT_WRITE on the
    // cluster or WRITE on some topic (KIP-679), as KafkaApis.handleInitProducerIdRequest.
    const refused = request.transactionalId !== null
      ? authorize(broker, info, AclOperation.Write, ResourceType.TransactionalId, request.transactionalId) ? ErrorCode.NONE : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      : authorizeCluster(broker, info, AclOperation.IdempotentWrite) || authorizeByResourceType(broker, info, AclOperation.Write, ResourceType.Topic) ? ErrorCode.NONE : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    if (refused !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: refused, producerId: -1n, producerEpoch: -1, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 };
    const services = broker.produce;
    const result = await initProducerId(
      {
        transactionalId: request.transactionalId,
        transactionTimeoutMs: request.transactionTimeoutMs,
        producerId: Number(request.producerId),
        producerEpoch: request.producerEpoch,
      },
      services.producerIds,
      broker.config.int('transaction.max.timeout.ms'),
      broker.transactions,
    );
    const errorCode = info.apiVersion < 4 && result.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : result.errorCode;
    if (result.errorCode === ErrorCode.NONE && request.transactionalId === null) {
      broker.logger.debug({ client: info.clientId, producerId: result.producerId }, 'new idempotent producer id');
    }
    return { throttleTimeMs: 0, errorCode, producerId: BigInt(result.producerId), producerEpoch: result.producerEpoch, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 };
  },
});
