/**
 * KIP-890 verification state of a partition's producers (Kafka's VerificationGuard and
 * VerificationStateEntry, kept by ProducerStateManager).
 *
 * When a partition leader has to ask a transaction coordinator on another broker whether a
 * producer's first transactional batch belongs to an ongoing transaction, the answer comes
 * back asynchronously. A marker for the producer may land meanwhile (the transaction ended),
 * and a new transaction may start that the partition is not part of; the coordinator's stale
 * "yes" must then not let the batch in (the ABA problem Kafka's comments describe). So the
 * leader takes a guard, a number unique to this broker, when the verification starts; the
 * append passes it back, and it only matches while the entry still holds it. Any
 * transactional batch of the producer (data, which opens the transaction here, or a marker,
 * which ends one) removes the entry; a verification started for a newer epoch replaces it.
 *
 * The entry also keeps the lowest sequence seen while verifying, so that a later batch of the
 * producer cannot be written ahead of an earlier one still being verified (Kafka's
 * maybeUpdateLowestSequenceAndEpoch). Entries never verified expire with
 * producer.id.expiration.ms. In memory only, as in Kafka.
 */

/** Kafka's VerificationGuard.SENTINEL: no verification; it verifies nothing. */
export const VERIFICATION_SENTINEL = 0;

let lastGuard = VERIFICATION_SENTINEL;

function nextGuard(): number {
  lastGuard = lastGuard >= Number.MAX_SAFE_INTEGER ? 1 : lastGuard + 1;
  return lastGuard;
}

/** Kafka's VerificationGuard.verify: the entry's guard matches the request's, and the request's is not the sentinel. */
export function guardVerifies(entryGuard: number, requestGuard: number): boolean {
  return requestGuard !== VERIFICATION_SENTINEL && entryGuard === requestGuard;
}

export class VerificationStateEntry {
  readonly timestamp: number;
  readonly guard: number;
  lowestSequence: number;
  epoch: number;

  constructor(timestamp: number, sequence: number, epoch: number) {
    this.timestamp = timestamp;
    this.guard = nextGuard();
    this.lowestSequence = sequence;
    this.epoch = epoch;
  }

  /** A lower sequence of the same epoch becomes the lowest one. */
  noteSequence(sequence: number): void {
    if (sequence < this.lowestSequence) this.lowestSequence = sequence;
  }
}

/** The verification entries of one partition, by producer id. */
export class VerificationStates {
  private readonly entries = new Map<number, VerificationStateEntry>();

  /**
   * The guard of a verification of `producerId` at `epoch` starting: the entry's when one of
   * that epoch exists (its lowest sequence updated), else a new one (an entry of an older epoch
   * is replaced: the producer moved on, so a verification of that epoch still in flight must
   * not match any more).
   */
  maybeCreate(producerId: number, sequence: number, epoch: number, now: number): number {
    const e = this.entries.get(producerId);
    if (e !== undefined && e.epoch >= epoch) {
      if (e.epoch === epoch) e.noteSequence(sequence);
      return e.guard;
    }
    const created = new VerificationStateEntry(now, sequence, epoch);
    this.entries.set(producerId, created);
    return created.guard;
  }

  get(producerId: number): VerificationStateEntry | undefined {
    return this.entries.get(producerId);
  }

  /** The producer's guard, or the sentinel when no verification is under way. */
  guardOf(producerId: number): number {
    return this.entries.get(producerId)?.guard ?? VERIFICATION_SENTINEL;
  }

  clear(producerId: number): void {
    this.entries.delete(producerId);
  }

  /** Drops entries older than `expirationMs` (Kafka's removeExpiredProducers does the same). */
  removeExpired(now: number, expirationMs: number): void {
    for (const [id, e] of this.entries) if (now - e.timestamp >= expirationMs) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
