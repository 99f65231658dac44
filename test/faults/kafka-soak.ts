/**
 * The same soak on Apache Kafka 4.4.0, to compare with Millrace's (cluster-soak.ts): run by
 * hand, as root, after `npx tsc -p .`:
 *   node dist/test/faults/kafka-soak.js [--cycles 100] [--keep DIR]
 * Three Kafka brokers in network namespaces and a KRaft controller (kafka-harness.ts), the same
 * fault cycles, workload and checker (fault-run.ts); the figures as JSON on stdout. Not a
 * *.test.ts: npm test does not run it. MILLRACE_FAULTS_RDKAFKA_DEBUG works as for cluster-soak.
 */
import { KafkaFaultCluster } from './kafka-harness.js';
import { soakMain } from './soak-main.js';

await soakMain('kafka', (dir) => KafkaFaultCluster.start(dir));
