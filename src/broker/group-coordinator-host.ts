import type { CoordinatorPartitionInfo, CoordinatorTopicHost } from '../coordinator/coordinator-topic.js';
import { OFFSETS_TOPIC } from '../coordinator/group/offsets-topic.js';
import { CoordinatorWriteError } from '../coordinator/group/sink.js';
import { TRANSACTION_STATE_TOPIC } from '../coordinator/txn/transaction-log.js';
import { ErrorCode, errorName } from '../protocol/generated/errors.js';
import { KvMetadataStore } from '../cluster/kv-metadata-store.js';
import { isStorageError } from '../storage/errors.js';
import type { LogAppendInfo } from '../storage/partition-log-types.js';
import type { BrokerContext } from './context.js';
import { effectiveMinIsr } from './produce/partition-append.js';
import { topicProduceSettings } from './produce/topic-settings.js';
import { createTopic } from './topics.js';

/**
 * The broker as the host of the coordinators' internal topics: the group coordinator's
 * __consumer_offsets and the transaction coordinator's __transaction_state.
 */
export function coordinatorTopicHost(broker: BrokerContext): CoordinatorTopicHost {
  return {
    nodeId: broker.nodeId,
    logger: broker.logger,
    topic: (name) => broker.metadata.topic(name),
    ledPartitions: (name) => ledPartitions(broker, name),
    brokerCount: () => broker.metadata.brokers().length,
    getLog: (topic, partition) => broker.logs.getLog(topic, partition),
    async createInternalTopic(name, partitions, replicationFactor, configs) {
      const r = await createTopic(broker, name, partitions, replicationFactor, configs);
      return r.ok ? { ok: true, partitions: r.topic.partitions.length } : { ok: false, message: r.message };
    },
    appendAsCoordinator: (topic, partition, batch, timeoutMs, verificationGuard) => appendAsCoordinator(broker, topic, partition, batch, timeoutMs, verificationGuard ?? null),
  };
}

/**
 * The partitions of `topic` this broker has taken the leadership of: in a cluster those the
 * replica manager made it leader of (its coordinators load them from there on), on a single
 * node every partition the metadata gives it.
 */
function ledPartitions(broker: BrokerContext, name: string): CoordinatorPartitionInfo[] {
  const topic = broker.metadata.topic(name);
  const out: CoordinatorPartitionInfo[] = [];
  if (topic === undefined) return out;
  for (const pm of topic.partitions) {
    if (pm.leader !== broker.nodeId) continue;
    if (broker.metadata instanceof KvMetadataStore) {
      const ls = broker.partitions.get(topic, pm.partition)?.leaderState;
      if (ls === null || ls === undefined || ls.leaderEpoch !== pm.leaderEpoch) continue;
    }
    out.push({ partition: pm.partition, leader: pm.leader, leaderEpoch: pm.leaderEpoch });
  }
  return out;
}

/**
 * A coordinator's write as Kafka's coordinators make it (ReplicaManager.appendRecords with
 * requiredAcks -1 and AppendOrigin.COORDINATOR): the leader checks, NOT_ENOUGH_REPLICAS when
 * the ISR is below the topic's effective min.insync.replicas, the append, then the wait for
 * the ISR (a replicated leader) and for the flush policy's fsync.
 */
function appendAsCoordinator(broker: BrokerContext, topic: string, index: number, batch: Buffer, timeoutMs: number, verificationGuard: number | null): Promise<void> | null {
  const meta = broker.metadata.topic(topic);
  const partition = broker.partitions.get(meta, index);
  if (meta === undefined || partition === undefined) throw new CoordinatorWriteError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${index} does not exist`);
  const log = partition.leaderLogOrError(-1);
  if (typeof log === 'number') throw new CoordinatorWriteError(log, `${topic}-${index}: ${errorName(log)}`);
  if (log.isClosed) throw new CoordinatorWriteError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${topic}-${index} is closed`);
  // In a cluster the leader serves once the replica manager made it leader (and its coordinator loaded it).
  if (broker.metadata instanceof KvMetadataStore && partition.leaderState === null) {
    throw new CoordinatorWriteError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `this broker has not taken the leadership of ${topic}-${index} yet`);
  }
  const pm = partition.metadata;
  const minIsr = effectiveMinIsr(pm, topicProduceSettings(meta, broker.config).minInsyncReplicas);
  if (pm.isr.length < minIsr) {
    throw new CoordinatorWriteError(ErrorCode.NOT_ENOUGH_REPLICAS, `${topic}-${index} has ${pm.isr.length} in-sync replicas, fewer than min.insync.replicas ${minIsr}`);
  }
  let info: LogAppendInfo;
  try {
    info = partition.appendAsCoordinator(log, batch, pm.isr.length <= 1, verificationGuard);
  } catch (err) {
    if (isStorageError(err)) throw new CoordinatorWriteError(err.errorCode >= 0 ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR, err.message, { cause: err });
    throw err;
  }
  const durable = info.durable === null ? null : info.durable.catch((err: unknown) => {
    throw new CoordinatorWriteError(ErrorCode.KAFKA_STORAGE_ERROR, `flushing ${topic}-${index} failed`, { cause: err });
  });
  const replication = broker.partitions.replication;
  if (partition.leaderState === null || replication === null) return durable;
  const verdict = replication.awaitIsr(partition, info.lastOffset + 1, timeoutMs);
  if (typeof verdict === 'number') {
    if (verdict !== ErrorCode.NONE) throw new CoordinatorWriteError(verdict, `${topic}-${index}: ${errorName(verdict)}`);
    return durable;
  }
  const replicated = verdict.then((code) => {
    if (code !== ErrorCode.NONE) throw new CoordinatorWriteError(code, `${topic}-${index}: ${errorName(code)}`);
  });
  return durable === null ? replicated : Promise.all([durable, replicated]).then(() => undefined);
}

/** What the replica manager tells the coordinators: this broker now leads, or no longer leads, a partition of their topics. */
export interface CoordinatorLeadership {
  onLeadershipChange(topic: string, partition: number, leaderEpoch: number, leading: boolean): void;
}

/**
 * Kafka's ReplicaManager → GroupCoordinator.onElection / onResignation and
 * TransactionCoordinator.onElection / onResignation: a partition of __consumer_offsets or
 * __transaction_state this broker comes to lead is loaded at its leader epoch (the coordinator
 * epoch), one it stops leading is unloaded.
 */
export function coordinatorLeadership(broker: BrokerContext): CoordinatorLeadership {
  return {
    onLeadershipChange(topic, partition, leaderEpoch, leading) {
      if (topic === OFFSETS_TOPIC) {
        if (leading) {
          broker.groups.onElection(partition, leaderEpoch).catch((err: unknown) => broker.logger.error({ err, partition }, `loading ${OFFSETS_TOPIC}-${partition} failed`));
        } else {
          broker.groups.onResignation(partition, leaderEpoch);
        }
      } else if (topic === TRANSACTION_STATE_TOPIC) {
        if (leading) {
          broker.transactions.onElection(partition, leaderEpoch).catch((err: unknown) => broker.logger.error({ err, partition }, `loading ${TRANSACTION_STATE_TOPIC}-${partition} failed`));
        } else {
          broker.transactions.onResignation(partition, leaderEpoch);
        }
      }
    },
  };
}
