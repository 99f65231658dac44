import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import type { ProduceRequest } from '../../../src/protocol/generated/produce-request.js';
import type { PartitionProduceResponse, ProduceResponse } from '../../../src/protocol/generated/produce-response.js';
import { encodeBatchSync, type BatchOptions } from '../../../src/protocol/records/encode.js';
import { decodeBatch, type DecodedBatch } from '../../../src/protocol/records/decode.js';
import { BatchCursor } from '../../../src/protocol/records/iterator.js';
import type { RecordInput } from '../../../src/protocol/records/record.js';
import type { WireClient } from '../../helpers/wire-client.js';
import type { TestBroker } from '../../helpers/test-broker.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

export function records(n: number, prefix = 'v', keyed = true): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) out.push({ key: keyed ? Buffer.from(`k${i}`) : null, value: Buffer.from(`${prefix}${i}`) });
  return out;
}

export function batch(recs: RecordInput[], options: BatchOptions = {}): Buffer {
  return encodeBatchSync(recs, options);
}

/** An idempotent batch of `count` records starting at `seq`. */
export function idempotentBatch(producerId: number, epoch: number, seq: number, count: number, options: BatchOptions = {}): Buffer {
  return encodeBatchSync(records(count, `p${producerId}e${epoch}s${seq}-`), { producerId, producerEpoch: epoch, baseSequence: seq, ...options });
}

export function produceRequest(topic: string, partition: number, recordsBuf: Buffer | null, acks = -1, transactionalId: string | null = null): ProduceRequest {
  return { transactionalId, acks, timeoutMs: 30_000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records: recordsBuf }] }] };
}

/** Produces one batch and returns the partition's response. */
export async function produce(client: WireClient, topic: string, partition: number, recordsBuf: Buffer | null, version = 12, acks = -1): Promise<PartitionProduceResponse> {
  const res: ProduceResponse = await client.request(ApiKey.Produce, version, produceRequest(topic, partition, recordsBuf, acks));
  return res.responses[0]!.partitionResponses[0]!;
}

/** The producer id InitProducerId hands out for an idempotent producer. */
export async function initProducerId(client: WireClient, version = 5): Promise<{ producerId: number; producerEpoch: number; errorCode: number }> {
  const r = await client.request(ApiKey.InitProducerId, version, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false });
  return { producerId: Number(r.producerId), producerEpoch: r.producerEpoch, errorCode: r.errorCode };
}

/** Every batch of a partition's log, decoded (read directly from the storage layer). */
export async function readLog(tb: TestBroker, topic: string, partition: number): Promise<DecodedBatch[]> {
  const log = tb.broker.logs.getLog(topic, partition);
  if (log === undefined) throw new Error(`no log for ${topic}-${partition}`);
  const out: DecodedBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records: buf } = log.read(offset, 1 << 24, { isolation: 'logEnd' });
    if (buf.length === 0) break;
    const c = new BatchCursor(buf);
    while (c.next()) {
      const b = await decodeBatch(buf, c.offset, c.offset + c.size);
      out.push(b);
      offset = b.baseOffset + b.lastOffsetDelta + 1;
    }
  }
  return out;
}

/** Values of every record in the partition, as strings. */
export async function readValues(tb: TestBroker, topic: string, partition: number): Promise<string[]> {
  const batches = await readLog(tb, topic, partition);
  return batches.flatMap((b) => b.records.map((r) => r.value?.toString() ?? '<null>'));
}
