/**
 * Kafka's default partitioning (the Java producer's BuiltInPartitioner, KIP-794): a record
 * with a key goes to `toPositive(murmur2(key)) % partitions`, so keys land where Java's
 * producer puts them; a record without a key sticks to one partition until about a batch's
 * worth of bytes has gone there, then moves to another picked at random.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's `Utils.murmur2`: MurmurHash2, 32-bit, seed 0x9747b28c, as a signed int32. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives a key: `(murmur2(key) & 0x7fffffff) % n`. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}

/**
 * Sticky partition choice for records without a key, per topic: the current partition is
 * kept until `batchSize` bytes have been produced to it, then another one is drawn (a
 * different one when there are several), as Java's BuiltInPartitioner does.
 */
export class StickyPartitioner {
  private readonly batchSize: number;
  private readonly sticky = new Map<string, { partition: number; bytes: number }>();

  constructor(batchSize: number) {
    this.batchSize = Math.max(1, batchSize);
  }

  /** The partition for the next keyless record of `topic` with `numPartitions` partitions. */
  partition(topic: string, numPartitions: number): number {
    let s = this.sticky.get(topic);
    if (s === undefined || s.partition >= numPartitions) {
      s = { partition: randomPartition(numPartitions, -1), bytes: 0 };
      this.sticky.set(topic, s);
    }
    return s.partition;
  }

  /** Counts `bytes` produced to the sticky partition; moves on once a batch is full. */
  update(topic: string, numPartitions: number, bytes: number): void {
    const s = this.sticky.get(topic);
    if (s === undefined) return;
    s.bytes += bytes;
    if (s.bytes >= this.batchSize) {
      s.partition = randomPartition(numPartitions, s.partition);
      s.bytes = 0;
    }
  }
}

function randomPartition(n: number, avoid: number): number {
  if (n <= 1) return 0;
  if (avoid < 0 || avoid >= n) return Math.floor(Math.random() * n);
  const p = Math.floor(Math.random() * (n - 1));
  return p >= avoid ? p + 1 : p;
}
