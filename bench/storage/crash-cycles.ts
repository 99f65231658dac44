// Kill-and-reopen cycles for the storage layer at scale (the same harness as the 20-cycle
// test in `npm test`): a child appends to a real log and is killed with SIGKILL at random
// moments, then the log is reopened and checked. Prints a JSON summary.
//
//   npm run build && node dist/bench/storage/crash-cycles.js [cycles=500] [seed]
import { runCrashCycles } from '../../test/faults/storage-crash-harness.js';

const cycles = Number(process.argv[2] ?? 500);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
const stats = await runCrashCycles({
  cycles,
  seed,
  onCycle: (i, s) => {
    if ((i + 1) % 50 === 0) process.stderr.write(`${i + 1}/${cycles} cycles, ${s.ackedBatches} batches acknowledged, ${s.failures.length} failures\n`);
  },
});
process.stdout.write(JSON.stringify({ seed, ...stats }, null, 2) + '\n');
process.exit(stats.failures.length === 0 && stats.cycles === cycles ? 0 : 1);
