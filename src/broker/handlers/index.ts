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

/** Every API this broker serves; ApiVersions advertises exactly these. */
export const ALL_HANDLERS: readonly ApiHandler[] = [apiVersionsHandler, metadataHandler, produceHandler, initProducerIdHandler, describeProducersHandler, fetchHandler, listOffsetsHandler, offsetForLeaderEpochHandler, deleteRecordsHandler] as readonly ApiHandler[];
