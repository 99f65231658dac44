// AlterConfigs (key 33), versions 0-2. Replaces the whole set of dynamic configs of a topic,
// of this broker (by id), of the cluster-wide broker defaults (''), of a group or of a client
// metrics subscription; v1 is v0, v2 is flexible. validate_only checks without applying. BROKER_LOGGER is not accepted here (use
// IncrementalAlterConfigs), as in Kafka.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { alterConfigs } from '../config-admin/alter.js';
import { defineHandler } from './handler.js';

export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, info, broker) {
    return { throttleTimeMs: 0, responses: await alterConfigs(broker, request.resources, false, request.validateOnly, info) };
  },
});
