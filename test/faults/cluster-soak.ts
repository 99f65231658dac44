/**
 * The fault test's soak, run by hand (as root, after `npx tsc -p .`):
 *   node dist/test/faults/cluster-soak.js [--cycles 100] [--keep DIR]
 * One cluster through N fault cycles (fault-run.ts: kill -9 of a leader, SIGSTOP, network cut,
 * rotated), then the checker's figures as JSON on stdout; progress on stderr. Exits 1 when a
 * count that must be 0 is not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MUST_BE_ZERO } from './fault-checker.js';
import { runFaultCycles } from './fault-run.js';

const { values } = parseArgs({ options: { cycles: { type: 'string', default: '100' }, keep: { type: 'string' } } });
const cycles = Number(values.cycles);
if (!Number.isInteger(cycles) || cycles < 1) throw new Error(`--cycles: a positive integer, got ${values.cycles}`);
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'millrace-soak-'));
try {
  const r = await runFaultCycles({ dir, cycles, log: (l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`) });
  const byFault: Record<string, { count: number; avgMs: number }> = {};
  for (const c of r.cycles) {
    const f = (byFault[c.fault] ??= { count: 0, avgMs: 0 });
    f.avgMs = (f.avgMs * f.count + c.ms) / (f.count + 1);
    f.count++;
  }
  for (const f of Object.values(byFault)) f.avgMs = Math.round(f.avgMs);
  process.stdout.write(`${JSON.stringify({ cycles: r.cycles.length, seconds: Math.round(r.ms / 1000), byFault, total: r.report.total, partitions: r.report.partitions, workload: r.workload, details: r.report.details }, null, 2)}\n`);
  process.exitCode = MUST_BE_ZERO.some((k) => r.report.total[k] !== 0) ? 1 : 0;
} finally {
  if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });
}
