/** REST Proxy v3: consumer groups, their consumers, per-partition lags and the lag summary. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GroupDescription } from '../../../client/admin.js';
import { notFound } from '../errors.js';
import { groupLag, type PartitionLag } from '../group-ops.js';
import type { ConsoleSession, SessionPool } from '../session.js';
import { cluster, list, related, resource, seg, type ClusterRef } from './resources.js';

const GROUP = { type: 'object', properties: { cluster_id: { type: 'string' }, consumer_group_id: { type: 'string', minLength: 1 } }, required: ['cluster_id', 'consumer_group_id'] } as const;
type GroupParams = { cluster_id: string; consumer_group_id: string };

/** Confluent's state names: Kafka's in upper case (Stable -> STABLE, PreparingRebalance -> PREPARING_REBALANCE). */
function stateName(state: string): string {
  return state.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

function groupUrl(c: ClusterRef, id: string): string {
  return `${c.url}/consumer-groups/${seg(id)}`;
}

function groupData(c: ClusterRef, g: GroupDescription) {
  const url = groupUrl(c, g.groupId);
  return {
    kind: 'KafkaConsumerGroup', metadata: resource(url, `${c.crn}/consumer-group=${g.groupId}`), cluster_id: c.clusterId,
    consumer_group_id: g.groupId, is_simple: g.protocolType === '' && g.members.length === 0, partition_assignor: g.assignor,
    state: stateName(g.state), type: g.type.toUpperCase(), coordinator: related(`${c.url}/brokers/${g.coordinator}`),
    consumers: related(`${url}/consumers`), lag_summary: related(`${url}/lag-summary`),
  };
}

function lagData(c: ClusterRef, groupId: string, p: PartitionLag) {
  const url = `${groupUrl(c, groupId)}/lags/${seg(p.topic)}/partitions/${p.partition}`;
  return {
    kind: 'KafkaConsumerLag', metadata: resource(url, `${c.crn}/consumer-group=${groupId}/lag=${p.topic}/partition=${p.partition}`),
    cluster_id: c.clusterId, consumer_group_id: groupId, topic_name: p.topic, partition_id: p.partition,
    current_offset: p.current_offset, log_end_offset: p.log_end_offset, lag: p.lag,
    consumer_id: p.consumer_id, instance_id: p.instance_id, client_id: p.client_id,
  };
}

/** A group as Kafka describes it; 404 for an unknown one (Kafka calls it Dead with nothing in it). */
async function describeExisting(s: ConsoleSession, id: string): Promise<Awaited<ReturnType<typeof groupLag>>> {
  const lag = await groupLag(s, id);
  if (lag.group.state === 'Dead' && lag.partitions.length === 0) throw notFound(`Consumer group ${id} cannot be found.`);
  return lag;
}

export function v3GroupRoutes(app: FastifyInstance, pool: SessionPool): void {
  const tags = ['rest-proxy-v3'];
  const run = <T>(req: FastifyRequest<{ Params: { cluster_id: string } }>, fn: (c: ClusterRef, s: ConsoleSession) => Promise<T>) =>
    pool.run(req, async (s) => fn(await cluster(req, s, req.params.cluster_id), s));

  app.get<{ Params: { cluster_id: string } }>('/clusters/:cluster_id/consumer-groups', {
    schema: { tags, params: { type: 'object', properties: { cluster_id: { type: 'string' } } } },
  }, (req) => run(req, async (c, s) => {
    const groups = (await s.admin.listGroups()).filter((g) => g.protocolType === 'consumer' || g.protocolType === '');
    const described = await Promise.all(groups.map((g) => s.admin.describeGroup(g.groupId)));
    return list('KafkaConsumerGroupList', `${c.url}/consumer-groups`, described.map((g) => groupData(c, g)));
  }));

  app.get<{ Params: GroupParams }>('/clusters/:cluster_id/consumer-groups/:consumer_group_id', { schema: { tags, params: GROUP } }, (req) =>
    run(req, async (c, s) => groupData(c, (await describeExisting(s, req.params.consumer_group_id)).group)));

  app.get<{ Params: GroupParams }>('/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers', { schema: { tags, params: GROUP } }, (req) =>
    run(req, async (c, s) => {
      const { group } = await describeExisting(s, req.params.consumer_group_id);
      const url = groupUrl(c, group.groupId);
      return list('KafkaConsumerList', `${url}/consumers`, group.members.map((m) => ({
        kind: 'KafkaConsumer', metadata: resource(`${url}/consumers/${seg(m.memberId)}`, `${c.crn}/consumer-group=${group.groupId}/consumer=${m.memberId}`),
        cluster_id: c.clusterId, consumer_group_id: group.groupId, consumer_id: m.memberId, instance_id: m.groupInstanceId,
        client_id: m.clientId, assignments: related(`${url}/consumers/${seg(m.memberId)}/assignments`),
      })));
    }));

  app.get<{ Params: GroupParams }>('/clusters/:cluster_id/consumer-groups/:consumer_group_id/lags', { schema: { tags, params: GROUP } }, (req) =>
    run(req, async (c, s) => {
      const lag = await describeExisting(s, req.params.consumer_group_id);
      return list('KafkaConsumerLagList', `${groupUrl(c, req.params.consumer_group_id)}/lags`,
        lag.partitions.filter((p) => p.current_offset >= 0).map((p) => lagData(c, req.params.consumer_group_id, p)));
    }));

  app.get<{ Params: GroupParams & { topic_name: string; partition_id: number } }>('/clusters/:cluster_id/consumer-groups/:consumer_group_id/lags/:topic_name/partitions/:partition_id', {
    schema: { tags, params: { type: 'object', properties: { ...GROUP.properties, topic_name: { type: 'string' }, partition_id: { type: 'integer' } } } },
  }, (req) => run(req, async (c, s) => {
    const lag = await describeExisting(s, req.params.consumer_group_id);
    const p = lag.partitions.find((x) => x.topic === req.params.topic_name && x.partition === req.params.partition_id && x.current_offset >= 0);
    if (p === undefined) throw notFound(`Consumer lag for ${req.params.topic_name}-${req.params.partition_id} cannot be found.`);
    return lagData(c, req.params.consumer_group_id, p);
  }));

  app.get<{ Params: GroupParams }>('/clusters/:cluster_id/consumer-groups/:consumer_group_id/lag-summary', { schema: { tags, params: GROUP } }, (req) =>
    run(req, async (c, s) => {
      const id = req.params.consumer_group_id;
      const lag = await describeExisting(s, id);
      const committed = lag.partitions.filter((p) => p.current_offset >= 0);
      const max = committed.reduce<PartitionLag | undefined>((m, p) => (m === undefined || p.lag > m.lag ? p : m), undefined);
      const url = groupUrl(c, id);
      return {
        kind: 'KafkaConsumerGroupLagSummary', metadata: resource(`${url}/lag-summary`, `${c.crn}/consumer-group=${id}/lag-summary`),
        cluster_id: c.clusterId, consumer_group_id: id,
        max_lag_consumer_id: max?.consumer_id ?? '', max_lag_instance_id: max?.instance_id ?? null, max_lag_client_id: max?.client_id ?? '',
        max_lag_topic_name: max?.topic ?? '', max_lag_partition_id: max?.partition ?? 0, max_lag: max?.lag ?? 0,
        total_lag: lag.total_lag,
        max_lag_consumer: related(`${url}/consumers/${seg(max?.consumer_id ?? '')}`),
        max_lag_partition: related(`${c.url}/topics/${seg(max?.topic ?? '')}/partitions/${max?.partition ?? 0}`),
      };
    }));
}
