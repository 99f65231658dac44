// Header versions per API and version, and whole frames: header + body, size prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APIS, ApiKey, apiInfo, requestHeaderVersion, responseHeaderVersion,
  ApiVersionsResponse, MetadataRequest, MetadataResponse, ProduceRequest,
} from '../../../src/protocol/generated/index.js';
import {
  decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, UnsupportedRequestError,
} from '../../../src/protocol/header.js';
import { ProtocolDecodeError } from '../../../src/protocol/primitives/errors.js';

test('ApiVersions responses use header v0 at every version (KIP-511)', () => {
  const api = apiInfo(ApiKey.ApiVersions)!;
  for (let v = api.validVersions.lowest; v <= api.validVersions.highest; v++) {
    assert.equal(responseHeaderVersion(18, v), 0);
    assert.equal(api.responseHeaderVersions[v], 0);
  }
  assert.equal(requestHeaderVersion(18, 3), 2, 'its requests still use header v2 when flexible');
  assert.equal(requestHeaderVersion(18, 99), 2, 'also for versions newer than we know');
});

test('header versions follow the flexible versions', () => {
  assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
  assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
  assert.equal(responseHeaderVersion(ApiKey.Produce, 9), 1);
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 8), 0);
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1);
  assert.equal(requestHeaderVersion(7, 0), -1, 'ControlledShutdown (key 7, the one API with header v0) is gone since Kafka 4.0');
  assert.equal(requestHeaderVersion(999, 0), -1);
  for (const api of APIS) {
    for (let v = api.validVersions.lowest; v <= api.validVersions.highest; v++) {
      assert.equal(api.requestHeaderVersions[v], requestHeaderVersion(api.apiKey, v), `${api.name} v${v}`);
      assert.equal(api.responseHeaderVersions[v], responseHeaderVersion(api.apiKey, v), `${api.name} v${v}`);
    }
  }
});

test('the API table has every request/response pair with matching keys', () => {
  assert.ok(APIS.length >= 80);
  for (const api of APIS) {
    assert.equal(api.request.apiKey, api.apiKey);
    assert.equal(api.response.apiKey, api.apiKey);
    assert.equal(api.request.name, `${api.name}Request`);
    assert.equal(ApiKey[api.name as keyof typeof ApiKey], api.apiKey);
  }
  assert.equal(ApiKey.Produce, 0);
  assert.equal(ApiKey.Fetch, 1);
  assert.equal(ApiKey.ApiVersions, 18);
});

test('request frames round-trip at every version with the right header', () => {
  for (let v = 0; v <= 11; v++) {
    const body = { ...ProduceRequest.defaults(), acks: -1, timeoutMs: 1500 };
    const frame = encodeRequestFrame(ApiKey.Produce, v, { correlationId: 42, clientId: 'client-é' }, body);
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    const decoded = decodeRequestFrame(frame, { sizePrefixed: true });
    assert.equal(decoded.apiKey, 0);
    assert.equal(decoded.apiVersion, v);
    assert.equal(decoded.correlationId, 42);
    assert.equal(decoded.clientId, 'client-é');
    assert.equal(decoded.headerVersion, v >= 9 ? 2 : 1);
    assert.equal(decoded.end, frame.length);
    if (decoded.apiKey === ApiKey.Produce) {
      assert.equal(decoded.body.acks, -1);
      assert.equal(decoded.body.timeoutMs, 1500);
    }
    const bare = decodeRequestFrame(frame.subarray(4));
    assert.equal(bare.bodyOffset, decoded.bodyOffset - 4);
  }
});

test('a request frame from the bytes a client sends', () => {
  // ApiVersionsRequest v3 as kafka clients send it: header v2 (key 18, version 3, correlation 1,
  // client id "adminclient-1", no tagged fields), then software name and version.
  const frame = Buffer.from(
    '0012' + '0003' + '00000001' + '000d' + Buffer.from('adminclient-1').toString('hex') + '00' +
    '12' + Buffer.from('apache-kafka-java').toString('hex') + '06' + Buffer.from('3.9.0').toString('hex') + '00', 'hex');
  const req = decodeRequestFrame(frame);
  assert.equal(req.apiKey, 18);
  assert.equal(req.clientId, 'adminclient-1');
  if (req.apiKey === 18) {
    assert.equal(req.body.clientSoftwareName, 'apache-kafka-java');
    assert.equal(req.body.clientSoftwareVersion, '3.9.0');
  }
  assert.equal(req.end, frame.length);
});

test('response frames: one buffer with size, header and body', () => {
  const body = { ...MetadataResponse.defaults(), brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }] };
  for (const v of [8, 9, 12]) {
    const frame = encodeResponseFrame(ApiKey.Metadata, v, 77, body);
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    assert.equal(frame.readInt32BE(4), 77);
    // header v1 (v9+) adds an empty tagged-field section after the correlation id.
    const headerSize = v >= 9 ? 5 : 4;
    assert.ok(frame.subarray(4 + headerSize).equals(MetadataResponse.encode(body, v)));
    const decoded = decodeResponseFrame(frame, ApiKey.Metadata, v, { sizePrefixed: true });
    assert.equal(decoded.correlationId, 77);
    assert.equal(decoded.body.brokers[0]!.host, 'localhost');
  }
  const av = encodeResponseFrame(ApiKey.ApiVersions, 3, 5, ApiVersionsResponse.defaults());
  assert.ok(av.subarray(8).equals(ApiVersionsResponse.encode(ApiVersionsResponse.defaults(), 3)), 'header v0: just the correlation id');
});

test('unknown API keys and versions give UnsupportedRequestError with the correlation id', () => {
  const unknownKey = Buffer.from('7fff0000000000090000', 'hex');
  assert.throws(() => decodeRequestFrame(unknownKey), (e: unknown) =>
    e instanceof UnsupportedRequestError && e.reason === 'api-key' && e.correlationId === 9 && e.errorCode === 35);
  const future = encodeRequestFrame(ApiKey.Metadata, 12, { correlationId: 3, clientId: 'c' }, MetadataRequest.defaults());
  future.writeInt16BE(99, 6); // claim Metadata v99 (flexible, so the header is still v2)
  assert.throws(() => decodeRequestFrame(future, { sizePrefixed: true }), (e: unknown) =>
    e instanceof UnsupportedRequestError && e.reason === 'version' && e.correlationId === 3 &&
    e.apiKey === 3 && e.apiVersion === 99 && e.header?.clientId === 'c');
  assert.ok(new UnsupportedRequestError('x', 0, 1, 1, 'version', 1, null) instanceof ProtocolDecodeError);
});

test('malformed frames are ProtocolDecodeErrors', () => {
  const frame = encodeRequestFrame(ApiKey.Produce, 9, { correlationId: 1 }, ProduceRequest.defaults());
  assert.throws(() => decodeRequestFrame(frame.subarray(0, frame.length - 1), { sizePrefixed: true }), ProtocolDecodeError);
  for (let cut = 0; cut < frame.length - 4; cut++) {
    assert.throws(() => decodeRequestFrame(frame.subarray(4, 4 + cut)), ProtocolDecodeError, `cut at ${cut}`);
  }
});
