/**
 * Idempotent producers: the checks a leader makes of a client batch that carries a producer
 * id before it is appended (Kafka 4.0's UnifiedLog.analyzeAndValidateProducerState,
 * ProducerStateEntry.findDuplicateBatch and ProducerAppendInfo.checkProducerEpoch /
 * checkSequence for AppendOrigin.CLIENT), against the producer's state in the partition's
 * ProducerStateManager (producer-state.ts), which is the persisted form: the log append
 * updates it, snapshots and recovery rebuild it. PartitionLog.appendAsLeader runs them.
 *
 * In order:
 * 1. Duplicate: same epoch and exactly the sequence range of one of the producer's last 5
 *    batches → the batch is not appended and the client gets NONE with the original batch's
 *    offsets (Kafka has not returned DUPLICATE_SEQUENCE_NUMBER since 2.x).
 * 2. Epoch older than the producer's → INVALID_PRODUCER_EPOCH.
 * 3. Sequence: a new epoch must start at sequence 0 (unless the producer has no epoch yet);
 *    within an epoch the first sequence must follow the last one, wrapping from
 *    Int32.MAX_VALUE to 0 → otherwise OUT_OF_ORDER_SEQUENCE_NUMBER. A producer the
 *    partition does not know (new, expired, or its batches removed by retention) may start
 *    at any sequence: Kafka 4.0 no longer answers UNKNOWN_PRODUCER_ID here (KIP-360).
 *
 * 4. A plain (non-transactional) batch from a producer with a transaction open on the
 *    partition → INVALID_TXN_STATE.
 *
 * Transactional verification (KIP-890) belongs to the transaction coordinator and is not
 * made here. `checkTxnMarker` makes the checks of an end-transaction marker.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { BASE_SEQUENCE_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET } from '../protocol/records/batch-header.js';
import { batchIsTransactional, batchLastSequence, readInt64Number } from '../protocol/records/header.js';
import { StorageError } from './errors.js';
import { recentBatches, type BatchMetadata, type ProducerStateEntry } from './producer-state.js';
import { guardVerifies, VERIFICATION_SENTINEL, type VerificationStates } from './verification-state.js';

export const INT32_MAX = 0x7fffffff;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

/** Kafka's DefaultRecordBatch.incrementSequence: `sequence + increment`, wrapping past Int32.MAX_VALUE to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

/** Kafka's DefaultRecordBatch.decrementSequence, the inverse of incrementSequence. */
export function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

/** True when `next` directly follows `last` (ProducerAppendInfo.inSequence). */
export function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === INT32_MAX);
}

/** First sequence of a recorded batch. */
export function firstSequenceOf(b: BatchMetadata): number {
  return decrementSequence(b.lastSequence, b.offsetDelta);
}

/** First offset of a recorded batch. */
export function firstOffsetOf(b: BatchMetadata): number {
  return b.lastOffset - b.offsetDelta;
}

export const enum ProducerCheck {
  /** Append the batch. */
  Append = 0,
  /** A retry of a batch already in the log: answer with `duplicateOf`'s offsets. */
  Duplicate = 1,
  /** Reject with `errorCode`. */
  Reject = 2,
}

/**
 * The outcome of `checkProducerBatch`. One instance is reused for every check (the hot path
 * allocates nothing); its fields describe the last check until the next one.
 */
export class ProducerCheckResult {
  verdict: ProducerCheck = ProducerCheck.Append;
  duplicateOf: BatchMetadata | null = null;
  errorCode: number = ErrorCode.NONE;
  /** What Kafka logs for the rejection (its ProduceResponse carries no message for these). */
  reason: string = '';

  private set(verdict: ProducerCheck, duplicateOf: BatchMetadata | null, errorCode: number, reason: string): ProducerCheck {
    this.verdict = verdict;
    this.duplicateOf = duplicateOf;
    this.errorCode = errorCode;
    this.reason = reason;
    return verdict;
  }

  append(): ProducerCheck {
    return this.set(ProducerCheck.Append, null, ErrorCode.NONE, '');
  }

  duplicate(b: BatchMetadata): ProducerCheck {
    return this.set(ProducerCheck.Duplicate, b, ErrorCode.NONE, '');
  }

  reject(errorCode: number, reason: string): ProducerCheck {
    return this.set(ProducerCheck.Reject, null, errorCode, reason);
  }
}

/** The producer's batch with exactly this sequence range in the current epoch, if any. */
export function findDuplicateBatch(entry: ProducerStateEntry, epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | null {
  if (entry.producerEpoch !== epoch) return null;
  const batches = recentBatches(entry);
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    if (b.lastSequence === lastSeq && firstSequenceOf(b) === firstSeq) return b;
  }
  return null;
}

/**
 * Checks a client batch of producer `producerId` (epoch, first and last sequence from its
 * header) against the producer's entry in the partition (undefined when unknown). `offset`
 * (where the batch would go), `topic` and `partition` only feed the reason text, which is
 * built on rejection only.
 */
export function checkProducerBatch(
  out: ProducerCheckResult,
  entry: ProducerStateEntry | undefined,
  producerId: number,
  epoch: number,
  firstSeq: number,
  lastSeq: number,
  offset: number,
  topic: string,
  partition: number,
): ProducerCheck {
  if (entry === undefined) {
    // ProducerStateEntry.empty: no epoch, so any epoch and sequence start it.
    return out.append();
  }
  const duplicate = findDuplicateBatch(entry, epoch, firstSeq, lastSeq);
  if (duplicate !== null) return out.duplicate(duplicate);
  const currentEpoch = entry.producerEpoch;
  if (epoch < currentEpoch) {
    return out.reject(
      ErrorCode.INVALID_PRODUCER_EPOCH,
      `Epoch of producer ${producerId} at offset ${offset} in ${topic}-${partition} is ${epoch}, which is smaller than the last seen epoch ${currentEpoch}`,
    );
  }
  if (epoch !== currentEpoch) {
    if (firstSeq !== 0 && currentEpoch !== NO_PRODUCER_EPOCH) {
      return out.reject(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `Invalid sequence number for new epoch of producer ${producerId}at offset ${offset} in partition ${topic}-${partition}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${currentEpoch} (current producer epoch)`,
      );
    }
    return out.append();
  }
  // Same epoch: the batch must follow the producer's last one. An entry without data batches
  // (only transaction markers, or a snapshot of such) has no last sequence: only 0 follows.
  const batches = recentBatches(entry);
  const currentLastSeq = batches.length > 0 ? batches[batches.length - 1]!.lastSequence : NO_SEQUENCE;
  if (currentEpoch !== NO_PRODUCER_EPOCH && !inSequence(currentLastSeq, firstSeq)) {
    return out.reject(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `Out of order sequence number for producer ${producerId} at offset ${offset} in partition ${topic}-${partition}: ${firstSeq} (incoming seq. number), ${currentLastSeq} (current end sequence number)`,
    );
  }
  return out.append();
}

/** Reused by every client append's check (they run synchronously, one at a time). */
const clientCheck = new ProducerCheckResult();

/**
 * analyzeAndValidateProducerState for a client append (one batch, at the start of `records`)
 * that would go at `offset`: the batch it repeats when it is a retry, else null to append.
 * Throws INVALID_PRODUCER_EPOCH or OUT_OF_ORDER_SEQUENCE_NUMBER with Kafka's log text.
 */
export function validateClientProducerState(
  records: Buffer,
  producers: ReadonlyMap<number, ProducerStateEntry>,
  offset: number,
  topic: string,
  partition: number,
  verifications: VerificationStates | null = null,
  requestGuard = VERIFICATION_SENTINEL,
): BatchMetadata | null {
  const producerId = readInt64Number(records, PRODUCER_ID_OFFSET);
  if (producerId < 0) return null;
  const entry = producers.get(producerId);
  const verdict = checkProducerBatch(
    clientCheck,
    entry,
    producerId,
    records.readInt16BE(PRODUCER_EPOCH_OFFSET),
    records.readInt32BE(BASE_SEQUENCE_OFFSET),
    batchLastSequence(records, 0),
    offset,
    topic,
    partition,
  );
  if (verdict === ProducerCheck.Duplicate) return clientCheck.duplicateOf;
  if (verifications !== null) checkVerification(records, entry, producerId, verifications, requestGuard, offset, topic, partition);
  if (verdict === ProducerCheck.Reject) {
    throw new StorageError(clientCheck.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH ? 'INVALID_PRODUCER_EPOCH' : 'OUT_OF_ORDER_SEQUENCE_NUMBER', clientCheck.reason);
  }
  // ProducerAppendInfo.appendDataBatch: no plain batch in the middle of a transaction.
  if (entry !== undefined && entry.currentTxnFirstOffset >= 0 && !batchIsTransactional(records, 0)) {
    throw new StorageError('INVALID_TXN_STATE', `Expected transactional write from producer ${producerId} at offset ${offset} in partition ${topic}-${partition}`);
  }
  return null;
}

/**
 * A transactional batch of a producer with no transaction of its epoch open here, whose
 * verification guard is no longer the one its verification started with: a marker or a newer
 * epoch came in between (Kafka's batchMissingRequiredVerification).
 */
function lostVerification(records: Buffer, entry: ProducerStateEntry | undefined, producerId: number, verifications: VerificationStates, requestGuard: number): boolean {
  if (!batchIsTransactional(records, 0)) return false;
  const epoch = records.readInt16BE(PRODUCER_EPOCH_OFFSET);
  const ongoing = entry !== undefined && entry.currentTxnFirstOffset >= 0 && entry.producerEpoch === epoch;
  return !ongoing && !guardVerifies(verifications.guardOf(producerId), requestGuard);
}

/**
 * Kafka's checks of a verified append (UnifiedLog.analyzeAndValidateProducerState,
 * ProducerAppendInfo.checkSequence), after the duplicate check: a transactional batch of a
 * producer with no transaction of its epoch open here needs the guard its verification
 * started with to be still in place (a marker since then removed it) → INVALID_TXN_STATE;
 * a batch with a higher sequence than the lowest one still being verified must wait for it
 * → OUT_OF_ORDER_SEQUENCE_NUMBER.
 */
function checkVerification(
  records: Buffer, entry: ProducerStateEntry | undefined, producerId: number, verifications: VerificationStates, requestGuard: number,
  offset: number, topic: string, partition: number,
): void {
  if (lostVerification(records, entry, producerId, verifications, requestGuard)) {
    throw new StorageError('INVALID_TXN_STATE', 'Record was not part of an ongoing transaction');
  }
  const pending = verifications.get(producerId);
  const firstSeq = records.readInt32BE(BASE_SEQUENCE_OFFSET);
  if (pending !== undefined && firstSeq > pending.lowestSequence) {
    throw new StorageError(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      `Out of order sequence number for producer ${producerId} at offset ${offset} in partition ${topic}-${partition}: ${firstSeq} (incoming seq. number), ${pending.lowestSequence} (earliest seen sequence)`,
    );
  }
}

/**
 * A coordinator's transactional batch (the group coordinator's TxnOffsetCommit write) after
 * a verification by a coordinator on another broker (UnifiedLog.analyzeAndValidateProducerState
 * for AppendOrigin.COORDINATOR): refused with INVALID_TXN_STATE when the producer has no
 * transaction of the batch's epoch open here and the guard is gone.
 */
export function checkCoordinatorVerification(records: Buffer, state: { producers: ReadonlyMap<number, ProducerStateEntry>; verifications: VerificationStates }, requestGuard: number): void {
  const producerId = readInt64Number(records, PRODUCER_ID_OFFSET);
  if (producerId < 0) return;
  if (lostVerification(records, state.producers.get(producerId), producerId, state.verifications, requestGuard)) {
    throw new StorageError('INVALID_TXN_STATE', 'Record was not part of an ongoing transaction');
  }
}

/** Transaction version 2 (KIP-890): markers carry the epoch the coordinator bumped at EndTxn. */
export const TRANSACTION_VERSION_2 = 2;

/**
 * The checks of an end-transaction marker a coordinator asks the leader to write (Kafka's
 * ProducerAppendInfo.appendEndTxnMarker for AppendOrigin.COORDINATOR), against the
 * producer's entry (undefined when the partition does not know it: any epoch passes):
 *
 * 1. Epoch: under transaction version 2 the coordinator bumps the epoch before writing the
 *    markers, so a marker must carry an epoch strictly above the producer's, which also
 *    refuses a late or repeated marker of the same transaction; before it (TV0/1) markers
 *    carry the transaction's own epoch, and only an older one is refused.
 *    → INVALID_PRODUCER_EPOCH (Kafka answers it since 2.7, where it used to say PRODUCER_FENCED).
 * 2. Coordinator epoch below the last one seen for the producer: a zombie coordinator
 *    → TRANSACTION_COORDINATOR_FENCED.
 *
 * `offset` (where the marker would go), `topic` and `partition` only feed the messages.
 */
export function checkTxnMarker(
  entry: ProducerStateEntry | undefined,
  producerId: number,
  producerEpoch: number,
  coordinatorEpoch: number,
  transactionVersion: number,
  offset: number,
  topic: string,
  partition: number,
): void {
  const current = entry?.producerEpoch ?? NO_PRODUCER_EPOCH;
  const strict = transactionVersion >= TRANSACTION_VERSION_2;
  if (strict ? producerEpoch <= current : producerEpoch < current) {
    throw new StorageError(
      'INVALID_PRODUCER_EPOCH',
      `Epoch of producer ${producerId} at offset ${offset} in ${topic}-${partition} is ${producerEpoch}, which is ${strict ? '<=' : '<'} the last seen epoch ${current} (TV${transactionVersion})`,
    );
  }
  const currentCoordinatorEpoch = entry?.coordinatorEpoch ?? -1;
  if (currentCoordinatorEpoch > coordinatorEpoch) {
    throw new StorageError(
      'TRANSACTION_COORDINATOR_FENCED',
      `Invalid coordinator epoch for producerId ${producerId} at offset ${offset} in partition ${topic}-${partition}: ${coordinatorEpoch} (zombie), ${currentCoordinatorEpoch} (current)`,
    );
  }
}
