export { ProtocolDecodeError, ProtocolEncodeError } from './primitives/errors.js';
export { Reader } from './primitives/reader.js';
export { Writer } from './primitives/writer.js';
export {
  EMPTY_BUFFER, ZERO_UUID, type MessageCodec, type TaggedField, type VersionRange,
} from './primitives/codec-helpers.js';
export * from './generated/index.js';
export {
  decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, UnsupportedRequestError,
  type DecodedRequest, type DecodedResponse, type FrameOptions, type RequestHeaderFields,
} from './header.js';
export * as records from './records/index.js';
export * as compression from './compression/index.js';
export { crc32c } from './crc32c.js';
