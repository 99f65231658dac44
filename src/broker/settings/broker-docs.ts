/**
 * Short descriptions of the broker settings, in Millrace's own words, for DescribeConfigs
 * with include_documentation. Settings that supply a topic config's default are described
 * through that topic config.
 */
import { BROKER_CONFIGS } from './definitions.js';
import { TOPIC_CONFIGS } from '../../storage/topic-configs.js';

const DOCS: Readonly<Record<string, string>> = {
  'node.id': 'Id of this broker in the cluster.',
  'broker.rack': 'Rack (or zone) of this broker, used to spread replicas.',
  listeners: 'Addresses the broker listens on, as NAME://host:port.',
  'advertised.listeners': 'Addresses given to clients in metadata, when they differ from listeners.',
  'listener.security.protocol.map': 'Security protocol of each listener name.',
  'log.dirs': 'Directories holding the partition logs.',
  'log.dir': 'Directory holding the partition logs when log.dirs is not set.',
  'num.partitions': 'Partition count of topics created without one.',
  'default.replication.factor': 'Replication factor of topics created without one.',
  'auto.create.topics.enable': 'Whether a Metadata request for an unknown topic creates it.',
  'delete.topic.enable': 'Whether topics may be deleted.',
  'socket.request.max.bytes': 'Largest request the broker reads.',
  'connections.max.idle.ms': 'Idle time after which a connection is closed.',
  'max.connections': 'Most connections the broker accepts at once.',
  'queued.max.requests': 'Requests queued before the broker stops reading from connections.',
  'log.roll.hours': 'Default segment age before a roll, in hours, when log.roll.ms is not set.',
  'log.roll.jitter.hours': 'Default segment roll jitter, in hours, when log.roll.jitter.ms is not set.',
  'log.retention.minutes': 'Default retention in minutes, when log.retention.ms is not set.',
  'log.retention.hours': 'Default retention in hours, when neither log.retention.ms nor log.retention.minutes is set.',
  'log.retention.check.interval.ms': 'How often the broker looks for segments to delete under retention.',
  'log.flush.scheduler.interval.ms': 'How often the broker checks whether logs need a time-based flush.',
  'log.flush.offset.checkpoint.interval.ms': 'How often recovery points are written to disk.',
  'log.flush.start.offset.checkpoint.interval.ms': 'How often log start offsets are written to disk.',
  'log.cleaner.enable': 'Whether the log cleaner runs, compacting topics with cleanup.policy=compact.',
  'log.cleaner.backoff.ms': 'Pause of the log cleaner when there is nothing to clean.',
  'log.cleaner.dedupe.buffer.size': 'Memory the log cleaner uses to index keys.',
  'log.cleaner.io.buffer.size': 'Memory the log cleaner uses for reading and writing.',
  'replica.high.watermark.checkpoint.interval.ms': 'How often high watermarks are written to disk.',
  'log.initial.task.delay.ms': 'Delay after start-up before periodic log tasks first run.',
  'millrace.log.max.open.files': 'Millrace: most segment files kept open at once.',
  'millrace.log.index.cache.bytes': 'Millrace: memory for the indexes of inactive segments.',
  'offsets.topic.num.partitions': 'Partition count of __consumer_offsets.',
  'offsets.topic.replication.factor': 'Replication factor of __consumer_offsets.',
  'offsets.topic.segment.bytes': 'Segment size of __consumer_offsets.',
  'offsets.retention.minutes': 'How long committed offsets of an empty group are kept.',
  'offsets.retention.check.interval.ms': 'How often expired offsets are looked for.',
  'offset.metadata.max.bytes': 'Largest metadata string a committed offset may carry.',
  'group.initial.rebalance.delay.ms': 'Wait before the first rebalance of a new classic group.',
  'group.min.session.timeout.ms': 'Shortest session timeout a classic group member may ask for.',
  'group.max.session.timeout.ms': 'Longest session timeout a classic group member may ask for.',
  'group.max.size': 'Most members a consumer group may have.',
  'transaction.state.log.num.partitions': 'Partition count of __transaction_state.',
  'transaction.state.log.replication.factor': 'Replication factor of __transaction_state.',
  'transaction.state.log.min.isr': 'min.insync.replicas of __transaction_state.',
  'transaction.max.timeout.ms': 'Longest transaction timeout a producer may ask for.',
  'transactional.id.expiration.ms': 'How long an idle transactional id is kept.',
  'producer.id.expiration.ms': 'How long the state of an idle producer id is kept.',
  'max.incremental.fetch.session.cache.slots': 'Most incremental fetch sessions kept.',
  'fetch.max.bytes': 'Most bytes one fetch response carries.',
  'replica.lag.time.max.ms': 'How long a follower may lag before it leaves the in-sync replicas.',
  'replica.fetch.wait.max.ms': 'Longest a follower\'s fetch waits at the leader for new data.',
  'replica.fetch.min.bytes': 'Bytes a follower\'s fetch waits for at the leader before it is answered.',
  'replica.fetch.max.bytes': 'Most bytes a follower fetches per partition in one request.',
  'replica.fetch.response.max.bytes': 'Most bytes of one response to a follower\'s fetch.',
  'replica.fetch.backoff.ms': 'How long a follower waits before fetching a partition again after an error.',
  'replica.socket.timeout.ms': 'How long a follower waits for the leader to answer a request.',
  'leader.replication.throttled.rate': 'Bytes per second a leader sends to throttled replicas out of the ISR (leader.replication.throttled.replicas); dynamic only.',
  'follower.replication.throttled.rate': 'Bytes per second a follower fetches for its throttled replicas out of the ISR (follower.replication.throttled.replicas); dynamic only.',
  'replication.quota.window.num': 'Samples kept to measure replication throttles\' byte rate.',
  'replication.quota.window.size.seconds': 'Length of each sample measuring replication throttles\' byte rate.',
  'replica.selector.class': 'Which replica a consumer with a rack (client.rack) fetches from: org.apache.kafka.common.replica.RackAwareReplicaSelector picks an in-sync replica in its rack; unset, always the leader.',
  'controlled.shutdown.enable': 'In a cluster, move leadership away and leave the ISRs before a broker stops.',
  'metadata.store': 'Millrace: where the cluster metadata lives: unset for the log directory of a single node, or etcd://host:port[,host:port...][/prefix].',
};

/** The description of a broker setting, or null when there is none. */
export function brokerDoc(name: string): string | null {
  const own = DOCS[name];
  if (own !== undefined) return own;
  const topicName = BROKER_CONFIGS.get(name)?.topicConfig;
  const topic = topicName === undefined ? undefined : TOPIC_CONFIGS.get(topicName);
  return topic === undefined ? null : `Default of the topic config ${topic.name}. ${topic.doc}`;
}
