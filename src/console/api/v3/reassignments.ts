/**
 * REST Proxy v3 partition reassignments: the ongoing ones of the cluster
 * (/topics/-/partitions/-/reassignment), of a topic (/topics/{t}/partitions/-/reassignment),
 * or of one partition (404 when it is not being reassigned), as `KafkaReassignment`s sorted by
 * topic and partition, from ListPartitionReassignments sent as the session's principal
 * (DESCRIBE on the cluster, else 403).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { throwIfError } from '../../../client/errors.js';
import { notFound } from '../errors.js';
import { TOPIC_NAME } from '../schemas.js';
import type { ConsoleSession, SessionPool } from '../session.js';
import { cluster, list, related, resource, seg, type ClusterRef } from './resources.js';

interface Ongoing {
  topic: string;
  partition: number;
  adding: number[];
  removing: number[];
}

/** Ongoing reassignments, of every partition (null) or of the partitions named. */
async function ongoing(s: ConsoleSession, topics: { name: string; partitionIndexes: number[] }[] | null): Promise<Ongoing[]> {
  const r = await s.client.request(ApiKey.ListPartitionReassignments, { timeoutMs: 30_000, topics });
  throwIfError(r.errorCode, 'listing partition reassignments', r.errorMessage);
  const out: Ongoing[] = [];
  for (const t of r.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, adding: p.addingReplicas, removing: p.removingReplicas });
  return out.sort((a, b) => (a.topic !== b.topic ? (a.topic < b.topic ? -1 : 1) : a.partition - b.partition));
}

function reassignmentData(c: ClusterRef, o: Ongoing) {
  const partitionUrl = `${c.url}/topics/${seg(o.topic)}/partitions/${o.partition}`;
  return {
    kind: 'KafkaReassignment', metadata: resource(`${partitionUrl}/reassignment`, `${c.crn}/topic=${o.topic}/partition=${o.partition}/reassignment`),
    cluster_id: c.clusterId, topic_name: o.topic, partition_id: o.partition, adding_replicas: o.adding, removing_replicas: o.removing,
    replicas: related(`${partitionUrl}/replicas`),
  };
}

export function v3ReassignmentRoutes(app: FastifyInstance, pool: SessionPool): void {
  const tags = ['rest-proxy-v3'];
  const run = <T>(req: FastifyRequest<{ Params: { cluster_id: string } }>, fn: (c: ClusterRef, s: ConsoleSession) => Promise<T>) =>
    pool.run(req, async (s) => fn(await cluster(req, s, req.params.cluster_id), s));

  app.get<{ Params: { cluster_id: string } }>('/clusters/:cluster_id/topics/-/partitions/-/reassignment', {
    schema: { tags, summary: 'Ongoing partition reassignments of the cluster', params: { type: 'object', properties: { cluster_id: { type: 'string' } }, required: ['cluster_id'] } },
  }, (req) => run(req, async (c, s) => list('KafkaReassignmentList', `${c.url}/topics/-/partitions/-/reassignment`, (await ongoing(s, null)).map((o) => reassignmentData(c, o)))));

  app.get<{ Params: { cluster_id: string; topic_name: string } }>('/clusters/:cluster_id/topics/:topic_name/partitions/-/reassignment', {
    schema: { tags, summary: 'Ongoing partition reassignments of a topic', params: { type: 'object', properties: { cluster_id: { type: 'string' }, topic_name: TOPIC_NAME }, required: ['cluster_id', 'topic_name'] } },
  }, (req) => run(req, async (c, s) => {
    const topic = req.params.topic_name;
    const [d] = await s.admin.describeTopics([topic]);
    const partitionIndexes = d!.partitions.map((p) => p.partition);
    const found = await ongoing(s, [{ name: topic, partitionIndexes }]);
    return list('KafkaReassignmentList', `${c.url}/topics/${seg(topic)}/partitions/-/reassignment`, found.map((o) => reassignmentData(c, o)));
  }));

  app.get<{ Params: { cluster_id: string; topic_name: string; partition_id: number } }>('/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/reassignment', {
    schema: {
      tags, summary: "A partition's ongoing reassignment",
      params: { type: 'object', properties: { cluster_id: { type: 'string' }, topic_name: TOPIC_NAME, partition_id: { type: 'integer', minimum: 0 } }, required: ['cluster_id', 'topic_name', 'partition_id'] },
    },
  }, (req) => run(req, async (c, s) => {
    const { topic_name: topic, partition_id: partition } = req.params;
    const [found] = await ongoing(s, [{ name: topic, partitionIndexes: [partition] }]);
    if (found === undefined) throw notFound(`Reassignment for ${topic}-${partition} cannot be found.`);
    return reassignmentData(c, found);
  }));
}
