/**
 * The authorization checks handlers make, in one place (Kafka's AuthHelper): each asks the
 * broker's authorizer, and allows everything when there is none, as Kafka does without
 * `authorizer.class.name`. Handlers call these with the operation and resource KafkaApis
 * checks and answer Kafka's *_AUTHORIZATION_FAILED codes themselves.
 */
import { AclOperation, CLUSTER_NAME, ResourceType } from '../cluster/acls.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { BrokerContext } from './context.js';
import type { RequestInfo } from './handlers/handler.js';

/** True when the request's principal may do `operation` on the named resource. */
export function authorize(broker: BrokerContext, info: RequestInfo, operation: number, resourceType: number, name: string): boolean {
  const a = broker.authorizer;
  return a === null || a.authorize(info.principal, info.clientHost, operation, resourceType, name);
}

export function authorizeCluster(broker: BrokerContext, info: RequestInfo, operation: number): boolean {
  const a = broker.authorizer;
  return a === null || a.authorize(info.principal, info.clientHost, operation, ResourceType.Cluster, CLUSTER_NAME);
}

export function authorizeTopic(broker: BrokerContext, info: RequestInfo, operation: number, topic: string): boolean {
  const a = broker.authorizer;
  return a === null || a.authorize(info.principal, info.clientHost, operation, ResourceType.Topic, topic);
}

export function authorizeGroup(broker: BrokerContext, info: RequestInfo, operation: number, group: string): boolean {
  const a = broker.authorizer;
  return a === null || a.authorize(info.principal, info.clientHost, operation, ResourceType.Group, group);
}

/** KIP-679: may the principal do `operation` on some resource of the type. */
export function authorizeByResourceType(broker: BrokerContext, info: RequestInfo, operation: number, resourceType: number): boolean {
  const a = broker.authorizer;
  return a === null || a.authorizeByResourceType(info.principal, info.clientHost, operation, resourceType);
}

/** The operations Kafka reports per resource type (AuthHelper.authorizedOperations over supportedOperations). */
const TOPIC_OPERATIONS: readonly number[] = [
  AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Delete, AclOperation.Alter, AclOperation.Describe,
  AclOperation.DescribeConfigs, AclOperation.AlterConfigs,
];
const GROUP_OPERATIONS: readonly number[] = [AclOperation.Read, AclOperation.Delete, AclOperation.Describe, AclOperation.DescribeConfigs, AclOperation.AlterConfigs];
// Kafka leaves the token operations out of the cluster's (8096 without an authorizer).
const CLUSTER_OPERATIONS: readonly number[] = [
  AclOperation.Create, AclOperation.Alter, AclOperation.Describe, AclOperation.ClusterAction, AclOperation.DescribeConfigs,
  AclOperation.AlterConfigs, AclOperation.IdempotentWrite,
];

function bits(ops: readonly number[]): number {
  let out = 0;
  for (const op of ops) out |= 1 << op;
  return out;
}

const ALL_TOPIC_BITS = bits(TOPIC_OPERATIONS);
const ALL_GROUP_BITS = bits(GROUP_OPERATIONS);
const ALL_CLUSTER_BITS = bits(CLUSTER_OPERATIONS);

function allowedBits(broker: BrokerContext, info: RequestInfo, resourceType: number, name: string, ops: readonly number[]): number {
  const a = broker.authorizer!;
  let out = 0;
  for (const op of ops) if (a.authorize(info.principal, info.clientHost, op, resourceType, name)) out |= 1 << op;
  return out;
}

/** The topic operations the principal may do, as Kafka's authorized-operations bit field. */
export function topicAuthorizedOperations(broker: BrokerContext, info: RequestInfo, topic: string): number {
  return broker.authorizer === null ? ALL_TOPIC_BITS : allowedBits(broker, info, ResourceType.Topic, topic, TOPIC_OPERATIONS);
}

export function groupAuthorizedOperations(broker: BrokerContext, info: RequestInfo, group: string): number {
  return broker.authorizer === null ? ALL_GROUP_BITS : allowedBits(broker, info, ResourceType.Group, group, GROUP_OPERATIONS);
}

/** The cluster operations the principal may do; none unless it may describe the cluster (AuthHelper). */
export function clusterAuthorizedOperations(broker: BrokerContext, info: RequestInfo): number {
  if (broker.authorizer === null) return ALL_CLUSTER_BITS;
  if (!authorizeCluster(broker, info, AclOperation.Describe)) return 0;
  return allowedBits(broker, info, ResourceType.Cluster, CLUSTER_NAME, CLUSTER_OPERATIONS);
}

/** Kafka's ConfigResource.Type codes. */
const CONFIG_TOPIC = 2;
const CONFIG_GROUP = 32;

/**
 * DescribeConfigs (DESCRIBE_CONFIGS) and AlterConfigs / IncrementalAlterConfigs
 * (ALTER_CONFIGS) on one config resource, as AuthHelper does: on the topic or group for
 * those, on the cluster for brokers, broker loggers and client metrics. NONE when allowed,
 * else the *_AUTHORIZATION_FAILED code to answer for the resource.
 */
export function configResourceError(broker: BrokerContext, info: RequestInfo, operation: number, configType: number, name: string): number {
  if (broker.authorizer === null) return ErrorCode.NONE;
  if (configType === CONFIG_TOPIC) return authorizeTopic(broker, info, operation, name) ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  if (configType === CONFIG_GROUP) return authorizeGroup(broker, info, operation, name) ? ErrorCode.NONE : ErrorCode.GROUP_AUTHORIZATION_FAILED;
  return authorizeCluster(broker, info, operation) ? ErrorCode.NONE : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}
