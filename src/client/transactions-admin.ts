/**
 * What Kafka's Admin.listTransactions and describeTransactions do, over one KafkaClient:
 * ListTransactions goes to every broker (each lists the transactional ids it coordinates),
 * DescribeTransactions to the coordinator of the one id (FindCoordinator, key type TRANSACTION).
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { CoordinatorType, type KafkaClient } from './client.js';
import { KafkaResponseError, throwIfError } from './errors.js';

export interface TransactionListing {
  transactionalId: string;
  /** The broker that coordinates it. */
  coordinator: number;
  producerId: bigint;
  /** Kafka's state names: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, ... */
  state: string;
}

export interface TransactionFilters {
  states?: readonly string[];
  producerIds?: readonly bigint[];
  /** Only transactions running longer than this (ms); needs ListTransactions v1. Negative: all. */
  durationMs?: bigint;
}

export interface TransactionDescription {
  coordinator: number;
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  state: string;
  timeoutMs: number;
  /** -1 when no transaction is open. */
  startTimeMs: bigint;
  partitions: { topic: string; partition: number }[];
}

export async function listTransactions(client: KafkaClient, filters: TransactionFilters = {}): Promise<TransactionListing[]> {
  await client.metadata([]);
  const duration = filters.durationMs ?? -1n;
  const out: TransactionListing[] = [];
  for (const b of client.brokers()) {
    const conn = await client.node(b.nodeId);
    if (conn.brokerRange(ApiKey.ListTransactions) === undefined) {
      throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, `broker ${b.nodeId} does not serve ListTransactions`);
    }
    const v = conn.version(ApiKey.ListTransactions);
    if (duration >= 0n && v < 1) {
      throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, `broker ${b.nodeId} cannot filter transactions by duration (ListTransactions v1)`);
    }
    const r = await conn.request(ApiKey.ListTransactions, {
      stateFilters: [...(filters.states ?? [])], producerIdFilters: [...(filters.producerIds ?? [])], durationFilter: duration, transactionalIdPattern: null,
    }, v);
    throwIfError(r.errorCode, `listing transactions on broker ${b.nodeId}`);
    for (const t of r.transactionStates) {
      out.push({ transactionalId: t.transactionalId, coordinator: b.nodeId, producerId: t.producerId, state: t.transactionState });
    }
  }
  return out.sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0));
}

export async function describeTransaction(client: KafkaClient, transactionalId: string): Promise<TransactionDescription> {
  if (client.brokers().length === 0) await client.metadata([]);
  return client.retrying(async () => {
    const conn = await client.coordinator(transactionalId, CoordinatorType.TRANSACTION);
    const r = await conn.request(ApiKey.DescribeTransactions, { transactionalIds: [transactionalId] });
    const t = r.transactionStates[0];
    if (t === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `describing transactional id ${transactionalId}`, 'empty answer');
    throwIfError(t.errorCode, `describing transactional id ${transactionalId}`);
    const coordinator = client.brokers().find((n) => n.host === conn.host && n.port === conn.port)?.nodeId ?? -1;
    return {
      coordinator, transactionalId, producerId: t.producerId, producerEpoch: t.producerEpoch, state: t.transactionState,
      timeoutMs: t.transactionTimeoutMs, startTimeMs: t.transactionStartTimeMs,
      partitions: t.topics.flatMap((tp) => [...tp.partitions].sort((a, b) => a - b).map((partition) => ({ topic: tp.topic, partition }))),
    };
  });
}
