/**
 * The topic config table: every topic-level config Kafka 4.4 knows (LogConfig / TopicConfig),
 * defined once with its type, default, validation and the broker settings that supply its
 * default (ServerTopicConfigSynonyms), in Kafka's order of precedence; bounds as LogConfig's
 * ConfigDef has them in 4.4.0 (segment.bytes at least 1 MiB since KIP-1030). The storage
 * layer's LogConfig, the broker settings that supply topic defaults, and DescribeConfigs and
 * AlterConfigs all derive from it. The documentation strings are Millrace's own short
 * summaries. Kafka's internal `internal.segment.bytes` (for its own tests) is not accepted.
 */
import { atLeast, between, gzipLevel, listOf, oneOf, throttledReplicas, type KafkaConfigType, type Validator } from '../common/config-def.js';

const LONG_MAX = '9223372036854775807';

/** A broker setting that supplies a topic config's default; `scale` converts hours/minutes to ms. */
export interface TopicConfigSynonym {
  readonly name: string;
  readonly scale?: number;
}

export interface TopicConfigDef {
  readonly name: string;
  readonly type: KafkaConfigType;
  /** Kafka's default, as DescribeConfigs prints it. */
  readonly default: string;
  readonly validator?: Validator;
  /** Broker settings supplying the default, highest precedence first. */
  readonly synonyms: readonly TopicConfigSynonym[];
  readonly doc: string;
}

const HOURS = 3_600_000;
const MINUTES = 60_000;

const same = (name: string): TopicConfigSynonym[] => [{ name }];

const defs: TopicConfigDef[] = [
  {
    name: 'cleanup.policy', type: 'LIST', default: 'delete', validator: listOf('compact', 'delete'), synonyms: same('log.cleanup.policy'),
    doc: 'What happens to old data: "delete" removes whole segments once they pass the retention limits, "compact" keeps only the latest record for each key; both may be given.',
  },
  {
    name: 'compression.gzip.level', type: 'INT', default: '-1', validator: gzipLevel, synonyms: same('compression.gzip.level'),
    doc: 'Level used when compression.type is gzip: 1 (fastest) to 9 (smallest), or -1 for the codec\'s default.',
  },
  {
    name: 'compression.lz4.level', type: 'INT', default: '9', validator: between(1, 17), synonyms: same('compression.lz4.level'),
    doc: 'Level used when compression.type is lz4, from 1 to 17.',
  },
  {
    name: 'compression.type', type: 'STRING', default: 'producer', validator: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'), synonyms: same('compression.type'),
    doc: 'Codec the broker stores batches with: gzip, snappy, lz4, zstd, uncompressed, or producer to keep whatever the producer sent.',
  },
  {
    name: 'compression.zstd.level', type: 'INT', default: '3', validator: between(-131072, 22), synonyms: same('compression.zstd.level'),
    doc: 'Level used when compression.type is zstd, from -131072 to 22.',
  },
  {
    name: 'delete.retention.ms', type: 'LONG', default: '86400000', validator: atLeast(0), synonyms: same('log.cleaner.delete.retention.ms'),
    doc: 'How long a compacted topic keeps tombstones (null-value records), which bounds how long a consumer reading from the start may take and still see deletes.',
  },
  {
    name: 'errors.deadletterqueue.group.enable', type: 'BOOLEAN', default: 'false', synonyms: [],
    doc: 'Whether share groups may write records they give up on to this topic as their dead-letter queue (KIP-1191); a DLQ topic the broker creates has it set.',
  },
  {
    name: 'file.delete.delay.ms', type: 'LONG', default: '60000', validator: atLeast(0), synonyms: same('log.segment.delete.delay.ms'),
    doc: 'Delay between a segment being scheduled for deletion and its files being removed from disk.',
  },
  {
    name: 'flush.messages', type: 'LONG', default: LONG_MAX, validator: atLeast(1), synonyms: same('log.flush.interval.messages'),
    doc: 'Force an fsync after this many records have been appended; by default durability comes from replication and the operating system\'s own flushing.',
  },
  {
    name: 'flush.ms', type: 'LONG', default: LONG_MAX, validator: atLeast(0), synonyms: [{ name: 'log.flush.interval.ms' }, { name: 'log.flush.scheduler.interval.ms' }],
    doc: 'Force an fsync when this much time has passed since the last one.',
  },
  {
    name: 'follower.replication.throttled.replicas', type: 'LIST', default: '', validator: throttledReplicas, synonyms: [],
    doc: 'Replicas whose replication is throttled on the follower side, as partitionId:brokerId pairs, or * for all.',
  },
  {
    name: 'index.interval.bytes', type: 'INT', default: '4096', validator: atLeast(0), synonyms: same('log.index.interval.bytes'),
    doc: 'Bytes of records between two entries of the offset index; smaller means a larger index and shorter scans.',
  },
  {
    name: 'leader.replication.throttled.replicas', type: 'LIST', default: '', validator: throttledReplicas, synonyms: [],
    doc: 'Replicas whose replication is throttled on the leader side, as partitionId:brokerId pairs, or * for all.',
  },
  {
    name: 'local.retention.bytes', type: 'LONG', default: '-2', validator: atLeast(-2), synonyms: same('log.local.retention.bytes'),
    doc: 'With tiered storage, the most bytes kept on local disk per partition; -2 means use retention.bytes.',
  },
  {
    name: 'local.retention.ms', type: 'LONG', default: '-2', validator: atLeast(-2), synonyms: same('log.local.retention.ms'),
    doc: 'With tiered storage, how long segments stay on local disk; -2 means use retention.ms.',
  },
  {
    name: 'max.compaction.lag.ms', type: 'LONG', default: LONG_MAX, validator: atLeast(1), synonyms: same('log.cleaner.max.compaction.lag.ms'),
    doc: 'Longest time a record may stay uncompacted in a compacted topic.',
  },
  {
    name: 'max.decompressed.message.bytes', type: 'INT', default: '2147483639', validator: between(1, 2147483639), synonyms: same('max.decompressed.message.bytes'),
    doc: 'Largest size a compressed record batch may expand to when the broker decompresses it.',
  },
  {
    name: 'max.message.bytes', type: 'INT', default: '1048588', validator: atLeast(0), synonyms: same('message.max.bytes'),
    doc: 'Largest record batch the topic accepts, after compression.',
  },
  {
    name: 'message.timestamp.after.max.ms', type: 'LONG', default: '3600000', validator: atLeast(0), synonyms: same('log.message.timestamp.after.max.ms'),
    doc: 'With CreateTime, how far in the future (relative to the broker clock) a record timestamp may be before the batch is rejected.',
  },
  {
    name: 'message.timestamp.before.max.ms', type: 'LONG', default: LONG_MAX, validator: atLeast(0), synonyms: same('log.message.timestamp.before.max.ms'),
    doc: 'With CreateTime, how far in the past (relative to the broker clock) a record timestamp may be before the batch is rejected.',
  },
  {
    name: 'message.timestamp.type', type: 'STRING', default: 'CreateTime', validator: oneOf('CreateTime', 'LogAppendTime'), synonyms: same('log.message.timestamp.type'),
    doc: 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s time of append (LogAppendTime).',
  },
  {
    name: 'min.cleanable.dirty.ratio', type: 'DOUBLE', default: '0.5', validator: between(0, 1, 'double'), synonyms: same('log.cleaner.min.cleanable.ratio'),
    doc: 'Share of a compacted log that must be uncompacted before the cleaner works on it.',
  },
  {
    name: 'min.compaction.lag.ms', type: 'LONG', default: '0', validator: atLeast(0), synonyms: same('log.cleaner.min.compaction.lag.ms'),
    doc: 'Shortest time a record stays uncompacted in a compacted topic.',
  },
  {
    name: 'min.insync.replicas', type: 'INT', default: '1', validator: atLeast(1), synonyms: same('min.insync.replicas'),
    doc: 'With acks=all, how many in-sync replicas must have a write before it is acknowledged.',
  },
  {
    name: 'preallocate', type: 'BOOLEAN', default: 'false', synonyms: same('log.preallocate'),
    doc: 'Whether a new segment file is allocated at its full size on creation.',
  },
  {
    name: 'remote.copy.lag.bytes', type: 'LONG', default: '-1', validator: atLeast(-1), synonyms: same('log.remote.copy.lag.bytes'),
    doc: 'With tiered storage, how many bytes of rolled segments may wait locally before they are copied to remote storage; -1 means no limit.',
  },
  {
    name: 'remote.copy.lag.ms', type: 'LONG', default: '0', validator: atLeast(-1), synonyms: same('log.remote.copy.lag.ms'),
    doc: 'With tiered storage, how long a rolled segment may wait locally before it is copied to remote storage; -1 means no limit.',
  },
  {
    name: 'remote.log.copy.disable', type: 'BOOLEAN', default: 'false', synonyms: [],
    doc: 'With tiered storage, stop copying new segments to remote storage and keep the remote data read-only.',
  },
  {
    name: 'remote.log.delete.on.disable', type: 'BOOLEAN', default: 'false', synonyms: [],
    doc: 'With tiered storage, delete the remote data when remote.storage.enable is turned off.',
  },
  {
    name: 'remote.storage.enable', type: 'BOOLEAN', default: 'false', synonyms: [],
    doc: 'Whether the topic uses tiered storage (not available in Millrace).',
  },
  {
    name: 'retention.bytes', type: 'LONG', default: '-1', synonyms: same('log.retention.bytes'),
    doc: 'Largest size a partition may reach before its oldest segments are deleted under the delete policy; -1 means no size limit.',
  },
  {
    name: 'retention.ms', type: 'LONG', default: '604800000', validator: atLeast(-1),
    synonyms: [{ name: 'log.retention.ms' }, { name: 'log.retention.minutes', scale: MINUTES }, { name: 'log.retention.hours', scale: HOURS }],
    doc: 'How long records are kept before their segment is deleted under the delete policy; -1 means no time limit.',
  },
  {
    name: 'segment.bytes', type: 'INT', default: '1073741824', validator: atLeast(1024 * 1024), synonyms: same('log.segment.bytes'),
    doc: 'Size at which the active segment file is closed and a new one started.',
  },
  {
    name: 'segment.index.bytes', type: 'INT', default: '10485760', validator: atLeast(4), synonyms: same('log.index.size.max.bytes'),
    doc: 'Largest size of a segment\'s offset index; a full index starts a new segment.',
  },
  {
    name: 'segment.jitter.ms', type: 'LONG', default: '0', validator: atLeast(0), synonyms: [{ name: 'log.roll.jitter.ms' }, { name: 'log.roll.jitter.hours', scale: HOURS }],
    doc: 'Largest random amount taken off segment.ms per segment, so that many partitions do not roll at once.',
  },
  {
    name: 'segment.ms', type: 'LONG', default: '604800000', validator: atLeast(1), synonyms: [{ name: 'log.roll.ms' }, { name: 'log.roll.hours', scale: HOURS }],
    doc: 'Age at which the active segment is closed even if not full, so that retention and compaction can act on it.',
  },
  {
    name: 'unclean.leader.election.enable', type: 'BOOLEAN', default: 'false', synonyms: same('unclean.leader.election.enable'),
    doc: 'Whether a replica outside the in-sync set may become leader when no in-sync replica is left, at the risk of losing data.',
  },
];

/** Topic configs by name, in Kafka's (alphabetical) order. */
export const TOPIC_CONFIGS: ReadonlyMap<string, TopicConfigDef> = new Map(defs.map((d) => [d.name, d]));
