/**
 * The body of the hand-run soaks (cluster-soak.ts on Millrace, kafka-soak.ts on Apache Kafka):
 * `--cycles N` fault cycles (fault-run.ts) on one cluster in `--keep DIR` (else a temp dir,
 * removed after), then the checker's figures as JSON on stdout, every duplicate listed with the
 * producer id, epoch and sequence of both copies; progress on stderr. Exit code 1 when a count
 * that must be 0 is not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MUST_BE_ZERO } from './fault-checker.js';
import { runFaultCycles, type FaultTarget } from './fault-run.js';

export async function soakMain(system: string, startCluster?: (dir: string) => Promise<FaultTarget>): Promise<void> {
  const { values } = parseArgs({ options: { cycles: { type: 'string', default: '100' }, keep: { type: 'string' } } });
  const cycles = Number(values.cycles);
  if (!Number.isInteger(cycles) || cycles < 1) throw new Error(`--cycles: a positive integer, got ${values.cycles}`);
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), `${system}-soak-`));
  try {
    const r = await runFaultCycles({
      dir, cycles, ...(startCluster === undefined ? {} : { startCluster }),
      log: (l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`),
    });
    const byFault: Record<string, { count: number; avgMs: number }> = {};
    for (const c of r.cycles) {
      const f = (byFault[c.fault] ??= { count: 0, avgMs: 0 });
      f.avgMs = (f.avgMs * f.count + c.ms) / (f.count + 1);
      f.count++;
    }
    for (const f of Object.values(byFault)) f.avgMs = Math.round(f.avgMs);
    process.stdout.write(`${JSON.stringify({
      system, cycles: r.cycles.length, seconds: Math.round(r.ms / 1000), byFault, total: r.report.total, partitions: r.report.partitions,
      workload: r.workload, details: r.report.details, duplicates: r.report.duplicates,
    }, null, 2)}\n`);
    process.exitCode = MUST_BE_ZERO.some((k) => r.report.total[k] !== 0) ? 1 : 0;
  } finally {
    if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
