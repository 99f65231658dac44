// WriteTxnMarkers (key 27), version 1 (Kafka 4.0 removed v0, KIP-896). Sent by transaction
// coordinators to the leaders of a transaction's partitions: each marker (producer id and
// epoch, commit or abort, coordinator epoch) is appended to each of its partitions this broker
// leads, and the answer gives each partition's error; on __consumer_offsets the marker also
// commits or drops the producer's transactional offsets (src/broker/txn/txn-markers.ts).
// Markers for the same producer id are answered in one entry, as Kafka keys its answer by
// producer id.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { WritableTxnMarkerResult, WriteTxnMarkersResponse } from '../../protocol/generated/write-txn-markers-response.js';
import { TransactionVersion } from '../../coordinator/txn/transaction-state.js';
import { writeMarkers } from '../txn/txn-markers.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const writeTxnMarkersHandler = defineHandler({
  apiKey: ApiKey.WriteTxnMarkers,
  minVersion: 1,
  maxVersion: 1,
  async handle(request, info, broker): Promise<WriteTxnMarkersResponse> {
    // Only brokers write markers: CLUSTER_ACTION on the cluster, else every partition refused.
    if (!authorizeCluster(broker, info, AclOperation.ClusterAction)) {
      return {
        markers: request.markers.map((m) => ({
          producerId: m.producerId,
          topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED })) })),
        })),
      };
    }
    const byProducer = new Map<bigint, WritableTxnMarkerResult>();
    const written = await Promise.all(request.markers.map((m) => {
      const partitions = m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
      return writeMarkers(broker, {
        producerId: Number(m.producerId),
        producerEpoch: m.producerEpoch,
        coordinatorEpoch: m.coordinatorEpoch,
        commit: m.transactionResult,
        // WriteTxnMarkers v1 does not say; the partition checks the epoch as for version 0-1 transactions.
        transactionVersion: TransactionVersion.TV0,
      }, partitions);
    }));
    for (let i = 0; i < written.length; i++) {
      const producerId = request.markers[i]!.producerId;
      let entry = byProducer.get(producerId);
      if (entry === undefined) {
        entry = { producerId, topics: [] };
        byProducer.set(producerId, entry);
      }
      for (const r of written[i]!) {
        let topic = entry.topics.find((t) => t.name === r.topic);
        if (topic === undefined) {
          topic = { name: r.topic, partitions: [] };
          entry.topics.push(topic);
        }
        topic.partitions.push({ partitionIndex: r.partition, errorCode: r.errorCode });
      }
    }
    return { markers: [...byProducer.values()] };
  },
});
