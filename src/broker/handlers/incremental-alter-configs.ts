// IncrementalAlterConfigs (key 44), versions 0-1 (v1 is flexible). Per config: SET (0),
// DELETE (1) back to the default, APPEND (2) and SUBTRACT (3) for list configs. Resources:
// TOPIC, BROKER (this broker by id, or '' for the cluster-wide defaults), BROKER_LOGGER (the
// log level, until restart), GROUP and CLIENT_METRICS. validate_only checks without applying.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { alterConfigs } from '../config-admin/alter.js';
import { defineHandler } from './handler.js';

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, info, broker) {
    return { throttleTimeMs: 0, responses: await alterConfigs(broker, request.resources, true, request.validateOnly, info) };
  },
});
