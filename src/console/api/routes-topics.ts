/** /api/v1: the cluster, its brokers, topics (create, delete, add partitions) and configs. */
import type { FastifyInstance } from 'fastify';
import { ResourceType } from '../../client/admin.js';
import type { SessionPool } from './session.js';
import { TOPIC_NAME, TOPIC_PARAMS } from './schemas.js';
import { topicDetail, topicSummaries } from './topic-ops.js';

const CONFIG_PATCH = {
  type: 'object',
  additionalProperties: false,
  properties: {
    set: { type: 'object', additionalProperties: { type: 'string' }, description: 'configs to set, by Kafka name' },
    delete: { type: 'array', items: { type: 'string' }, description: 'dynamic configs to remove (back to their defaults)' },
  },
} as const;

export function topicRoutes(app: FastifyInstance, pool: SessionPool): void {
  app.get('/cluster', { schema: { tags: ['cluster'], summary: 'Cluster id, controller and brokers' } }, (req) => pool.run(req, async (s) => {
    const c = await s.admin.describeCluster();
    return { cluster_id: c.clusterId, controller_id: c.controllerId, brokers: c.brokers, principal: s.principal };
  }));

  app.get('/brokers', { schema: { tags: ['cluster'], summary: 'The brokers of the cluster' } }, (req) => pool.run(req, async (s) => {
    return { brokers: (await s.admin.describeCluster()).brokers };
  }));

  app.get<{ Params: { id: number } }>('/brokers/:id/configs', {
    schema: { tags: ['configs'], summary: "A broker's configs", params: { type: 'object', properties: { id: { type: 'integer', minimum: 0 } }, required: ['id'] } },
  }, (req) => pool.run(req, async (s) => ({ configs: await s.admin.describeConfigs(ResourceType.BROKER, String(req.params.id)) })));

  app.get<{ Querystring: { internal: boolean } }>('/topics', {
    schema: {
      tags: ['topics'], summary: 'Topics with partition counts, record counts and sizes on disk',
      querystring: { type: 'object', properties: { internal: { type: 'boolean', default: false } } },
    },
  }, (req) => pool.run(req, async (s) => ({ topics: await topicSummaries(s, req.query.internal) })));

  app.post<{ Body: { name: string; partitions?: number; replication_factor?: number; configs?: Record<string, string> } }>('/topics', {
    schema: {
      tags: ['topics'], summary: 'Create a topic',
      body: {
        type: 'object', additionalProperties: false, required: ['name'],
        properties: {
          name: TOPIC_NAME,
          partitions: { type: 'integer', minimum: 1, description: "default: the broker's num.partitions" },
          replication_factor: { type: 'integer', minimum: 1, maximum: 32767, description: "default: the broker's default.replication.factor" },
          configs: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  }, (req, reply) => pool.run(req, async (s) => {
    const b = req.body;
    const r = await s.admin.createTopic({
      name: b.name, partitions: b.partitions ?? -1, replicationFactor: b.replication_factor ?? -1, configs: b.configs ?? {},
    });
    void reply.code(201);
    return { name: b.name, topic_id: r.topicId, partitions_count: r.partitions, replication_factor: r.replicationFactor };
  }));

  app.get<{ Params: { topic: string } }>('/topics/:topic', {
    schema: { tags: ['topics'], summary: 'A topic with its partitions: leaders, replicas, offsets and sizes', params: TOPIC_PARAMS },
  }, (req) => pool.run(req, (s) => topicDetail(s, req.params.topic)));

  app.delete<{ Params: { topic: string } }>('/topics/:topic', {
    schema: { tags: ['topics'], summary: 'Delete a topic', params: TOPIC_PARAMS },
  }, (req, reply) => pool.run(req, async (s) => {
    await s.admin.deleteTopic(req.params.topic);
    return reply.code(204).send();
  }));

  app.post<{ Params: { topic: string }; Body: { count: number } }>('/topics/:topic/partitions', {
    schema: {
      tags: ['topics'], summary: 'Raise the partition count', params: TOPIC_PARAMS,
      body: { type: 'object', additionalProperties: false, required: ['count'], properties: { count: { type: 'integer', minimum: 1 } } },
    },
  }, (req) => pool.run(req, async (s) => {
    await s.admin.createPartitions(req.params.topic, req.body.count);
    return { name: req.params.topic, partitions_count: req.body.count };
  }));

  app.get<{ Params: { topic: string } }>('/topics/:topic/configs', {
    schema: { tags: ['configs'], summary: "A topic's configs, with their sources", params: TOPIC_PARAMS },
  }, (req) => pool.run(req, async (s) => ({ configs: await s.admin.describeConfigs(ResourceType.TOPIC, req.params.topic) })));

  app.patch<{ Params: { topic: string }; Body: { set?: Record<string, string>; delete?: string[] } }>('/topics/:topic/configs', {
    schema: { tags: ['configs'], summary: "Set and remove a topic's dynamic configs (others stay)", params: TOPIC_PARAMS, body: CONFIG_PATCH },
  }, (req) => pool.run(req, async (s) => {
    await s.admin.alterConfigs(ResourceType.TOPIC, req.params.topic, req.body.set ?? {}, req.body.delete ?? []);
    return { configs: await s.admin.describeConfigs(ResourceType.TOPIC, req.params.topic) };
  }));
}
