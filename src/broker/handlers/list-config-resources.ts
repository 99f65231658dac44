// ListConfigResources (key 74), versions 0-1, all flexible; v0 is KIP-714's
// ListClientMetricsResources and lists client metrics subscriptions only. As KafkaApis:
// DESCRIBE_CONFIGS on the cluster or CLUSTER_AUTHORIZATION_FAILED; no types asked for means
// every type the version supports (v1: TOPIC, BROKER, BROKER_LOGGER, CLIENT_METRICS, GROUP),
// a type it does not support answers UNSUPPORTED_VERSION. Groups and subscriptions are those
// with configs; brokers and broker loggers those on the request's listener; topics all.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ConfigResource } from '../../protocol/generated/list-config-resources-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { endpointOn } from '../../cluster/metadata.js';
import { authorizeCluster } from '../authorize.js';
import { ResourceType } from '../config-admin/describe.js';
import { defineHandler } from './handler.js';

const V0_TYPES: readonly number[] = [ResourceType.CLIENT_METRICS];
const V1_TYPES: readonly number[] = [ResourceType.TOPIC, ResourceType.BROKER, ResourceType.BROKER_LOGGER, ResourceType.CLIENT_METRICS, ResourceType.GROUP];

export const listConfigResourcesHandler = defineHandler({
  apiKey: ApiKey.ListConfigResources,
  minVersion: 0,
  maxVersion: 1,
  handle(request, info, broker) {
    if (!authorizeCluster(broker, info, AclOperation.DescribeConfigs)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, configResources: [] };
    const supported = info.apiVersion === 0 ? V0_TYPES : V1_TYPES;
    const types = request.resourceTypes.length === 0 ? supported : request.resourceTypes;
    if (types.some((t) => !supported.includes(t))) return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, configResources: [] };
    const out: ConfigResource[] = [];
    const add = (resourceName: string, resourceType: number) => out.push({ resourceName, resourceType });
    // Kafka's order: groups, subscriptions, broker loggers, brokers, topics.
    if (types.includes(ResourceType.GROUP)) for (const g of broker.metadata.entityConfigNames('groups')) add(g, ResourceType.GROUP);
    if (types.includes(ResourceType.CLIENT_METRICS)) for (const s of broker.metadata.entityConfigNames('client-metrics')) add(s, ResourceType.CLIENT_METRICS);
    const brokerIds = broker.metadata.brokers().filter((b) => endpointOn(b, info.listenerName) !== undefined).map((b) => String(b.nodeId));
    if (types.includes(ResourceType.BROKER_LOGGER)) for (const id of brokerIds) add(id, ResourceType.BROKER_LOGGER);
    if (types.includes(ResourceType.BROKER)) for (const id of brokerIds) add(id, ResourceType.BROKER);
    if (types.includes(ResourceType.TOPIC)) for (const t of broker.metadata.topics()) add(t.name, ResourceType.TOPIC);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, configResources: out };
  },
});
