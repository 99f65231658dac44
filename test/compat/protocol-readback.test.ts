/**
 * Issue 3's last proof, through Apache Kafka 4.4.0: record batches that OUR encoder builds and
 * compresses are accepted by a real broker and read back, record for record, by clients we did
 * not write (protocol-readback-suite.ts says how). MILLRACE_COMPAT_TARGET or
 * MILLRACE_COMPAT_BOOTSTRAP points it at another broker (setup/target.ts);
 * broker-protocol-readback.test.ts runs the same suite against the Millrace broker.
 */
import { protocolReadbackSuite } from './protocol-readback-suite.js';

protocolReadbackSuite();
