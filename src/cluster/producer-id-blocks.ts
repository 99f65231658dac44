/**
 * Producer id blocks of a cluster, handed out through the metadata store as Kafka's controller
 * hands them out (ProducerIdsRecord): `<root>producer-ids` holds the last block given, in the
 * format of ZooKeeper Kafka's `/latest_producer_id_block`, and each broker reserves the next
 * one with a compare-and-swap on it. Every broker hands out ids (InitProducerId), so blocks
 * reserved by each broker on its own would give two producers one id — and then the partition
 * leaders take one producer's batches for the other's retries or sequence gaps.
 */
import { absent, modRevisionIs, type Kv } from './kv/kv.js';

export interface ProducerIdBlockRecord {
  version: 1;
  broker: number;
  block_start: string;
  block_end: string;
}

/** Compare-and-swap attempts before giving up (each loser sees the winner's block at once). */
const MAX_ATTEMPTS = 50;

/** Reserves the `size` ids after the last block given to any broker of the cluster. */
export async function allocateProducerIdBlock(kv: Kv, key: string, nodeId: number, size: number): Promise<{ first: number; last: number }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const entry = await kv.get(key);
    const lastGiven = entry === undefined ? -1 : Number((JSON.parse(entry.value) as ProducerIdBlockRecord).block_end);
    if (!Number.isSafeInteger(lastGiven)) throw new Error(`${key} does not hold a producer id block: ${entry?.value.slice(0, 200)}`);
    const block = { first: lastGiven + 1, last: lastGiven + size };
    if (block.last > Number.MAX_SAFE_INTEGER) throw new Error('producer ids are exhausted');
    const record: ProducerIdBlockRecord = { version: 1, broker: nodeId, block_start: String(block.first), block_end: String(block.last) };
    const r = await kv.txn({
      compares: [entry === undefined ? absent(key) : modRevisionIs(key, entry.modRevision)],
      success: [{ type: 'put', key, value: JSON.stringify(record) }],
    });
    if (r.succeeded) return block;
  }
  throw new Error(`${key} kept changing: no producer id block after ${MAX_ATTEMPTS} attempts`);
}
