/**
 * How a partition leader asks a transaction coordinator on another broker about a producer's
 * partitions (Kafka's AddPartitionsToTxnManager, KIP-890): AddPartitionsToTxn v4+ with one
 * entry per transactional id, verifyOnly for part 1's verification, not for transaction
 * version 2's implicit add.
 *
 * Requests are batched per destination broker: while one is in flight to a broker, the
 * transactions for it wait and leave together in the next one. A second entry for a
 * transactional id already waiting is settled as Kafka settles it: the waiting one with
 * NETWORK_EXCEPTION when the epochs are equal (a retry from the client), INVALID_PRODUCER_EPOCH
 * when the new one's is higher; a new one with a lower epoch is answered INVALID_PRODUCER_EPOCH
 * at once. (This broker's produce path sends one at a time per producer, so these come from
 * different connections only.)
 *
 * Answers are the coordinator's codes per partition, only the failed ones; the callers map
 * them as the local coordinator's (produce-txn.ts verificationRefusal, txn-offset-commit.ts).
 * A connection failure or timeout gives every partition NETWORK_EXCEPTION, a top-level error
 * that error (CLUSTER_AUTHORIZATION_FAILED becomes INVALID_TXN_STATE), a broker serving no v4
 * no error at all (Kafka skips the verification then).
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnTransaction } from '../../protocol/generated/add-partitions-to-txn-request.js';
import type { AddPartitionsToTxnResponse } from '../../protocol/generated/add-partitions-to-txn-response.js';
import type { TopicPartitionSet } from '../../coordinator/txn/topic-partitions.js';

/** How the requests reach the coordinator's broker (replica-transport.ts); null when it resolves with no v4 there. */
export interface AddPartitionsToTxnTransport {
  addPartitionsToTxn(brokerId: number, request: AddPartitionsToTxnRequest): Promise<AddPartitionsToTxnResponse | null>;
}

/** The failed partitions of one transaction, by `partitionKey`, with the coordinator's error. */
export type TxnPartitionErrors = Map<string, number>;

export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

export interface TxnPartitionsQuery {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  /** True: only verify (KIP-890 part 1); false: add them (transaction version 2). */
  verifyOnly: boolean;
  partitions: TopicPartitionSet;
}

interface Waiting {
  query: TxnPartitionsQuery;
  resolve: (errors: TxnPartitionErrors) => void;
}

function allWith(partitions: TopicPartitionSet, errorCode: number): TxnPartitionErrors {
  const out: TxnPartitionErrors = new Map();
  for (const tp of partitions) out.set(partitionKey(tp.topic, tp.partition), errorCode);
  return out;
}

function toWire(q: TxnPartitionsQuery): AddPartitionsToTxnTransaction {
  const byTopic = new Map<string, number[]>();
  for (const tp of q.partitions) {
    let list = byTopic.get(tp.topic);
    if (list === undefined) byTopic.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return {
    transactionalId: q.transactionalId,
    producerId: BigInt(q.producerId),
    producerEpoch: q.producerEpoch,
    verifyOnly: q.verifyOnly,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  };
}

export class AddPartitionsToTxnSender {
  private readonly transport: () => AddPartitionsToTxnTransport | null;
  private readonly logger: Logger;
  /** Transactions waiting for the next request to each broker, by transactional id. */
  private readonly waiting = new Map<number, Map<string, Waiting>>();
  private readonly inFlight = new Set<number>();

  constructor(transport: () => AddPartitionsToTxnTransport | null, logger: Logger) {
    this.transport = transport;
    this.logger = logger;
  }

  /** Asks the coordinator on broker `node`; resolves with the failed partitions (never rejects). */
  send(node: number, query: TxnPartitionsQuery): Promise<TxnPartitionErrors> {
    return new Promise((resolve) => this.enqueue(node, { query, resolve }));
  }

  private enqueue(node: number, w: Waiting): void {
    let batch = this.waiting.get(node);
    if (batch === undefined) {
      batch = new Map();
      this.waiting.set(node, batch);
      // Everything queued for the broker in this turn of the event loop leaves in one request.
      if (!this.inFlight.has(node)) process.nextTick(flushNode, this, node);
    }
    const id = w.query.transactionalId;
    const existing = batch.get(id);
    if (existing !== undefined) {
      if (existing.query.producerEpoch > w.query.producerEpoch) {
        w.resolve(allWith(w.query.partitions, ErrorCode.INVALID_PRODUCER_EPOCH));
        return;
      }
      batch.delete(id);
      existing.resolve(allWith(existing.query.partitions, existing.query.producerEpoch < w.query.producerEpoch ? ErrorCode.INVALID_PRODUCER_EPOCH : ErrorCode.NETWORK_EXCEPTION));
    }
    batch.set(id, w);
  }

  /** Sends what waits for `node`, unless a request to it is in flight (its answer sends the rest). */
  flush(node: number): void {
    if (this.inFlight.has(node)) return;
    const batch = this.waiting.get(node);
    if (batch === undefined) return;
    this.waiting.delete(node);
    const transport = this.transport();
    if (transport === null) {
      for (const w of batch.values()) w.resolve(allWith(w.query.partitions, ErrorCode.NETWORK_EXCEPTION));
      return;
    }
    this.inFlight.add(node);
    const request: AddPartitionsToTxnRequest = {
      transactions: [...batch.values()].map((w) => toWire(w.query)),
      v3AndBelowTransactionalId: '',
      v3AndBelowProducerId: 0n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [],
    };
    transport.addPartitionsToTxn(node, request).then(
      (response) => this.answered(node, batch, response),
      (err: unknown) => {
        this.logger.warn({ err, node }, 'AddPartitionsToTxn to the transaction coordinator failed with a network exception');
        this.answered(node, batch, undefined);
      },
    );
  }

  private answered(node: number, batch: Map<string, Waiting>, response: AddPartitionsToTxnResponse | null | undefined): void {
    this.inFlight.delete(node);
    if (response === undefined) {
      for (const w of batch.values()) w.resolve(allWith(w.query.partitions, ErrorCode.NETWORK_EXCEPTION));
    } else if (response === null) {
      this.logger.warn({ node }, 'the transaction coordinator serves no AddPartitionsToTxn v4: verification skipped');
      for (const w of batch.values()) w.resolve(new Map());
    } else if (response.errorCode !== ErrorCode.NONE) {
      // The client must not see CLUSTER_AUTHORIZATION_FAILED: the verification did not complete.
      const code = response.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED ? ErrorCode.INVALID_TXN_STATE : response.errorCode;
      this.logger.error({ node, errorCode: response.errorCode }, 'AddPartitionsToTxn to the transaction coordinator failed');
      for (const w of batch.values()) w.resolve(allWith(w.query.partitions, code));
    } else {
      for (const result of response.resultsByTransaction) {
        const w = batch.get(result.transactionalId);
        if (w === undefined) continue;
        batch.delete(result.transactionalId);
        const failed: TxnPartitionErrors = new Map();
        for (const t of result.topicResults) {
          for (const p of t.resultsByPartition) if (p.partitionErrorCode !== ErrorCode.NONE) failed.set(partitionKey(t.name, p.partitionIndex), p.partitionErrorCode);
        }
        w.resolve(failed);
      }
      // A transaction the coordinator did not answer was not checked.
      for (const w of batch.values()) w.resolve(allWith(w.query.partitions, ErrorCode.NETWORK_EXCEPTION));
    }
    this.flush(node);
  }

  /** Settles everything waiting (broker shutdown): NETWORK_EXCEPTION. */
  close(): void {
    for (const batch of this.waiting.values()) for (const w of batch.values()) w.resolve(allWith(w.query.partitions, ErrorCode.NETWORK_EXCEPTION));
    this.waiting.clear();
  }
}

function flushNode(sender: AddPartitionsToTxnSender, node: number): void {
  sender.flush(node);
}
