/**
 * REST Proxy v3 broker configs: one broker's (/brokers/{id}/configs, `KafkaBrokerConfig`) and
 * the cluster-wide dynamic broker defaults (/broker-configs, `KafkaClusterConfig` with
 * `config_type` BROKER; Kafka's BROKER resource named ""), each listed, read, set (PUT, 204),
 * reset (DELETE, 204) and altered in a batch (POST ...configs:alter, 204) as Confluent's proxy
 * does, through DescribeConfigs and IncrementalAlterConfigs sent as the session's principal.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ResourceType, type ConfigEntry } from '../../../client/admin.js';
import { notFound } from '../errors.js';
import type { ConsoleSession, SessionPool } from '../session.js';
import { cluster, list, resource, seg, type ClusterRef } from './resources.js';

/** Where a config lives: one broker, or the cluster's broker defaults. */
interface ConfigScope {
  /** The BROKER resource name: the broker id, or "" for the cluster-wide defaults. */
  resourceName: string;
  /** The collection's URL. */
  url: string;
  crn: string;
  data(c: ClusterRef, e: ConfigEntry): Record<string, unknown>;
}

function brokerScope(c: ClusterRef, brokerId: number): ConfigScope {
  const url = `${c.url}/brokers/${brokerId}/configs`;
  const crn = `${c.crn}/broker=${brokerId}`;
  return {
    resourceName: String(brokerId), url, crn,
    data: (cl, e) => ({
      kind: 'KafkaBrokerConfig', metadata: resource(`${url}/${seg(e.name)}`, `${crn}/config=${e.name}`), cluster_id: cl.clusterId, broker_id: brokerId,
      ...entry(e),
    }),
  };
}

function clusterScope(c: ClusterRef): ConfigScope {
  const url = `${c.url}/broker-configs`;
  return {
    resourceName: '', url, crn: c.crn,
    data: (cl, e) => ({
      kind: 'KafkaClusterConfig', metadata: resource(`${url}/${seg(e.name)}`, `${c.crn}/broker-config=${e.name}`), cluster_id: cl.clusterId, config_type: 'BROKER',
      ...entry(e),
    }),
  };
}

function entry(e: ConfigEntry) {
  return { name: e.name, value: e.value, is_default: e.isDefault, is_read_only: e.readOnly, is_sensitive: e.sensitive, source: e.source, synonyms: [] };
}

const BROKER = { type: 'object', properties: { cluster_id: { type: 'string' }, broker_id: { type: 'integer' } }, required: ['cluster_id', 'broker_id'] } as const;
const BROKER_NAME = { type: 'object', properties: { ...BROKER.properties, name: { type: 'string', minLength: 1 } }, required: ['cluster_id', 'broker_id', 'name'] } as const;
const CLUSTER = { type: 'object', properties: { cluster_id: { type: 'string' } }, required: ['cluster_id'] } as const;
const CLUSTER_NAME = { type: 'object', properties: { cluster_id: { type: 'string' }, name: { type: 'string', minLength: 1 } }, required: ['cluster_id', 'name'] } as const;
const VALUE_BODY = { type: 'object', required: ['value'], properties: { value: { type: ['string', 'null'] } } } as const;
const ALTER_BODY = {
  type: 'object', required: ['data'],
  properties: { data: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, value: { type: ['string', 'null'] }, operation: { type: 'string', enum: ['SET', 'DELETE'] } } } } },
} as const;

type Params = { cluster_id: string; broker_id?: number; name?: string };
type AlterBody = { data: { name: string; value?: string | null; operation?: 'SET' | 'DELETE' }[] };

export function v3ConfigRoutes(app: FastifyInstance, pool: SessionPool): void {
  const tags = ['rest-proxy-v3'];
  const run = <T>(req: FastifyRequest<{ Params: Params }>, fn: (scope: ConfigScope, c: ClusterRef, s: ConsoleSession) => Promise<T>) =>
    pool.run(req, async (s) => {
      const c = await cluster(req, s, req.params.cluster_id);
      const brokerId = req.params.broker_id;
      if (brokerId !== undefined && !(await s.admin.describeCluster()).brokers.some((b) => b.id === brokerId)) throw notFound(`Broker ${brokerId} cannot be found.`);
      return fn(brokerId === undefined ? clusterScope(c) : brokerScope(c, brokerId), c, s);
    });

  const listConfigs = (kind: string) => (req: FastifyRequest<{ Params: Params }>) => run(req, async (scope, c, s) =>
    list(kind, scope.url, (await s.admin.describeConfigs(ResourceType.BROKER, scope.resourceName)).map((e) => scope.data(c, e))));
  const getConfig = (req: FastifyRequest<{ Params: Params }>) => run(req, async (scope, c, s) => {
    const name = req.params.name!;
    const [e] = await s.admin.describeConfigs(ResourceType.BROKER, scope.resourceName, [name]);
    if (e === undefined) throw notFound(`Config ${name} cannot be found.`);
    return scope.data(c, e);
  });
  const putConfig = (req: FastifyRequest<{ Params: Params; Body: { value: string | null } }>, reply: { code(n: number): { send(): unknown } }) => run(req, async (scope, _c, s) => {
    const name = req.params.name!;
    // A null value resets the config, as Confluent's UpdateConfigRequest reads it.
    if (req.body.value === null) await s.admin.alterConfigs(ResourceType.BROKER, scope.resourceName, {}, [name]);
    else await s.admin.alterConfigs(ResourceType.BROKER, scope.resourceName, { [name]: req.body.value }, []);
    return reply.code(204).send();
  });
  const deleteConfig = (req: FastifyRequest<{ Params: Params }>, reply: { code(n: number): { send(): unknown } }) => run(req, async (scope, _c, s) => {
    await s.admin.alterConfigs(ResourceType.BROKER, scope.resourceName, {}, [req.params.name!]);
    return reply.code(204).send();
  });
  const alterConfigs = (req: FastifyRequest<{ Params: Params; Body: AlterBody }>, reply: { code(n: number): { send(): unknown } }) => run(req, async (scope, _c, s) => {
    const set: Record<string, string> = {};
    const remove: string[] = [];
    for (const e of req.body.data) {
      if (e.operation === 'DELETE') remove.push(e.name);
      else set[e.name] = e.value ?? '';
    }
    await s.admin.alterConfigs(ResourceType.BROKER, scope.resourceName, set, remove);
    return reply.code(204).send();
  });

  app.get<{ Params: Params }>('/clusters/:cluster_id/brokers/:broker_id/configs', { schema: { tags, summary: "A broker's configs", params: BROKER } }, listConfigs('KafkaBrokerConfigList'));
  app.get<{ Params: Params }>('/clusters/:cluster_id/brokers/:broker_id/configs/:name', { schema: { tags, params: BROKER_NAME } }, getConfig);
  app.put<{ Params: Params; Body: { value: string | null } }>('/clusters/:cluster_id/brokers/:broker_id/configs/:name', { schema: { tags, summary: "Set a broker's dynamic config", params: BROKER_NAME, body: VALUE_BODY } }, putConfig);
  app.delete<{ Params: Params }>('/clusters/:cluster_id/brokers/:broker_id/configs/:name', { schema: { tags, summary: "Reset a broker's dynamic config", params: BROKER_NAME } }, deleteConfig);
  app.post<{ Params: Params; Body: AlterBody }>('/clusters/:cluster_id/brokers/:broker_id/configs::alter', { schema: { tags, summary: "Set and reset several of a broker's configs", params: BROKER, body: ALTER_BODY } }, alterConfigs);

  app.get<{ Params: Params }>('/clusters/:cluster_id/broker-configs', { schema: { tags, summary: 'The cluster-wide dynamic broker configs', params: CLUSTER } }, listConfigs('KafkaClusterConfigList'));
  app.get<{ Params: Params }>('/clusters/:cluster_id/broker-configs/:name', { schema: { tags, params: CLUSTER_NAME } }, getConfig);
  app.put<{ Params: Params; Body: { value: string | null } }>('/clusters/:cluster_id/broker-configs/:name', { schema: { tags, summary: 'Set a cluster-wide broker config', params: CLUSTER_NAME, body: VALUE_BODY } }, putConfig);
  app.delete<{ Params: Params }>('/clusters/:cluster_id/broker-configs/:name', { schema: { tags, summary: 'Reset a cluster-wide broker config', params: CLUSTER_NAME } }, deleteConfig);
  app.post<{ Params: Params; Body: AlterBody }>('/clusters/:cluster_id/broker-configs::alter', { schema: { tags, summary: 'Set and reset several cluster-wide broker configs', params: CLUSTER, body: ALTER_BODY } }, alterConfigs);
}
