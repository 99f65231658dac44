/** REST Proxy v3: clusters, brokers, topics, partitions and topic configs. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ResourceType, type ConfigEntry, type TopicDescription } from '../../../client/admin.js';
import { HttpError, notFound } from '../errors.js';
import { TOPIC_NAME } from '../schemas.js';
import type { ConsoleSession, SessionPool } from '../session.js';
import { cluster, list, related, resource, seg, v3Base, type ClusterRef } from './resources.js';

const CLUSTER = { type: 'object', properties: { cluster_id: { type: 'string' } }, required: ['cluster_id'] } as const;
const TOPIC = { type: 'object', properties: { cluster_id: { type: 'string' }, topic_name: TOPIC_NAME }, required: ['cluster_id', 'topic_name'] } as const;
type TopicParams = { cluster_id: string; topic_name: string };

function clusterData(c: ClusterRef, controllerId: number) {
  return {
    kind: 'KafkaCluster', metadata: resource(c.url, c.crn), cluster_id: c.clusterId,
    controller: related(`${c.url}/brokers/${controllerId}`), acls: related(`${c.url}/acls`), brokers: related(`${c.url}/brokers`),
    broker_configs: related(`${c.url}/broker-configs`), consumer_groups: related(`${c.url}/consumer-groups`),
    topics: related(`${c.url}/topics`), partition_reassignments: related(`${c.url}/topics/-/partitions/-/reassignment`),
  };
}

function brokerData(c: ClusterRef, b: { id: number; host: string; port: number; rack: string | null }) {
  const url = `${c.url}/brokers/${b.id}`;
  return {
    kind: 'KafkaBroker', metadata: resource(url, `${c.crn}/broker=${b.id}`), cluster_id: c.clusterId, broker_id: b.id,
    host: b.host, port: b.port, rack: b.rack, configs: related(`${url}/configs`), partition_replicas: related(`${url}/partition-replicas`),
  };
}

async function topicData(c: ClusterRef, s: ConsoleSession, name: string) {
  const [d] = await s.admin.describeTopics([name]);
  return topicResource(c, d!);
}

function topicResource(c: ClusterRef, d: TopicDescription) {
  const name = d.name;
  const url = `${c.url}/topics/${seg(name)}`;
  return {
    kind: 'KafkaTopic', metadata: resource(url, `${c.crn}/topic=${name}`), cluster_id: c.clusterId, topic_name: name,
    is_internal: d.internal, replication_factor: d.partitions[0]?.replicas.length ?? 0, partitions_count: d.partitions.length,
    partitions: related(`${url}/partitions`), configs: related(`${url}/configs`),
    partition_reassignments: related(`${url}/partitions/-/reassignment`), authorized_operations: [],
  };
}

function partitionData(c: ClusterRef, topic: string, p: { partition: number; leader: number }) {
  const url = `${c.url}/topics/${seg(topic)}/partitions/${p.partition}`;
  return {
    kind: 'KafkaPartition', metadata: resource(url, `${c.crn}/topic=${topic}/partition=${p.partition}`), cluster_id: c.clusterId,
    topic_name: topic, partition_id: p.partition, leader: related(`${url}/replicas/${p.leader}`), replicas: related(`${url}/replicas`),
    reassignment: related(`${url}/reassignment`),
  };
}

function configData(c: ClusterRef, topic: string, e: ConfigEntry) {
  const url = `${c.url}/topics/${seg(topic)}/configs/${seg(e.name)}`;
  return {
    kind: 'KafkaTopicConfig', metadata: resource(url, `${c.crn}/topic=${topic}/config=${e.name}`), cluster_id: c.clusterId,
    topic_name: topic, name: e.name, value: e.value, is_default: e.isDefault, is_read_only: e.readOnly, is_sensitive: e.sensitive,
    source: e.source, synonyms: [],
  };
}

export function v3TopicRoutes(app: FastifyInstance, pool: SessionPool): void {
  const tags = ['rest-proxy-v3'];
  const run = <T>(req: FastifyRequest, clusterId: string | undefined, fn: (c: ClusterRef, s: ConsoleSession) => Promise<T>) =>
    pool.run(req, async (s) => fn(await cluster(req, s, clusterId), s));

  app.get('/clusters', { schema: { tags, summary: 'The cluster (a list of one)' } }, (req) => run(req, undefined, async (c, s) =>
    list('KafkaClusterList', `${v3Base(req)}/clusters`, [clusterData(c, (await s.admin.describeCluster()).controllerId)])));
  app.get<{ Params: { cluster_id: string } }>('/clusters/:cluster_id', { schema: { tags, params: CLUSTER } }, (req) =>
    run(req, req.params.cluster_id, async (c, s) => clusterData(c, (await s.admin.describeCluster()).controllerId)));
  app.get<{ Params: { cluster_id: string } }>('/clusters/:cluster_id/brokers', { schema: { tags, params: CLUSTER } }, (req) =>
    run(req, req.params.cluster_id, async (c, s) => list('KafkaBrokerList', `${c.url}/brokers`, (await s.admin.describeCluster()).brokers.map((b) => brokerData(c, b)))));
  app.get<{ Params: { cluster_id: string; broker_id: number } }>('/clusters/:cluster_id/brokers/:broker_id', {
    schema: { tags, params: { type: 'object', properties: { cluster_id: { type: 'string' }, broker_id: { type: 'integer' } } } },
  }, (req) => run(req, req.params.cluster_id, async (c, s) => {
    const b = (await s.admin.describeCluster()).brokers.find((x) => x.id === req.params.broker_id);
    if (b === undefined) throw notFound(`Broker ${req.params.broker_id} cannot be found.`);
    return brokerData(c, b);
  }));

  app.get<{ Params: { cluster_id: string } }>('/clusters/:cluster_id/topics', { schema: { tags, params: CLUSTER } }, (req) =>
    run(req, req.params.cluster_id, async (c, s) => {
      const names = await s.admin.listTopics(true);
      const described = names.length === 0 ? [] : await s.admin.describeTopics(names);
      return list('KafkaTopicList', `${c.url}/topics`, described.map((d) => topicResource(c, d)));
    }));

  app.post<{ Params: { cluster_id: string }; Body: { topic_name: string; partitions_count?: number; replication_factor?: number; configs?: { name: string; value: string | null }[] } }>(
    '/clusters/:cluster_id/topics', {
      schema: {
        tags, summary: 'Create a topic', params: CLUSTER,
        body: {
          type: 'object', required: ['topic_name'],
          properties: {
            topic_name: TOPIC_NAME, partitions_count: { type: 'integer', minimum: 1 }, replication_factor: { type: 'integer', minimum: 1, maximum: 32767 },
            configs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, value: { type: ['string', 'null'] } } } },
            validate_only: { type: 'boolean' },
          },
        },
      },
    }, (req, reply) => run(req, req.params.cluster_id, async (c, s) => {
      const b = req.body;
      const configs: Record<string, string> = {};
      for (const e of b.configs ?? []) if (e.value !== null && e.value !== undefined) configs[e.name] = e.value;
      await s.admin.createTopic({ name: b.topic_name, partitions: b.partitions_count ?? -1, replicationFactor: b.replication_factor ?? -1, configs });
      void reply.code(201);
      return topicData(c, s, b.topic_name);
    }));

  app.get<{ Params: TopicParams }>('/clusters/:cluster_id/topics/:topic_name', { schema: { tags, params: TOPIC } }, (req) =>
    run(req, req.params.cluster_id, (c, s) => topicData(c, s, req.params.topic_name)));
  app.patch<{ Params: TopicParams; Body: { partitions_count: number } }>('/clusters/:cluster_id/topics/:topic_name', {
    schema: { tags, summary: 'Raise the partition count', params: TOPIC, body: { type: 'object', required: ['partitions_count'], properties: { partitions_count: { type: 'integer', minimum: 1 } } } },
  }, (req) => run(req, req.params.cluster_id, async (c, s) => {
    await s.admin.createPartitions(req.params.topic_name, req.body.partitions_count);
    return topicData(c, s, req.params.topic_name);
  }));
  app.delete<{ Params: TopicParams }>('/clusters/:cluster_id/topics/:topic_name', { schema: { tags, params: TOPIC } }, (req, reply) =>
    run(req, req.params.cluster_id, async (_c, s) => {
      await s.admin.deleteTopic(req.params.topic_name);
      return reply.code(204).send();
    }));

  app.get<{ Params: TopicParams }>('/clusters/:cluster_id/topics/:topic_name/partitions', { schema: { tags, params: TOPIC } }, (req) =>
    run(req, req.params.cluster_id, async (c, s) => {
      const [d] = await s.admin.describeTopics([req.params.topic_name]);
      return list('KafkaPartitionList', `${c.url}/topics/${seg(req.params.topic_name)}/partitions`, d!.partitions.map((p) => partitionData(c, req.params.topic_name, p)));
    }));
  app.get<{ Params: TopicParams & { partition_id: number } }>('/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id', {
    schema: { tags, params: { type: 'object', properties: { ...TOPIC.properties, partition_id: { type: 'integer' } } } },
  }, (req) => run(req, req.params.cluster_id, async (c, s) => {
    const [d] = await s.admin.describeTopics([req.params.topic_name]);
    const p = d!.partitions.find((x) => x.partition === req.params.partition_id);
    if (p === undefined) throw new HttpError(404, 40402, 'This server does not host this topic-partition.');
    return partitionData(c, req.params.topic_name, p);
  }));

  app.get<{ Params: TopicParams }>('/clusters/:cluster_id/topics/:topic_name/configs', { schema: { tags, params: TOPIC } }, (req) =>
    run(req, req.params.cluster_id, async (c, s) => list('KafkaTopicConfigList', `${c.url}/topics/${seg(req.params.topic_name)}/configs`,
      (await s.admin.describeConfigs(ResourceType.TOPIC, req.params.topic_name)).map((e) => configData(c, req.params.topic_name, e)))));
  const CONFIG = { type: 'object', properties: { ...TOPIC.properties, name: { type: 'string' } } } as const;
  app.get<{ Params: TopicParams & { name: string } }>('/clusters/:cluster_id/topics/:topic_name/configs/:name', { schema: { tags, params: CONFIG } }, (req) =>
    run(req, req.params.cluster_id, async (c, s) => {
      const [e] = await s.admin.describeConfigs(ResourceType.TOPIC, req.params.topic_name, [req.params.name]);
      if (e === undefined) throw notFound(`Config ${req.params.name} cannot be found for topic ${req.params.topic_name}.`);
      return configData(c, req.params.topic_name, e);
    }));
  app.put<{ Params: TopicParams & { name: string }; Body: { value: string } }>('/clusters/:cluster_id/topics/:topic_name/configs/:name', {
    schema: { tags, params: CONFIG, body: { type: 'object', required: ['value'], properties: { value: { type: 'string' } } } },
  }, (req, reply) => run(req, req.params.cluster_id, async (_c, s) => {
    await s.admin.alterConfigs(ResourceType.TOPIC, req.params.topic_name, { [req.params.name]: req.body.value }, []);
    return reply.code(204).send();
  }));
  app.delete<{ Params: TopicParams & { name: string } }>('/clusters/:cluster_id/topics/:topic_name/configs/:name', { schema: { tags, params: CONFIG } }, (req, reply) =>
    run(req, req.params.cluster_id, async (_c, s) => {
      await s.admin.alterConfigs(ResourceType.TOPIC, req.params.topic_name, {}, [req.params.name]);
      return reply.code(204).send();
    }));
  app.post<{ Params: TopicParams; Body: { data: { name: string; value?: string | null; operation?: 'SET' | 'DELETE' }[] } }>('/clusters/:cluster_id/topics/:topic_name/configs::alter', {
    schema: {
      tags, summary: 'Set and delete several configs at once', params: TOPIC,
      body: {
        type: 'object', required: ['data'],
        properties: { data: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, value: { type: ['string', 'null'] }, operation: { type: 'string', enum: ['SET', 'DELETE'] } } } } },
      },
    },
  }, (req, reply) => run(req, req.params.cluster_id, async (_c, s) => {
    const set: Record<string, string> = {};
    const remove: string[] = [];
    for (const e of req.body.data) {
      if (e.operation === 'DELETE') remove.push(e.name);
      else set[e.name] = e.value ?? '';
    }
    await s.admin.alterConfigs(ResourceType.TOPIC, req.params.topic_name, set, remove);
    return reply.code(204).send();
  }));
}
