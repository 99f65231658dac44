// Wire-level helpers for the transaction tests: a transactional producer's requests made one by
// one with the project's wire client, and readers of what landed in the logs. No tests here.
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { PartitionProduceResponse } from '../../../src/protocol/generated/produce-response.js';
import type { TransactionState } from '../../../src/protocol/generated/describe-transactions-response.js';
import { controlRecordType, ControlRecordType, parseControlRecordKey, parseEndTxnMarker } from '../../../src/protocol/records/control.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import type { WireClient } from '../../helpers/wire-client.js';
import { describeError } from '../../helpers/wire-client.js';
import { eventually } from '../../helpers/eventually.js';
import type { TestBroker } from '../../helpers/test-broker.js';
import { readLog } from '../produce/helpers.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

export const TRANSACTION_KEY = 1;

/** FindCoordinator for a transactional id (creates __transaction_state on first use); must succeed. */
export async function findTxnCoordinator(c: WireClient, transactionalId: string): Promise<void> {
  const r = await c.request(ApiKey.FindCoordinator, 3, { key: transactionalId, keyType: TRANSACTION_KEY });
  assert.equal(r.errorCode, ErrorCode.NONE, `FindCoordinator: ${describeError(r.errorCode)}`);
}

/** FindCoordinator for a group (creates __consumer_offsets on first use); must succeed. */
export async function findGroupCoordinator(c: WireClient, groupId: string): Promise<void> {
  const r = await c.request(ApiKey.FindCoordinator, 3, { key: groupId, keyType: 0 });
  assert.equal(r.errorCode, ErrorCode.NONE, `FindCoordinator: ${describeError(r.errorCode)}`);
}

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

/** InitProducerId with a transactional id; must succeed. */
export async function initTxn(c: WireClient, transactionalId: string, version = 4, timeoutMs = 60_000, current: ProducerIdAndEpoch | null = null): Promise<ProducerIdAndEpoch> {
  const r = await c.request(ApiKey.InitProducerId, version, {
    transactionalId, transactionTimeoutMs: timeoutMs, producerId: BigInt(current?.producerId ?? -1), producerEpoch: current?.producerEpoch ?? -1,
  });
  assert.equal(r.errorCode, ErrorCode.NONE, `InitProducerId: ${describeError(r.errorCode)}`);
  return { producerId: Number(r.producerId), producerEpoch: r.producerEpoch };
}

/** A transactional batch of `values` (keys k0, k1, ...). */
export function txnBatch(p: ProducerIdAndEpoch, sequence: number, values: string[]): Buffer {
  return encodeBatchSync(values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v) })), {
    producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: sequence, transactional: true,
  });
}

/** Produces one transactional batch to one partition; the partition's response. */
export async function produceTxn(c: WireClient, transactionalId: string, topic: string, partition: number, batch: Buffer, version = 9): Promise<PartitionProduceResponse> {
  const r = await c.request(ApiKey.Produce, version, {
    transactionalId, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records: batch }] }],
  });
  return r.responses[0]!.partitionResponses[0]!;
}

/** AddPartitionsToTxn v0-3; `topic-partition:error` for each partition. */
export async function addPartitions(c: WireClient, transactionalId: string, p: ProducerIdAndEpoch, topic: string, partitions: number[], version = 3): Promise<string[]> {
  const r = await c.request(ApiKey.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: BigInt(p.producerId), v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions }],
  });
  return r.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((x) => `${t.name}-${x.partitionIndex}:${x.partitionErrorCode}`));
}

export async function endTxn(c: WireClient, transactionalId: string, p: ProducerIdAndEpoch, commit: boolean, version = 3) {
  return c.request(ApiKey.EndTxn, version, { transactionalId, producerId: BigInt(p.producerId), producerEpoch: p.producerEpoch, committed: commit });
}

export async function describeTxn(c: WireClient, transactionalId: string): Promise<TransactionState> {
  const r = await c.request(ApiKey.DescribeTransactions, 0, { transactionalIds: [transactionalId] });
  return r.transactionStates[0]!;
}

/** Waits until the transaction is in `state` (markers are written after EndTxn answers). */
export async function awaitState(c: WireClient, transactionalId: string, state: string): Promise<TransactionState> {
  return eventually(`${transactionalId} in ${state}`, async () => {
    const d = await describeTxn(c, transactionalId);
    return d.transactionState === state ? d : null;
  });
}

/** TxnOffsetCommit of one offset; its partition's error code. */
export async function txnOffsetCommit(
  c: WireClient, transactionalId: string, groupId: string, p: ProducerIdAndEpoch, topic: string, partition: number, offset: bigint, version = 3,
): Promise<number> {
  const r = await c.request(ApiKey.TxnOffsetCommit, version, {
    transactionalId, groupId, producerId: BigInt(p.producerId), producerEpoch: p.producerEpoch, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: topic, topicId: ZERO_UUID, partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'txn' }] }],
  });
  return r.topics[0]!.partitions[0]!.errorCode;
}

/** OffsetFetch v8 of one partition: its error code and committed offset. */
export async function fetchOffset(c: WireClient, groupId: string, topic: string, partition: number, requireStable: boolean): Promise<[number, bigint]> {
  const r = await c.request(ApiKey.OffsetFetch, 8, { requireStable, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: topic, topicId: ZERO_UUID, partitionIndexes: [partition] }] }] });
  const p = r.groups[0]!.topics[0]!.partitions[0]!;
  return [p.errorCode, p.committedOffset];
}

/** What a partition's log holds, batch by batch: data values, or COMMIT/ABORT markers with their producer epoch and coordinator epoch. */
export async function logContents(tb: TestBroker, topic: string, partition: number): Promise<string[]> {
  const out: string[] = [];
  for (const b of await readLog(tb, topic, partition)) {
    if (b.isControl) {
      const r = b.records[0]!;
      const type = controlRecordType(parseControlRecordKey(r.key).type);
      const name = type === ControlRecordType.Commit ? 'COMMIT' : type === ControlRecordType.Abort ? 'ABORT' : `control ${type}`;
      out.push(`${name}(${b.producerId}/${b.producerEpoch} c${parseEndTxnMarker(r.value).coordinatorEpoch})`);
    } else {
      out.push(`${b.isTransactional ? 'txn ' : ''}${b.records.map((r) => r.value?.toString()).join(',')}`);
    }
  }
  return out;
}
