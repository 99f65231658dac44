// DescribeConfigs (key 32), versions 1-4 (Kafka 4.0 removed 0). v1 adds include_synonyms and
// each config's source; v3 adds include_documentation and config types; v4 is flexible.
// Resources: TOPIC, BROKER (this broker by id, or the cluster-wide dynamic defaults by ''),
// BROKER_LOGGER, CLIENT_METRICS and GROUP; a resource type Kafka does not know fails the
// whole request with INVALID_REQUEST, as in Kafka.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import { describeResource, isKnownResourceType } from '../config-admin/describe.js';
import { AclOperation } from '../../cluster/acls.js';
import { configResourceError } from '../authorize.js';
import { defineHandler } from './handler.js';

export const describeConfigsHandler = defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 1,
  maxVersion: 4,
  handle(request, info, broker) {
    if (request.resources.some((r) => !isKnownResourceType(r.resourceType))) {
      return {
        throttleTimeMs: 0,
        results: request.resources.map((r) => ({
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: errorMessage(ErrorCode.INVALID_REQUEST),
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: [],
        })),
      };
    }
    const opts = { includeSynonyms: request.includeSynonyms, includeDocumentation: info.apiVersion >= 3 && request.includeDocumentation };
    return {
      throttleTimeMs: 0,
      results: request.resources.map((r) => {
        // DESCRIBE_CONFIGS on the resource; a refused one is answered with nothing of its configs.
        const refused = configResourceError(broker, info, AclOperation.DescribeConfigs, r.resourceType, r.resourceName);
        if (refused === ErrorCode.NONE) return describeResource(broker, r, opts);
        return { errorCode: refused, errorMessage: errorMessage(refused), resourceType: r.resourceType, resourceName: r.resourceName, configs: [] };
      }),
    };
  },
});
