/**
 * The states of a transactional id (Kafka's TransactionState), their ids in
 * `__transaction_state` (TransactionLogValue.TransactionStatus), their names in
 * DescribeTransactions and ListTransactions, and which state each may be entered from:
 *
 *   Empty ──AddPartitions/AddOffsets──▶ Ongoing ──EndTxn──▶ PrepareCommit ──markers──▶ CompleteCommit
 *                                          │                PrepareAbort  ──markers──▶ CompleteAbort
 *                                          └─InitProducerId or timeout─▶ PrepareEpochFence ─▶ PrepareAbort
 *   Empty, CompleteCommit, CompleteAbort ──expiration──▶ Dead (removed)
 *   Empty, CompleteCommit, CompleteAbort ──EndTxn(abort), transaction.version 2──▶ PrepareAbort
 *
 * Also the transaction versions (Kafka's TransactionVersion feature, `transaction.version`)
 * and the two transaction results.
 */

export const enum TransactionState {
  Empty = 0,
  Ongoing = 1,
  PrepareCommit = 2,
  PrepareAbort = 3,
  CompleteCommit = 4,
  CompleteAbort = 5,
  Dead = 6,
  PrepareEpochFence = 7,
}

const NAMES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;

/** Kafka's validPreviousStates, by state id. */
const VALID_PREVIOUS: readonly (readonly TransactionState[])[] = [
  /* Empty */ [TransactionState.Empty, TransactionState.CompleteCommit, TransactionState.CompleteAbort],
  /* Ongoing */ [TransactionState.Ongoing, TransactionState.Empty, TransactionState.CompleteCommit, TransactionState.CompleteAbort],
  /* PrepareCommit */ [TransactionState.Ongoing],
  /* PrepareAbort */ [TransactionState.Ongoing, TransactionState.PrepareEpochFence, TransactionState.Empty, TransactionState.CompleteCommit, TransactionState.CompleteAbort],
  /* CompleteCommit */ [TransactionState.PrepareCommit],
  /* CompleteAbort */ [TransactionState.PrepareAbort],
  /* Dead */ [TransactionState.Empty, TransactionState.CompleteAbort, TransactionState.CompleteCommit],
  /* PrepareEpochFence */ [TransactionState.Ongoing],
];

/** The state's name, as DescribeTransactions and ListTransactions show it. */
export function stateName(state: TransactionState): string {
  return NAMES[state]!;
}

/** The state of a name (exact, as Kafka's TransactionState.fromName), or undefined. */
export function stateFromName(name: string): TransactionState | undefined {
  const i = (NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : (i as TransactionState);
}

/** The state of a TransactionStatus read from the log; throws on an unknown id, as Kafka does. */
export function stateFromId(id: number): TransactionState {
  if (!Number.isInteger(id) || id < 0 || id >= NAMES.length) {
    throw new Error(`Unknown transaction state id ${id} from the transaction status message`);
  }
  return id as TransactionState;
}

export function isValidTransition(from: TransactionState, to: TransactionState): boolean {
  return VALID_PREVIOUS[to]!.includes(from);
}

/** Whether a transactional id in this state may expire (transactional.id.expiration.ms). */
export function isExpirationAllowed(state: TransactionState): boolean {
  return state === TransactionState.Empty || state === TransactionState.CompleteCommit || state === TransactionState.CompleteAbort;
}

/** Kafka's TransactionResult: what the markers of a transaction say. */
export const enum TransactionResult {
  Abort = 0,
  Commit = 1,
}

/**
 * Kafka's TransactionVersion feature levels: 0 the original protocol; 1 writes
 * TransactionLogValue v1 (flexible, with tagged fields); 2 (KIP-890 part 2) bumps the producer
 * epoch at the end of every transaction and adds partitions implicitly.
 */
export const enum TransactionVersion {
  TV0 = 0,
  TV1 = 1,
  TV2 = 2,
}

export function supportsEpochBump(tv: TransactionVersion): boolean {
  return tv >= TransactionVersion.TV2;
}

/** The TransactionLogValue version written at a feature level. */
export function transactionLogValueVersion(tv: TransactionVersion): number {
  return tv >= TransactionVersion.TV1 ? 1 : 0;
}

/** A feature level read from a TransactionLogValue (unknown levels are refused, as Kafka's fromFeatureLevel). */
export function transactionVersionFromLevel(level: number): TransactionVersion {
  if (level === 0 || level === 1 || level === 2) return level as TransactionVersion;
  throw new Error(`Unknown transaction.version feature level ${level}`);
}

/** RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
/** Short.MaxValue: the producer epoch's ceiling. */
export const MAX_PRODUCER_EPOCH = 32767;
