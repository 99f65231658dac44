/**
 * The fault test's soak, run by hand (as root, after `npx tsc -p .`):
 *   node dist/test/faults/cluster-soak.js [--cycles 100] [--keep DIR]
 * One Millrace cluster through N fault cycles (fault-run.ts: kill -9 of a leader, SIGSTOP,
 * network cut, rotated), then the checker's figures as JSON on stdout; progress on stderr
 * (soak-main.ts). Exits 1 when a count that must be 0 is not. With
 * MILLRACE_FAULTS_RDKAFKA_DEBUG=eos,msg,protocol (librdkafka debug contexts) the confluent
 * producer's debug log goes to DIR/logs/confluent-producer.log.
 */
import { soakMain } from './soak-main.js';

await soakMain('millrace');
