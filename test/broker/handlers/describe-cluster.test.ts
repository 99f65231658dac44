import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { startTestBroker } from '../../helpers/test-broker.js';

test('DescribeCluster v0 (lowest) to v2 (highest): brokers, controller, cluster id and operations', async () => {
  const ab = await startTestBroker();
  try {
    const port = ab.broker.port;
    const v0 = await ab.client.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false });
    assert.deepEqual(v0, {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: 1,
      clusterId: ab.broker.metadata.clusterId,
      controllerId: 1,
      brokers: [{ brokerId: 1, host: '127.0.0.1', port, rack: null, isFenced: false }],
      clusterAuthorizedOperations: -2147483648,
    });
    const v2 = await ab.client.request(ApiKey.DescribeCluster, 2, { includeClusterAuthorizedOperations: true, endpointType: 1, includeFencedBrokers: true });
    // Without an authorizer every cluster operation but the token ones, as Kafka answers (8096).
    assert.equal(v2.clusterAuthorizedOperations, 8096);
    assert.deepEqual(v2.brokers.map((b) => b.isFenced), [false]);
  } finally {
    await ab.close();
  }
});

test('DescribeCluster v1 refuses controller and unknown endpoint types', async () => {
  const ab = await startTestBroker();
  try {
    const ctrl = await ab.client.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2, includeFencedBrokers: false });
    assert.deepEqual([ctrl.errorCode, ctrl.errorMessage, ctrl.clusterId, ctrl.controllerId, ctrl.brokers], [
      ErrorCode.MISMATCHED_ENDPOINT_TYPE, 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER', '', -1, [],
    ]);
    const bad = await ab.client.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 9, includeFencedBrokers: false });
    assert.deepEqual([bad.errorCode, bad.errorMessage], [ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, 'Unsupported endpoint type 9']);
  } finally {
    await ab.close();
  }
});
