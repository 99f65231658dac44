// DescribeCluster (key 60), versions 0-2 (all flexible). v1 adds endpoint_type: a broker
// listener answers BROKER (1) requests and refuses CONTROLLER (2) ones with
// MISMATCHED_ENDPOINT_TYPE (unknown types: UNSUPPORTED_ENDPOINT_TYPE; INVALID_REQUEST at v0).
// v2 adds include_fenced_brokers and each broker's is_fenced (never true here).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { DescribeClusterResponse } from '../../protocol/generated/describe-cluster-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { brokersOn, clusterAuthorizedOperations, UNKNOWN_AUTHORIZED_OPERATIONS } from './common.js';
import { defineHandler } from './handler.js';

const BROKER_ENDPOINT = 1;
const CONTROLLER_ENDPOINT = 2;

function refusal(errorCode: number, errorMessage: string): DescribeClusterResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    endpointType: BROKER_ENDPOINT,
    clusterId: '',
    controllerId: -1,
    brokers: [],
    clusterAuthorizedOperations: UNKNOWN_AUTHORIZED_OPERATIONS,
  };
}

export const describeClusterHandler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 2,
  handle(request, info, broker) {
    const v = info.apiVersion;
    const type = request.endpointType;
    if (type !== BROKER_ENDPOINT && type !== CONTROLLER_ENDPOINT) {
      return refusal(v === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${type}`);
    }
    if (type === CONTROLLER_ENDPOINT) {
      return refusal(
        v === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
      );
    }
    const brokers = brokersOn(broker, info.listenerName).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack, isFenced: false }));
    const controllerId = broker.metadata.controllerId;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: BROKER_ENDPOINT,
      clusterId: broker.metadata.clusterId,
      controllerId: brokers.some((b) => b.brokerId === controllerId) ? controllerId : -1,
      brokers,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(broker, info) : UNKNOWN_AUTHORIZED_OPERATIONS,
    };
  },
});
