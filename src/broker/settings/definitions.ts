/**
 * Broker settings Millrace reads, with Kafka's names, types and defaults
 * (KafkaConfig / ServerLogConfigs / ServerConfigs in Apache Kafka 4.0). Where Millrace's
 * default differs from Kafka's it is noted: `listeners` and `log.dirs` so that `npm start`
 * gives a broker on localhost:9092 with its data in ./data, and `node.id`, which Kafka
 * requires and Millrace defaults to 1 for a single node.
 */
import { between, invalidValue, oneOf, type Validator } from '../../common/config-def.js';
import { parseMetadataStore } from '../../cluster/metadata-store-url.js';
import { parseConsoleListeners } from './console-listeners.js';
import { pluginClassError } from '../../coordinator/streams/topology-description/plugin.js';
import { STANDARD_AUTHORIZER_CLASS } from '../../security/authorizer/standard-authorizer.js';
import { TOPIC_CONFIGS, type TopicConfigDef } from '../../storage/topic-configs.js';

export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password' | 'class';

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Default as Kafka prints it in DescribeConfigs; null when unset. */
  readonly default: string | null;
  /** Inclusive lower bound for numbers. */
  readonly min?: number;
  /** Kafka's check beyond the type: the topic config's, for a setting that supplies its default. */
  readonly validator?: Validator;
  /** Kafka's topic-level name this broker setting supplies the default for. */
  readonly topicConfig?: string;
  /** Whether AlterConfigs may change it while running, as in Kafka. */
  readonly dynamic?: boolean;
}

export const INT_MAX = '2147483647';
export const LONG_MAX = '9223372036854775807';

/** Each topic config by the broker setting that supplies its default first. */
const TOPIC_CONFIG_BY_BROKER_SETTING: ReadonlyMap<string, TopicConfigDef> = new Map(
  [...TOPIC_CONFIGS.values()].flatMap((def) => (def.synonyms[0] === undefined ? [] : [[def.synonyms[0].name, def] as const])),
);

/**
 * A broker setting that supplies a topic config's default, derived from the topic config
 * table: the topic config's type, default and validator, changeable at runtime as every such
 * setting is in Kafka. Its own default is null when a later synonym supplies one
 * (`log.retention.ms` falls back on `log.retention.hours`), as in Kafka.
 */
function topicDefault(name: string): ConfigDef {
  const topic = TOPIC_CONFIG_BY_BROKER_SETTING.get(name);
  if (topic === undefined) throw new Error(`${name} does not supply a topic config's default`);
  const type = topic.type.toLowerCase() as ConfigType;
  const base = { name, type, default: topic.synonyms.length > 1 ? null : topic.default, topicConfig: topic.name, dynamic: true };
  return topic.validator === undefined ? base : { ...base, validator: topic.validator };
}

/** `metadata.store`: unset or `local`, or `etcd://host:port[,host:port...][/prefix]`. */
const metadataStoreValidator: Validator = (name, value) => {
  try {
    parseMetadataStore(value === null ? null : String(value));
  } catch (err) {
    throw invalidValue(name, value, (err as Error).message);
  }
};

/**
 * `authorizer.class.name`: empty (no authorization) or Kafka's StandardAuthorizer; Kafka 4.x
 * no longer has AclAuthorizer, and any class it cannot load stops it at start-up.
 */
const authorizerClassValidator: Validator = (name, value) => {
  const v = value === null ? '' : String(value).trim();
  if (v !== '' && v !== STANDARD_AUTHORIZER_CLASS) throw invalidValue(name, value, `Class ${v} cannot be found`);
};

/**
 * `group.streams.topology.description.plugin.class` (KIP-1331): unset, or Kafka's
 * InMemoryTopologyDescriptionPlugin, which Millrace serves natively; Kafka stops at start-up
 * on a class it cannot load, and so does Millrace on any other name.
 */
const topologyDescriptionPluginValidator: Validator = (name, value) => {
  const error = pluginClassError(value === null ? null : String(value));
  if (error !== null) throw invalidValue(name, value, error);
};

/** `console.listeners`: empty, or comma-separated http(s)://host:port (port 0: any free port). */
const consoleListenersValidator: Validator = (name, value) => {
  try {
    parseConsoleListeners(value === null ? '' : String(value));
  } catch (err) {
    throw invalidValue(name, value, (err as Error).message);
  }
};

const defs: ConfigDef[] = [
  { name: 'node.id', type: 'int', default: '1', min: 0 },
  { name: 'broker.rack', type: 'string', default: null },
  { name: 'listeners', type: 'list', default: 'PLAINTEXT://localhost:9092' },
  { name: 'advertised.listeners', type: 'list', default: null },
  { name: 'listener.security.protocol.map', type: 'list', default: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL' },
  { name: 'inter.broker.listener.name', type: 'string', default: null },
  { name: 'security.inter.broker.protocol', type: 'string', default: 'PLAINTEXT', validator: oneOf('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL') },
  // TLS (src/security/tls-config.ts); each may be given per listener as listener.name.<name>.ssl.*.
  { name: 'ssl.keystore.type', type: 'string', default: 'JKS' },
  { name: 'ssl.keystore.location', type: 'string', default: null },
  { name: 'ssl.keystore.password', type: 'password', default: null },
  { name: 'ssl.key.password', type: 'password', default: null },
  { name: 'ssl.keystore.key', type: 'password', default: null },
  { name: 'ssl.keystore.certificate.chain', type: 'password', default: null },
  { name: 'ssl.truststore.type', type: 'string', default: 'JKS' },
  { name: 'ssl.truststore.location', type: 'string', default: null },
  { name: 'ssl.truststore.password', type: 'password', default: null },
  { name: 'ssl.truststore.certificates', type: 'password', default: null },
  { name: 'ssl.client.auth', type: 'string', default: 'none', validator: oneOf('required', 'requested', 'none') },
  { name: 'ssl.enabled.protocols', type: 'list', default: 'TLSv1.2,TLSv1.3' },
  { name: 'ssl.protocol', type: 'string', default: 'TLSv1.3' },
  { name: 'ssl.cipher.suites', type: 'list', default: '' },
  { name: 'ssl.principal.mapping.rules', type: 'string', default: 'DEFAULT' },
  { name: 'ssl.endpoint.identification.algorithm', type: 'string', default: 'https' },
  // SASL (src/security/sasl/); per listener as listener.name.<name>.sasl.* and
  // listener.name.<name>.<mechanism>.sasl.jaas.config.
  { name: 'sasl.enabled.mechanisms', type: 'list', default: 'GSSAPI' },
  { name: 'sasl.jaas.config', type: 'password', default: null },
  { name: 'sasl.mechanism.inter.broker.protocol', type: 'string', default: 'GSSAPI' },
  { name: 'connection.failed.authentication.delay.ms', type: 'int', default: '100', min: 0 },
  { name: 'sasl.server.max.receive.size', type: 'int', default: '524288' },
  { name: 'connections.max.reauth.ms', type: 'long', default: '0' },
  // Delegation tokens (KIP-48, src/security/delegation-tokens.ts): enabled by the secret key.
  { name: 'delegation.token.secret.key', type: 'password', default: null },
  { name: 'delegation.token.max.lifetime.ms', type: 'long', default: '604800000', min: 1 },
  { name: 'delegation.token.expiry.time.ms', type: 'long', default: '86400000', min: 1 },
  { name: 'delegation.token.expiry.check.interval.ms', type: 'long', default: '3600000', min: 1 },
  // OAUTHBEARER's JWT validator (listener.name.<l>.oauthbearer.sasl.server.callback.handler.class).
  { name: 'sasl.oauthbearer.jwks.endpoint.url', type: 'string', default: null },
  { name: 'sasl.oauthbearer.jwks.endpoint.refresh.ms', type: 'long', default: '3600000' },
  { name: 'sasl.oauthbearer.expected.audience', type: 'list', default: '' },
  { name: 'sasl.oauthbearer.expected.issuer', type: 'string', default: null },
  { name: 'sasl.oauthbearer.sub.claim.name', type: 'string', default: 'sub' },
  { name: 'sasl.oauthbearer.scope.claim.name', type: 'string', default: 'scope' },
  { name: 'sasl.oauthbearer.clock.skew.seconds', type: 'int', default: '30' },
  { name: 'log.dirs', type: 'list', default: './data' },
  { name: 'log.dir', type: 'string', default: '/tmp/kafka-logs' },
  // KIP-1066: directories that take no new replicas (cordoned-log-dirs.ts); per broker only.
  { name: 'cordoned.log.dirs', type: 'list', default: '', dynamic: true },
  { name: 'num.partitions', type: 'int', default: '1', min: 1 },
  { name: 'default.replication.factor', type: 'int', default: '1', min: 1 },
  topicDefault('min.insync.replicas'),
  { name: 'auto.create.topics.enable', type: 'boolean', default: 'true' },
  { name: 'delete.topic.enable', type: 'boolean', default: 'true' },
  topicDefault('message.max.bytes'),
  { name: 'socket.request.max.bytes', type: 'int', default: '104857600', min: 1 },
  { name: 'connections.max.idle.ms', type: 'long', default: '600000' },
  { name: 'max.connections', type: 'int', default: INT_MAX, min: 0, dynamic: true },
  { name: 'queued.max.requests', type: 'int', default: '500', min: 1 },
  { name: 'queued.max.request.bytes', type: 'long', default: '-1' },
  { name: 'max.connections.per.ip', type: 'int', default: INT_MAX, min: 0 },
  { name: 'max.connections.per.ip.overrides', type: 'string', default: '' },
  { name: 'max.connection.creation.rate', type: 'int', default: INT_MAX, min: 0 },
  // Millrace's own: the request memory pool when queued.max.request.bytes is -1 (Kafka's
  // unbounded default, where the JVM heap bounds it instead); -1 for none.
  { name: 'millrace.request.memory.bytes', type: 'long', default: '268435456', min: -1 },
  topicDefault('compression.type'),
  topicDefault('log.segment.bytes'),
  topicDefault('log.roll.ms'),
  { name: 'log.roll.hours', type: 'int', default: '168', min: 1 },
  topicDefault('log.roll.jitter.ms'),
  { name: 'log.roll.jitter.hours', type: 'int', default: '0', min: 0 },
  topicDefault('log.retention.ms'),
  { name: 'log.retention.minutes', type: 'int', default: null },
  { name: 'log.retention.hours', type: 'int', default: '168' },
  topicDefault('log.retention.bytes'),
  { name: 'log.retention.check.interval.ms', type: 'long', default: '300000', min: 1 },
  topicDefault('log.cleanup.policy'),
  topicDefault('log.index.size.max.bytes'),
  topicDefault('log.index.interval.bytes'),
  topicDefault('log.flush.interval.messages'),
  topicDefault('log.flush.interval.ms'),
  { name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX },
  { name: 'log.flush.offset.checkpoint.interval.ms', type: 'int', default: '60000', min: 0 },
  { name: 'log.flush.start.offset.checkpoint.interval.ms', type: 'int', default: '60000', min: 0 },
  topicDefault('log.message.timestamp.type'),
  topicDefault('log.message.timestamp.before.max.ms'),
  topicDefault('log.message.timestamp.after.max.ms'),
  { name: 'log.cleaner.enable', type: 'boolean', default: 'true' },
  topicDefault('log.cleaner.delete.retention.ms'),
  topicDefault('log.cleaner.min.cleanable.ratio'),
  topicDefault('log.cleaner.min.compaction.lag.ms'),
  topicDefault('log.cleaner.max.compaction.lag.ms'),
  { name: 'log.cleaner.backoff.ms', type: 'long', default: '15000', min: 0 },
  { name: 'log.cleaner.dedupe.buffer.size', type: 'long', default: '134217728', min: 0 },
  { name: 'log.cleaner.io.buffer.size', type: 'int', default: '524288', min: 0 },
  { name: 'replica.high.watermark.checkpoint.interval.ms', type: 'long', default: '5000', min: 1 },
  { name: 'log.initial.task.delay.ms', type: 'long', default: '30000', min: 0 },
  // Millrace's own: Kafka keeps every segment open and memory-maps indexes; Millrace bounds both.
  { name: 'millrace.log.max.open.files', type: 'int', default: '1024', min: 16 },
  { name: 'millrace.log.index.cache.bytes', type: 'long', default: '67108864', min: 0 },
  topicDefault('log.segment.delete.delay.ms'),
  topicDefault('log.preallocate'),
  topicDefault('unclean.leader.election.enable'),
  { name: 'offsets.topic.num.partitions', type: 'int', default: '50', min: 1 },
  { name: 'offsets.topic.replication.factor', type: 'int', default: '3', min: 1 },
  { name: 'offsets.topic.segment.bytes', type: 'int', default: '104857600', min: 1 },
  { name: 'offsets.commit.timeout.ms', type: 'int', default: '5000', min: 1 },
  { name: 'offsets.retention.minutes', type: 'int', default: '10080', min: 1 },
  { name: 'offsets.retention.check.interval.ms', type: 'long', default: '600000', min: 1 },
  { name: 'offset.metadata.max.bytes', type: 'int', default: '4096' },
  { name: 'group.initial.rebalance.delay.ms', type: 'int', default: '3000', min: 0 },
  { name: 'group.min.session.timeout.ms', type: 'int', default: '6000' },
  { name: 'group.max.session.timeout.ms', type: 'int', default: '1800000' },
  { name: 'group.max.size', type: 'int', default: INT_MAX, min: 1 },
  // KIP-848 consumer groups (GroupCoordinatorConfig in Kafka 4.0).
  { name: 'group.consumer.session.timeout.ms', type: 'int', default: '45000', min: 1 },
  { name: 'group.consumer.min.session.timeout.ms', type: 'int', default: '45000', min: 1 },
  { name: 'group.consumer.max.session.timeout.ms', type: 'int', default: '60000', min: 1 },
  { name: 'group.consumer.heartbeat.interval.ms', type: 'int', default: '5000', min: 1 },
  { name: 'group.consumer.min.heartbeat.interval.ms', type: 'int', default: '5000', min: 1 },
  { name: 'group.consumer.max.heartbeat.interval.ms', type: 'int', default: '15000', min: 1 },
  { name: 'group.consumer.assignment.interval.ms', type: 'int', default: '1000', min: 0 },
  { name: 'group.consumer.min.assignment.interval.ms', type: 'int', default: '0', min: 0 },
  { name: 'group.consumer.max.assignment.interval.ms', type: 'int', default: '15000', min: 0 },
  { name: 'group.consumer.max.size', type: 'int', default: INT_MAX, min: 1 },
  { name: 'group.consumer.assignors', type: 'list', default: 'org.apache.kafka.coordinator.group.assignor.UniformAssignor,org.apache.kafka.coordinator.group.assignor.RangeAssignor' },
  { name: 'group.consumer.migration.policy', type: 'string', default: 'bidirectional' },
  // KIP-1071 streams groups (GroupCoordinatorConfig in Kafka 4.4).
  { name: 'group.streams.session.timeout.ms', type: 'int', default: '45000', min: 1 },
  { name: 'group.streams.min.session.timeout.ms', type: 'int', default: '45000', min: 1 },
  { name: 'group.streams.max.session.timeout.ms', type: 'int', default: '60000', min: 1 },
  { name: 'group.streams.heartbeat.interval.ms', type: 'int', default: '5000', min: 1 },
  { name: 'group.streams.min.heartbeat.interval.ms', type: 'int', default: '5000', min: 1 },
  { name: 'group.streams.max.heartbeat.interval.ms', type: 'int', default: '15000', min: 1 },
  { name: 'group.streams.assignment.interval.ms', type: 'int', default: '1000', min: 0 },
  { name: 'group.streams.min.assignment.interval.ms', type: 'int', default: '0', min: 0 },
  { name: 'group.streams.max.assignment.interval.ms', type: 'int', default: '15000', min: 0 },
  { name: 'group.streams.max.size', type: 'int', default: INT_MAX, min: 1 },
  { name: 'group.streams.initial.rebalance.delay.ms', type: 'int', default: '3000', min: 0 },
  { name: 'group.streams.num.standby.replicas', type: 'int', default: '0', min: 0 },
  { name: 'group.streams.max.standby.replicas', type: 'int', default: '2', min: 0 },
  { name: 'group.streams.topology.description.plugin.class', type: 'string', default: null, validator: topologyDescriptionPluginValidator },
  // KIP-932 share groups (GroupCoordinatorConfig and ShareGroupConfig in Kafka 4.4), with Kafka's bounds.
  { name: 'group.share.session.timeout.ms', type: 'int', default: '45000', min: 1 },
  { name: 'group.share.min.session.timeout.ms', type: 'int', default: '45000', min: 1 },
  { name: 'group.share.max.session.timeout.ms', type: 'int', default: '60000', min: 1 },
  { name: 'group.share.heartbeat.interval.ms', type: 'int', default: '5000', min: 1 },
  { name: 'group.share.min.heartbeat.interval.ms', type: 'int', default: '5000', min: 1 },
  { name: 'group.share.max.heartbeat.interval.ms', type: 'int', default: '15000', min: 1 },
  { name: 'group.share.assignment.interval.ms', type: 'int', default: '1000', min: 0 },
  { name: 'group.share.min.assignment.interval.ms', type: 'int', default: '0', min: 0 },
  { name: 'group.share.max.assignment.interval.ms', type: 'int', default: '15000', min: 0 },
  { name: 'group.share.max.size', type: 'int', default: '200', validator: between(1, 1000) },
  { name: 'group.share.record.lock.duration.ms', type: 'int', default: '30000', validator: between(1000, 3600000) },
  { name: 'group.share.min.record.lock.duration.ms', type: 'int', default: '15000', validator: between(1000, 30000) },
  { name: 'group.share.max.record.lock.duration.ms', type: 'int', default: '60000', validator: between(30000, 3600000) },
  { name: 'group.share.delivery.count.limit', type: 'int', default: '5', validator: between(2, 10) },
  { name: 'group.share.min.delivery.count.limit', type: 'int', default: '2', validator: between(2, 5) },
  { name: 'group.share.max.delivery.count.limit', type: 'int', default: '10', validator: between(5, 25) },
  { name: 'group.share.partition.max.record.locks', type: 'int', default: '2000', validator: between(100, 10000) },
  { name: 'group.share.min.partition.max.record.locks', type: 'int', default: '100', validator: between(100, 2000) },
  { name: 'group.share.max.partition.max.record.locks', type: 'int', default: '4000', validator: between(2000, 10000) },
  { name: 'group.share.max.share.sessions', type: 'int', default: '2000', min: 1 },
  // The share groups' dead-letter queue (KIP-1191, src/broker/share/share-dlq-writer.ts), dynamic cluster-wide as in Kafka.
  { name: 'errors.deadletterqueue.auto.create.topics.enable', type: 'boolean', default: 'false', dynamic: true },
  { name: 'errors.deadletterqueue.topic.name.prefix', type: 'string', default: 'dlq.', dynamic: true },
  { name: 'share.coordinator.state.topic.num.partitions', type: 'int', default: '50', min: 1 },
  { name: 'share.coordinator.state.topic.replication.factor', type: 'int', default: '3', min: 1 },
  { name: 'share.coordinator.state.topic.min.isr', type: 'int', default: '2', min: 1 },
  { name: 'share.coordinator.state.topic.segment.bytes', type: 'int', default: '104857600', min: 1 },
  { name: 'share.coordinator.snapshot.update.records.per.snapshot', type: 'int', default: '500', validator: between(0, 500) },
  { name: 'share.coordinator.write.timeout.ms', type: 'int', default: '5000', min: 1 },
  { name: 'share.coordinator.load.buffer.size', type: 'int', default: '5242880', min: 1 },
  // Internal in Kafka (ShareCoordinatorConfig.defineInternal), read as Kafka reads them.
  { name: 'share.coordinator.state.topic.prune.interval.ms', type: 'int', default: '300000', min: 1 },
  { name: 'share.coordinator.cold.partition.snapshot.interval.ms', type: 'int', default: '300000', min: 1 },
  { name: 'transaction.state.log.num.partitions', type: 'int', default: '50', min: 1 },
  { name: 'transaction.state.log.replication.factor', type: 'int', default: '3', min: 1 },
  { name: 'transaction.state.log.min.isr', type: 'int', default: '2', min: 1 },
  // How long a coordinator waits for the ISR to take its __transaction_state write (Kafka's request.timeout.ms).
  { name: 'request.timeout.ms', type: 'int', default: '30000', min: 0 },
  { name: 'transaction.max.timeout.ms', type: 'int', default: '900000', min: 1 },
  { name: 'transactional.id.expiration.ms', type: 'int', default: '604800000', min: 1 },
  { name: 'transaction.state.log.segment.bytes', type: 'int', default: '104857600', min: 1 },
  { name: 'transaction.state.log.load.buffer.size', type: 'int', default: '5242880', min: 1 },
  { name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms', type: 'int', default: '10000', min: 1 },
  { name: 'transaction.remove.expired.transaction.cleanup.interval.ms', type: 'int', default: '3600000', min: 1 },
  // KIP-890 part 1: a partition leader asks the coordinator before a transaction's first append.
  { name: 'transaction.partition.verification.enable', type: 'boolean', default: 'true', dynamic: true },
  // KAFKA-18654: a transaction version 2 produce whose partitions the coordinator cannot add
  // yet (CONCURRENT_TRANSACTIONS: the previous transaction's markers are being written) is
  // retried by the broker every backoff.ms for up to backoff.max.ms before the client hears of it.
  { name: 'add.partitions.to.txn.retry.backoff.max.ms', type: 'int', default: '100', min: 0 },
  { name: 'add.partitions.to.txn.retry.backoff.ms', type: 'int', default: '20', min: 1 },
  { name: 'producer.id.expiration.ms', type: 'int', default: '86400000', min: -1 },
  { name: 'max.incremental.fetch.session.cache.slots', type: 'int', default: '1000', min: 0 },
  { name: 'fetch.max.bytes', type: 'int', default: '57671680', min: 1024 },
  { name: 'replica.lag.time.max.ms', type: 'long', default: '30000' },
  // Followers' fetching (ReplicationConfigs), used in a cluster.
  { name: 'replica.fetch.wait.max.ms', type: 'int', default: '500' },
  { name: 'replica.fetch.min.bytes', type: 'int', default: '1' },
  { name: 'replica.fetch.max.bytes', type: 'int', default: '1048576', min: 0 },
  { name: 'replica.fetch.response.max.bytes', type: 'int', default: '10485760', min: 0 },
  { name: 'replica.fetch.backoff.ms', type: 'int', default: '1000', min: 0 },
  { name: 'replica.socket.timeout.ms', type: 'int', default: '30000' },
  // Replication throttles (src/broker/replication-throttles.ts). The rates count only as dynamic
  // configs (this broker's, else the cluster default), as in Kafka, where they are not static settings.
  { name: 'leader.replication.throttled.rate', type: 'long', default: LONG_MAX, min: 0, dynamic: true },
  { name: 'follower.replication.throttled.rate', type: 'long', default: LONG_MAX, min: 0, dynamic: true },
  // The rate is measured over this many windows of this length (ReplicationQuotaManagerConfig).
  { name: 'replication.quota.window.num', type: 'int', default: '11', min: 1 },
  { name: 'replication.quota.window.size.seconds', type: 'int', default: '1', min: 1 },
  // Moving replicas between log directories (src/broker/log-dir-mover.ts): the copy's bound,
  // dynamic only as in Kafka, and the windows its rate is measured over.
  { name: 'replica.alter.log.dirs.io.max.bytes.per.second', type: 'long', default: LONG_MAX, min: 0, dynamic: true },
  { name: 'alter.log.dirs.replication.quota.window.num', type: 'int', default: '11', min: 1 },
  { name: 'alter.log.dirs.replication.quota.window.size.seconds', type: 'int', default: '1', min: 1 },
  // Client quotas (src/broker/quotas/): rates measured over this many windows of this length.
  { name: 'quota.window.num', type: 'int', default: '11', min: 1 },
  { name: 'quota.window.size.seconds', type: 'int', default: '1', min: 1 },
  // KIP-392: the leader's choice of the replica a consumer (Fetch v11+, rack_id) reads from.
  { name: 'replica.selector.class', type: 'string', default: null },
  { name: 'controlled.shutdown.enable', type: 'boolean', default: 'true' },
  // The controller's preferred leader election (src/cluster/leader-rebalance.ts).
  { name: 'auto.leader.rebalance.enable', type: 'boolean', default: 'true' },
  { name: 'leader.imbalance.check.interval.seconds', type: 'long', default: '300', min: 1 },
  // The lease of a broker's registration in etcd: a broker silent this long is dropped from
  // the cluster and fences itself (KRaft's broker.session.timeout.ms; etcd leases count seconds,
  // so it is rounded up to whole seconds).
  { name: 'broker.session.timeout.ms', type: 'int', default: '9000' },
  // Millrace's own: where the cluster metadata lives (unset: the log directory of a single
  // node; etcd://h1:2379,h2:2379 for a cluster). MILLRACE_METADATA_STORE sets it too.
  { name: 'metadata.store', type: 'string', default: null, validator: metadataStoreValidator },
  // Authorization (src/security/authorizer/): Kafka 4.x has one ACL authorizer class.
  { name: 'authorizer.class.name', type: 'string', default: '', validator: authorizerClassValidator },
  { name: 'super.users', type: 'string', default: null },
  { name: 'allow.everyone.if.no.acl.found', type: 'boolean', default: 'false' },
  // The HTTP console (src/console/): /metrics, /health, /ready; empty turns it off.
  { name: 'console.listeners', type: 'list', default: 'http://127.0.0.1:8080', validator: consoleListenersValidator },
];

export const BROKER_CONFIGS: ReadonlyMap<string, ConfigDef> = new Map(defs.map((d) => [d.name, d]));

/**
 * Kafka's broker-side synonyms of a broker setting (DynamicBrokerConfig.brokerConfigSynonyms),
 * from the topic config table: the setting that supplies a topic config's default first, and
 * those giving the same default in other units (log.retention.hours), have all of that topic
 * config's broker synonyms; any other setting only itself (log.flush.scheduler.interval.ms is a
 * setting of its own that flush.ms merely falls back on).
 */
const BROKER_SYNONYM_GROUPS: ReadonlyMap<string, readonly string[]> = new Map(
  [...TOPIC_CONFIGS.values()].flatMap((def) => {
    const names = def.synonyms.map((s) => s.name);
    return def.synonyms.filter((s, i) => i === 0 || s.scale !== undefined).map((s) => [s.name, names] as const);
  }),
);

export function brokerConfigSynonyms(name: string): string[] {
  return [...(BROKER_SYNONYM_GROUPS.get(name) ?? [name])];
}

/**
 * Kafka settings that have no effect in Millrace (thread pools, KRaft controller quorum,
 * JVM-specific tuning). They are accepted so a Kafka server.properties works unchanged, and
 * listed once at start-up so nobody believes they are honoured.
 */
export const IGNORED_KAFKA_CONFIGS: ReadonlySet<string> = new Set([
  'process.roles',
  'controller.quorum.voters',
  'controller.quorum.bootstrap.servers',
  'controller.listener.names',
  'num.network.threads',
  'num.io.threads',
  'num.recovery.threads.per.data.dir',
  'num.replica.fetchers',
  'background.threads',
  'socket.send.buffer.bytes',
  'socket.receive.buffer.bytes',
  'log.cleaner.threads',
  'group.coordinator.rebalance.protocols',
  'share.coordinator.state.topic.replication.factor',
  'share.coordinator.state.topic.min.isr',
  'metadata.log.dir',
  'zookeeper.connect',
]);
