import type { ApiHandler } from './handler.js';
import { apiVersionsHandler } from './api-versions.js';
import { metadataHandler } from './metadata.js';
import { deleteRecordsHandler } from './delete-records.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { produceHandler } from './produce.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { describeProducersHandler } from './describe-producers.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { createPartitionsHandler } from './create-partitions.js';
import { describeConfigsHandler } from './describe-configs.js';
import { alterConfigsHandler } from './alter-configs.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeTopicPartitionsHandler } from './describe-topic-partitions.js';

/** Every API this broker serves; ApiVersions advertises exactly these. */
export const ALL_HANDLERS: readonly ApiHandler[] = [apiVersionsHandler, metadataHandler, produceHandler, initProducerIdHandler, describeProducersHandler, fetchHandler, listOffsetsHandler, offsetForLeaderEpochHandler, deleteRecordsHandler, createTopicsHandler, deleteTopicsHandler, createPartitionsHandler, describeConfigsHandler, alterConfigsHandler, incrementalAlterConfigsHandler, describeLogDirsHandler, describeClusterHandler, describeTopicPartitionsHandler] as readonly ApiHandler[];
