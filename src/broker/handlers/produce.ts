// Produce (key 0), versions 3-13, advertised as 0-13. Kafka 4.0 removed v0-2 (message
// formats v0/v1, KIP-896), so v3 (transactional id, record batch v2) is the baseline; but
// librdkafka before 2.8 (kcat, confluent-kafka) silently stops compressing when a broker's
// Produce range does not include v0 (librdkafka#4956), so Kafka 4.x still advertises v0 and
// closes the connection of a v0-2 request (KAFKA-18659). Millrace does the same. v4 may answer
// KAFKA_STORAGE_ERROR; v5 adds the log start offset; v7 allows zstd; v8 adds record errors
// and an error message (KIP-467); v9 is flexible; v10 adds the current leader and the
// leaders' endpoints as tagged fields for NOT_LEADER_OR_FOLLOWER (KIP-951); v11 may answer
// TRANSACTION_ABORTABLE (KIP-890 part 1); v12 comes from transaction.version 2 clients, whose
// partitions the leader adds to the transaction itself (KIP-890 part 2; produce/produce-txn.ts);
// v13 names topics by id (KIP-516): an id no topic has is answered UNKNOWN_TOPIC_ID, before
// authorization, as KafkaApis does.
//
// acks: 1 and -1 are answered once the batch is in the log (and fsynced when the flush policy
// says so); on a single node the leader is the whole ISR, so -1 waits for nothing more. In a
// cluster -1 also waits, up to timeout_ms, for the ISR to have the batch (REQUEST_TIMED_OUT).
// acks=0 gets no response; as Kafka does, an error in any partition closes the connection so
// the producer refreshes its metadata. Other acks values get INVALID_REQUIRED_ACKS in every
// partition. Produce never creates topics.
//
// The per-partition work (checks, record validation, idempotence, append) is in
// src/broker/produce/partition-append.ts.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ProduceRequest } from '../../protocol/generated/produce-request.js';
import type { PartitionProduceResponse, ProduceResponse, TopicProduceResponse } from '../../protocol/generated/produce-response.js';
import { ATTRIBUTES_OFFSET, MAGIC_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD, TRANSACTIONAL_MASK } from '../../protocol/records/batch-header.js';
import { readInt64Number } from '../../protocol/records/header.js';
import { BatchFault, batchFaultErrorCode } from '../../protocol/records/faults.js';
import { validateProduceRecords } from '../../protocol/records/validate.js';
import { endpointOn, partitionOf } from '../../cluster/metadata.js';
import type { BrokerContext } from '../context.js';
import { partitionError, producePartition, ProduceRequestContext } from '../produce/partition-append.js';
import { ProduceTxn } from '../produce/produce-txn.js';
import { topicProduceSettings } from '../produce/topic-settings.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize, authorizeTopic } from '../authorize.js';
import { CloseConnection, defineHandler, type HandlerResult, type RequestInfo } from './handler.js';

/**
 * The request-wide transactional checks Kafka makes before any partition
 * (KafkaApis.handleProduceRequest, ReplicaManager.handleProduceAppend): transactional
 * batches need a transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and may come
 * from one producer only (else INVALID_PRODUCER_ID_MAPPING). NONE otherwise.
 */
export function transactionalRequestError(request: ProduceRequest): number {
  let producerId = -1;
  let epoch = -1;
  for (const topic of request.topicData) {
    for (const pd of topic.partitionData) {
      const r = pd.records;
      if (r === null || r.length < RECORD_BATCH_OVERHEAD || r[MAGIC_OFFSET] !== 2 || (r[ATTRIBUTES_OFFSET + 1]! & TRANSACTIONAL_MASK) === 0) continue;
      // ProduceRequest.hasTransactionalRecords looks at the flag alone, the producer id mapping
      // check at batches with a producer id.
      if (request.transactionalId === null) return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      const id = readInt64Number(r, PRODUCER_ID_OFFSET);
      if (id < 0) continue;
      const e = r.readInt16BE(PRODUCER_EPOCH_OFFSET);
      if (producerId >= 0 && (id !== producerId || e !== epoch)) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
      producerId = id;
      epoch = e;
    }
  }
  return ErrorCode.NONE;
}

/** Every partition of the request answered with one error. */
function everyPartition(request: ProduceRequest, errorCode: number): TopicProduceResponse[] {
  return request.topicData.map((t) => ({ name: t.name, topicId: t.topicId, partitionResponses: t.partitionData.map((p) => partitionError(p.index, errorCode)) }));
}

/**
 * acks outside -1, 0, 1: partitions that fail Kafka's pre-append checks (unknown partition,
 * malformed records) keep those errors; the others get INVALID_REQUIRED_ACKS.
 */
function invalidAcks(request: ProduceRequest, broker: BrokerContext, apiVersion: number): TopicProduceResponse[] {
  return request.topicData.map((t) => {
    const meta = broker.metadata.topic(t.name);
    return {
      name: t.name,
      topicId: t.topicId,
      partitionResponses: t.partitionData.map((p) => {
        if (partitionOf(meta, p.index) === undefined) return partitionError(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        const fault = p.records === null ? BatchFault.NoBatch : validateProduceRecords(p.records, 0, p.records.length, apiVersion);
        return partitionError(p.index, fault === BatchFault.Ok ? ErrorCode.INVALID_REQUIRED_ACKS : batchFaultErrorCode(fault));
      }),
    };
  });
}

/** The leaders named for NOT_LEADER_OR_FOLLOWER at their endpoints on the request's listener (left out without one), as Kafka. */
function response(responses: TopicProduceResponse[], rc: ProduceRequestContext | null, listener: string): ProduceResponse {
  const nodeEndpoints = [];
  for (const b of rc?.leaders ?? []) {
    const e = endpointOn(b, listener);
    if (e !== undefined) nodeEndpoints.push({ nodeId: b.nodeId, host: e.host, port: e.port, rack: b.rack });
  }
  return { responses, throttleTimeMs: 0, nodeEndpoints };
}

/** acks=0: nothing to send; any error closes the connection (thrown, the dispatcher closes it). */
function unacknowledged(responses: TopicProduceResponse[], info: RequestInfo): null {
  const failed: string[] = [];
  for (const t of responses) for (const p of t.partitionResponses) if (p.errorCode !== ErrorCode.NONE) failed.push(`${t.name}-${p.index}: ${p.errorCode}`);
  if (failed.length > 0) {
    throw new CloseConnection(
      `Closing connection due to error during produce request with correlation id ${info.correlationId} from client id ${info.clientId} with ack=0; ` +
        `topic partitions and error codes: ${failed.join(', ')}`,
    );
  }
  return null;
}

/** Lowest Produce version served; lower ones are only advertised (KAFKA-18659). */
export const PRODUCE_MIN_SERVED_VERSION = 3;

function handleProduce(request: ProduceRequest, info: RequestInfo, broker: BrokerContext): ProduceResponse | Promise<ProduceResponse | null> | null {
  if (info.apiVersion < PRODUCE_MIN_SERVED_VERSION) {
    throw new CloseConnection(`Received request api key PRODUCE with version ${info.apiVersion} which is not enabled`);
  }
  const acks = request.acks;
  // v13: each id's topic name ('' for an id no topic has), as KafkaApis resolves them first.
  let refusing: Map<string, number> | null = null;
  if (info.apiVersion >= 13) {
    for (const t of request.topicData) {
      t.name = broker.metadata.topicById(t.topicId)?.name ?? '';
      if (t.name === '') (refusing ??= new Map()).set('', ErrorCode.UNKNOWN_TOPIC_ID);
    }
  }
  const txnError = transactionalRequestError(request);
  if (txnError !== ErrorCode.NONE) {
    const responses = everyPartition(request, txnError);
    return acks === 0 ? unacknowledged(responses, info) : response(responses, null, info.listenerName);
  }
  if (broker.authorizer !== null) {
    // KafkaApis: WRITE on the transactional id for transactional batches (the whole request
    // fails), then WRITE on each topic (its partitions fail, the others are appended).
    if (request.transactionalId !== null && hasTransactionalRecords(request) && !authorize(broker, info, AclOperation.Write, ResourceType.TransactionalId, request.transactionalId)) {
      const responses = everyPartition(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return acks === 0 ? unacknowledged(responses, info) : response(responses, null, info.listenerName);
    }
    for (const t of request.topicData) {
      if (t.name !== '' && !authorizeTopic(broker, info, AclOperation.Write, t.name)) (refusing ??= new Map()).set(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }
  }
  if (refusing !== null) return produceWithRefused(request, info, broker, refusing);
  return produceAuthorized(request, info, broker);
}

function hasTransactionalRecords(request: ProduceRequest): boolean {
  for (const topic of request.topicData) {
    for (const pd of topic.partitionData) {
      const r = pd.records;
      if (r !== null && r.length >= RECORD_BATCH_OVERHEAD && r[MAGIC_OFFSET] === 2 && (r[ATTRIBUTES_OFFSET + 1]! & TRANSACTIONAL_MASK) !== 0) return true;
    }
  }
  return false;
}

/**
 * The topics not refused are produced to; the refused ones (by name: '' for an id no topic has,
 * UNKNOWN_TOPIC_ID; a topic the principal may not write, TOPIC_AUTHORIZATION_FAILED) answered
 * with their error.
 */
function produceWithRefused(request: ProduceRequest, info: RequestInfo, broker: BrokerContext, refusing: ReadonlyMap<string, number>): ProduceResponse | Promise<ProduceResponse | null> | null {
  const refused: TopicProduceResponse[] = [];
  const allowed: ProduceRequest['topicData'] = [];
  for (const t of request.topicData) {
    const code = refusing.get(t.name);
    if (code !== undefined) refused.push({ name: t.name, topicId: t.topicId, partitionResponses: t.partitionData.map((p) => partitionError(p.index, code)) });
    else allowed.push(t);
  }
  if (allowed.length === 0) return request.acks === 0 ? unacknowledged(refused, info) : response(refused, null, info.listenerName);
  const merge = (r: ProduceResponse | null): ProduceResponse | null => {
    if (r === null) return unacknowledged(refused, info);
    r.responses.push(...refused);
    return r;
  };
  const r = produceAuthorized({ ...request, topicData: allowed }, info, broker);
  return r instanceof Promise ? r.then(merge) : merge(r);
}

function produceAuthorized(request: ProduceRequest, info: RequestInfo, broker: BrokerContext): ProduceResponse | Promise<ProduceResponse | null> | null {
  const acks = request.acks;
  if (acks !== -1 && acks !== 0 && acks !== 1) return response(invalidAcks(request, broker, info.apiVersion), null, info.listenerName);
  const txn = ProduceTxn.of(request, info.apiVersion, broker);
  if (txn !== null) {
    const earlier = producerTails.get(txn.producerId);
    if (txn.remote) {
      // The coordinator is on another broker: the guards are taken, and the coordinator asked,
      // only once the producer's earlier requests are appended (Kafka reads a connection's
      // next request once the previous one is answered), so their batches are seen first.
      if (earlier === undefined) {
        const asking = txn.verifyRemotely(broker, request);
        if (asking === null) return appendAll(request, info, broker, txn);
        return afterEarlier(request, info, broker, txn, asking, undefined);
      }
      return afterEarlier(request, info, broker, txn, earlier.then(() => txn.verifyRemotely(broker, request) ?? undefined), undefined);
    }
    // Transaction version 2: the partitions join the transaction before anything is appended.
    const adding = txn.addPartitions(broker, request);
    if (adding !== null || earlier !== undefined) return afterEarlier(request, info, broker, txn, adding, earlier);
  }
  return appendAll(request, info, broker, txn);
}

/**
 * Transactional requests of a producer still waiting for the coordinator, by producer id: the
 * settling of the latest one. Kafka serves a connection's requests one at a time; here a
 * request waiting for its partitions to join the transaction (or for a coordinator on another
 * broker to verify them) must not let the producer's next request (its next sequence numbers,
 * pipelined) append before it. Entries go when they settle.
 */
const producerTails = new Map<number, Promise<void>>();

function afterEarlier(request: ProduceRequest, info: RequestInfo, broker: BrokerContext, txn: ProduceTxn, adding: Promise<void> | null, earlier: Promise<void> | undefined): Promise<ProduceResponse | null> {
  const ready = earlier === undefined ? adding! : adding === null ? earlier : Promise.all([earlier, adding]);
  const result = ready.then(() => appendAll(request, info, broker, txn));
  const settled = result.then(noop, noop);
  producerTails.set(txn.producerId, settled);
  void settled.then(() => {
    if (producerTails.get(txn.producerId) === settled) producerTails.delete(txn.producerId);
  });
  return result;
}

function noop(): void {}

/** Every partition of the request, once its request-wide checks passed. */
function appendAll(request: ProduceRequest, info: RequestInfo, broker: BrokerContext, txn: ProduceTxn | null): ProduceResponse | Promise<ProduceResponse | null> | null {
  const acks = request.acks;
  const services = broker.produce;
  const now = Date.now();
  services.maybeExpireProducers(now);
  const rc = new ProduceRequestContext(services, acks, info.apiVersion, info.clientId, now);
  rc.txn = txn;
  rc.timeoutMs = request.timeoutMs;
  const responses: TopicProduceResponse[] = new Array(request.topicData.length);
  let waiting: Promise<PartitionProduceResponse>[] | null = null;
  let slots: Array<{ list: PartitionProduceResponse[]; at: number }> | null = null;
  for (let t = 0; t < request.topicData.length; t++) {
    const topicData = request.topicData[t]!;
    const meta = broker.metadata.topic(topicData.name);
    const settings = meta === undefined ? null : topicProduceSettings(meta, broker.config);
    const parts = topicData.partitionData;
    const list: PartitionProduceResponse[] = new Array(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const pd = parts[i]!;
      const r = meta === undefined ? partitionError(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) : producePartition(rc, meta, settings!, pd.index, pd.records);
      if (r instanceof Promise) {
        (waiting ??= []).push(r);
        (slots ??= []).push({ list, at: i });
      } else {
        list[i] = r;
      }
    }
    responses[t] = { name: topicData.name, topicId: topicData.topicId, partitionResponses: list };
  }
  if (waiting === null) return acks === 0 ? unacknowledged(responses, info) : response(responses, rc, info.listenerName);
  const filled = slots!;
  return Promise.all(waiting).then((done) => {
    for (let i = 0; i < done.length; i++) filled[i]!.list[filled[i]!.at] = done[i]!;
    return acks === 0 ? unacknowledged(responses, info) : response(responses, rc, info.listenerName);
  });
}

export const produceHandler = defineHandler({
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 13,
  handle(request, info, broker) {
    // A promise may settle on null (acks=0): the dispatcher then sends nothing.
    return handleProduce(request, info, broker) as HandlerResult<ProduceResponse>;
  },
});
