// Child process of the storage crash harness: appends batches to a real log until killed,
// printing `ack <first> <last> <seq>` once each append is acknowledged (written, or fsynced in
// fsync mode). Runs only when MILLRACE_STORAGE_CRASH_CHILD=1 (the test runner also loads this
// file, as it loads every file under dist/test).
import { LogManager } from '../../src/storage/log-manager.js';
import { silentLogger } from '../../src/storage/logger.js';
import { makeBatch } from '../storage/helpers.js';
import { MANAGER_CONFIG, TOPIC, batchRecords, crashLogConfig, type CrashMode } from './storage-crash-harness.js';

async function main(): Promise<void> {
  const dir = process.env['CRASH_DIR']!;
  const mode = process.env['CRASH_MODE'] as CrashMode;
  let seq = Number(process.env['CRASH_SEQ']);
  const m = LogManager.open({ config: { 'log.dirs': [dir], ...MANAGER_CONFIG }, defaultLogConfig: crashLogConfig(mode), logger: silentLogger });
  m.startup();
  const log = m.getOrCreateLog(TOPIC, 0);
  process.stdout.write(`ready ${log.logEndOffset}\n`);
  const inFlight = new Set<Promise<void>>();
  for (;;) {
    const s = seq++;
    const info = log.append(makeBatch(batchRecords(s).map((r) => ({ ...r, timestamp: Date.now() })), { producerId: 1000 + (s % 3), producerEpoch: 0, baseSequence: s }), { leaderEpoch: 1 });
    log.updateHighWatermark(log.logEndOffset);
    if (mode === 'fsync') {
      const p: Promise<void> = info.durable!.then(() => {
        process.stdout.write(`ack ${info.firstOffset} ${info.lastOffset} ${s}\n`);
        inFlight.delete(p);
      });
      inFlight.add(p);
      if (inFlight.size >= 8) await Promise.race(inFlight);
    } else {
      process.stdout.write(`ack ${info.firstOffset} ${info.lastOffset} ${s}\n`);
      if (s % 16 === 0) await new Promise((r) => setImmediate(r));
    }
  }
}

if (process.env['MILLRACE_STORAGE_CRASH_CHILD'] === '1') {
  main().catch((e: unknown) => {
    process.stderr.write(`crash child failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(3);
  });
}
