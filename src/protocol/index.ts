export { ProtocolDecodeError, ProtocolEncodeError } from './primitives/errors.js';
export { Reader } from './primitives/reader.js';
export { Writer } from './primitives/writer.js';
