import type { ApiHandler } from './handler.js';
import { apiVersionsHandler } from './api-versions.js';
import { metadataHandler } from './metadata.js';

/** Every API this broker serves; ApiVersions advertises exactly these. */
export const ALL_HANDLERS: readonly ApiHandler[] = [apiVersionsHandler, metadataHandler] as readonly ApiHandler[];
