/**
 * The records of `__transaction_state` in Kafka's own format (TransactionLog): the key is the
 * int16 key version (0) followed by TransactionLogKey (the transactional id); the value is the
 * int16 value version followed by TransactionLogValue, or null (a tombstone) for an expired id.
 * The value is written at version 0 until transaction.version 1, then at version 1 (flexible,
 * with the client's transaction version and the previous and next producer ids as tagged
 * fields; Kafka 4.0 leaves the producer ids at their defaults, but a coordinator that loads a
 * transaction prepared at an exhausted epoch needs the next one to complete it). An Empty transaction is written with null partitions, as Kafka writes it.
 */
import * as TransactionLogKey from '../../protocol/generated/internal/transaction-log-key.js';
import * as TransactionLogValue from '../../protocol/generated/internal/transaction-log-value.js';
import { encodeBatchSync } from '../../protocol/records/encode.js';
import type { RecordInput } from '../../protocol/records/record.js';
import { TopicPartitionSet } from './topic-partitions.js';
import { TransactionMetadata, type TxnTransitMetadata } from './transaction-metadata.js';
import {
  NO_PRODUCER_EPOCH,
  stateFromId,
  TransactionState,
  transactionLogValueVersion,
  transactionVersionFromLevel,
  type TransactionVersion,
} from './transaction-state.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** One record of the log, as bytes. */
export interface TxnLogRecord {
  key: Buffer;
  /** null: a tombstone. */
  value: Buffer | null;
}

const KEY_VERSION = 0;

function versioned(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

export function keyToBytes(transactionalId: string): Buffer {
  return versioned(KEY_VERSION, TransactionLogKey.encode({ transactionalId }, KEY_VERSION));
}

export function valueToBytes(t: TxnTransitMetadata, transactionVersionLevel: TransactionVersion): Buffer {
  if (t.txnState === TransactionState.Empty && t.topicPartitions.size > 0) {
    throw new Error('Transaction is not expected to have any partitions since its state is Empty');
  }
  let partitions: TransactionLogValue.PartitionsSchema[] | null = null;
  if (t.txnState !== TransactionState.Empty) {
    partitions = [];
    for (const [topic, ids] of t.topicPartitions.topics()) partitions.push({ topic, partitionIds: [...ids] });
  }
  const version = transactionLogValueVersion(transactionVersionLevel);
  // Version 0 has no tagged fields: they stay at their defaults there.
  const flexible = version >= 1;
  return versioned(version, TransactionLogValue.encode({
    producerId: BigInt(t.producerId),
    previousProducerId: flexible ? BigInt(t.prevProducerId) : -1n,
    nextProducerId: flexible ? BigInt(t.nextProducerId) : -1n,
    producerEpoch: t.producerEpoch,
    transactionTimeoutMs: t.txnTimeoutMs,
    transactionStatus: t.txnState,
    transactionPartitions: partitions,
    transactionLastUpdateTimestampMs: BigInt(t.txnLastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(t.txnStartTimestamp),
    clientTransactionVersion: flexible ? t.clientTransactionVersion : 0,
    nextProducerEpoch: -1,
  }, version));
}

/** The transactional id of a key, or null for a key version this coordinator does not know (Kafka skips those). */
export function readTxnRecordKey(key: Buffer): string | null {
  if (key.length < 2) throw new Error('Transaction state log record key is too short');
  const version = key.readInt16BE(0);
  if (version !== KEY_VERSION) return null;
  return TransactionLogKey.decode(key, 2, version).transactionalId;
}

/** The metadata of a value; null for a tombstone. Throws on an unknown value version, as Kafka does. */
export function readTxnRecordValue(transactionalId: string, value: Buffer | null): TransactionMetadata | null {
  if (value === null) return null;
  if (value.length < 2) throw new Error(`Transaction state log value of ${transactionalId} is too short`);
  const version = value.readInt16BE(0);
  if (version < TransactionLogValue.validVersions.lowest || version > TransactionLogValue.validVersions.highest) {
    throw new Error(`Unknown version ${version} from the transaction log message value`);
  }
  const v = TransactionLogValue.decode(value, 2, version);
  const state = stateFromId(v.transactionStatus);
  const partitions = new TopicPartitionSet();
  if (state !== TransactionState.Empty) {
    for (const p of v.transactionPartitions ?? []) for (const id of p.partitionIds) partitions.add(p.topic, id);
  }
  return new TransactionMetadata({
    transactionalId,
    producerId: Number(v.producerId),
    previousProducerId: Number(v.previousProducerId),
    nextProducerId: Number(v.nextProducerId),
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    txnTimeoutMs: v.transactionTimeoutMs,
    state,
    topicPartitions: partitions,
    txnStartTimestamp: Number(v.transactionStartTimestampMs),
    txnLastUpdateTimestamp: Number(v.transactionLastUpdateTimestampMs),
    clientTransactionVersion: transactionVersionFromLevel(v.clientTransactionVersion),
  });
}

/** One uncompressed v2 batch of records with no producer id (Kafka writes the log uncompressed, acks=all). */
export function encodeTxnLogBatch(records: readonly TxnLogRecord[], now: number): Buffer {
  const inputs: RecordInput[] = [];
  for (const r of records) inputs.push({ key: r.key, value: r.value, timestamp: now });
  return encodeBatchSync(inputs, { defaultTimestamp: now });
}
