/**
 * key -> latest offset map for compaction, in a fixed block of memory like Kafka's
 * SkimpyOffsetMap: `log.cleaner.dedupe.buffer.size` bytes of slots, each an MD5 hash of the
 * key (16 bytes), an offset (8 bytes) and the round that wrote it (4 bytes, so clearing the
 * map between rounds is a counter increment rather than a memset of the whole block, which
 * would stall the event loop), open addressing with linear probing. Memory stays bounded
 * however many keys a log has; a full map ends the cleaning round early and the rest is
 * cleaned next round.
 */
import { createHash } from 'node:crypto';

const HASH_SIZE = 16;
/** hash, offset (float64), and the round that wrote the slot: slots of older rounds count as empty. */
const ENTRY_SIZE = HASH_SIZE + 8 + 4;
/** Kafka's dupBufferLoadFactor: the map counts as full at 90% of its slots. */
export const LOAD_FACTOR = 0.9;
const MAX_ROUND = 0xfffffff0;

/**
 * The last round stamp given out, shared by every map of the process: a map's memory may be
 * recycled from an earlier map (same layout, real hashes and offsets), and only a stamp no
 * map has used before makes those slots read as empty.
 */
let lastRound = 0;

function nextRound(): number {
  if (lastRound >= MAX_ROUND) lastRound = 0;
  return ++lastRound;
}

export class OffsetMap {
  readonly slots: number;
  private readonly bytes: Buffer;
  private entries = 0;
  private readonly hash = Buffer.alloc(HASH_SIZE);
  /** Current round; slots stamped with another round are empty. */
  private round: number;
  /** The last offset put (or covered) in the map; -1 when none. */
  latestOffset = -1;

  constructor(memoryBytes: number) {
    this.slots = Math.max(1, Math.floor(memoryBytes / ENTRY_SIZE));
    // Not zero-filled (a memset of 128 MiB stalls the event loop): a slot holding garbage
    // whose stamp happens to equal the round is only a phantom occupied slot that probes step
    // over. Memory recycled from an earlier map holds real hashes, so stamps are never reused
    // (nextRound), else a stale slot would answer for its key.
    this.bytes = Buffer.allocUnsafeSlow(this.slots * ENTRY_SIZE);
    this.round = nextRound();
  }

  get size(): number {
    return this.entries;
  }

  /** True once the map holds as many keys as it should (Kafka's maxDesiredMapSize). */
  get full(): boolean {
    return this.entries >= Math.floor(this.slots * LOAD_FACTOR);
  }

  clear(): void {
    this.round = nextRound();
    // After the stamps wrap, old slots could carry the new stamp: start from zeroes.
    if (this.round === 1) this.bytes.fill(0);
    this.entries = 0;
    this.latestOffset = -1;
  }

  private hashKey(key: Uint8Array): void {
    createHash('md5').update(key).digest().copy(this.hash);
  }

  /** Slot position for probe `attempt`: start from the hash, then step by one. */
  private slotOf(attempt: number): number {
    return ((this.hash.readUInt32BE(0) + attempt) % this.slots) * ENTRY_SIZE;
  }

  private isEmpty(pos: number): boolean {
    return this.bytes.readUInt32BE(pos + HASH_SIZE + 8) !== this.round;
  }

  private matches(pos: number): boolean {
    return this.bytes.compare(this.hash, 0, HASH_SIZE, pos, pos + HASH_SIZE) === 0;
  }

  put(key: Uint8Array, offset: number): void {
    this.hashKey(key);
    for (let attempt = 0; attempt < this.slots; attempt++) {
      const pos = this.slotOf(attempt);
      if (this.isEmpty(pos)) {
        if (this.entries >= this.slots) break;
        this.hash.copy(this.bytes, pos);
        this.bytes.writeDoubleBE(offset, pos + HASH_SIZE);
        this.bytes.writeUInt32BE(this.round, pos + HASH_SIZE + 8);
        this.entries++;
        this.latestOffset = offset;
        return;
      }
      if (this.matches(pos)) {
        this.bytes.writeDoubleBE(offset, pos + HASH_SIZE);
        this.latestOffset = offset;
        return;
      }
    }
    throw new RangeError(`offset map full (${this.entries} entries in ${this.slots} slots)`);
  }

  /** Latest offset of `key`, or -1. */
  get(key: Uint8Array): number {
    this.hashKey(key);
    for (let attempt = 0; attempt < this.slots; attempt++) {
      const pos = this.slotOf(attempt);
      if (this.isEmpty(pos)) return -1;
      if (this.matches(pos)) return this.bytes.readDoubleBE(pos + HASH_SIZE);
    }
    return -1;
  }

  updateLatestOffset(offset: number): void {
    this.latestOffset = offset;
  }
}
