/**
 * Millrace's own small Kafka client: connections with version negotiation and pipelining,
 * routing to leaders and coordinators. It serves the `millrace` tools and `millrace perf`.
 */
export { BrokerConnection, type ApiKeyNumber, type ConnectionOptions } from './connection.js';
export { KafkaClient, CoordinatorType, parseHostPort, type BrokerNode, type ClientOptions } from './client.js';
export { KafkaConnectionError, KafkaResponseError, throwIfError } from './errors.js';
export { clientOptionsFromProperties, readClientProperties } from './properties.js';
export { Producer } from './producer.js';
export type { CompressionName, ProducerOptions, ProducerRecord, RecordMetadata, SendCallback } from './producer-types.js';
export { Fetcher, type AutoOffsetReset, type FetchedRecord, type FetcherOptions, type TopicPartitionOffset } from './fetcher.js';
export { listOffsets, listOffsetsDetailed, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP, type ListedOffset, type ListOffsetsOptions } from './offsets.js';
export { murmur2, partitionForKey, StickyPartitioner } from './partitioner.js';
export { alterPartitionReassignments, electLeaders, ElectionType, listPartitionReassignments, type ElectionOutcome, type ReassignmentOutcome } from './partition-admin.js';
export type { OngoingReassignment } from '../common/partition-reassignment.js';
export { Admin, ResourceType, type ConfigEntry, type GroupDescription, type ListedGroup, type TopicDescription } from './admin.js';
export { GroupMember, type GroupMemberOptions } from './group-member.js';
export { rangeAssign, roundRobinAssign, type TopicPartitionList } from './group-member-protocol.js';
