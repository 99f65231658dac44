/**
 * The protocol read-back suite (protocol-readback-suite.ts) against the Millrace broker, embedded
 * in this process: our batches, every codec, stored byte for byte and read back by every client.
 * protocol-readback.test.ts runs the same suite against Apache Kafka.
 */
import { protocolReadbackSuite } from './protocol-readback-suite.js';

protocolReadbackSuite({ kind: 'millrace' });
