// Issue 14's fault test: three broker processes on etcd, each in its own network namespace,
// under kcat, the Java client, kafkajs and confluent-kafka producing with acks=all and
// idempotence and two consumer groups (Java, confluent-kafka), through 10 faults in two runs
// of 5 (kill -9 of a partition leader, SIGSTOP past the lag time or the session, a broker cut
// off from the others), each run on its own cluster. The checker's counts must all be 0
// (fault-checker.ts says what each means); fault-run.ts says what each cycle does, and
// cluster-soak.ts runs 100 cycles by hand. Needs root (network namespaces): as root it installs
// etcd-server, kcat, python3-confluent-kafka and the Java client when missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MUST_BE_ZERO } from './fault-checker.js';
import { runFaultCycles } from './fault-run.js';

for (const firstCycle of [0, 5]) {
  test(`cluster faults, cycles ${firstCycle}-${firstCycle + 4}: nothing acknowledged is lost, duplicated, reordered; replicas agree; one leader per epoch`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-faults-'));
    try {
      const r = await runFaultCycles({ dir, cycles: 5, firstCycle, log: (l) => t.diagnostic(l) });
      t.diagnostic(JSON.stringify({ total: r.report.total, workload: r.workload, ms: r.ms }));
      for (const d of r.report.details) t.diagnostic(d);
      assert.equal(r.cycles.length, 5);
      for (const c of ['java', 'kafkajs', 'confluent', 'kcat']) assert.ok((r.workload.acked[c] ?? 0) > 0, `${c} had records acknowledged`);
      assert.ok(r.report.total.stored > 0);
      const nonZero = Object.fromEntries(MUST_BE_ZERO.map((k) => [k, r.report.total[k]]).filter(([, v]) => v !== 0));
      assert.deepEqual(nonZero, {}, r.report.details.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
