/** Runs the fuzz loop in a worker thread so that fuzz-decoders.ts can watch it for hangs. */
import { parentPort, workerData } from 'node:worker_threads';
import { runFuzz, type FuzzOptions } from './core.js';

interface WorkerInput {
  options: Omit<FuzzOptions, 'progress' | 'onProgress' | 'corpus'>;
  progress: SharedArrayBuffer;
}

const input = workerData as WorkerInput;
const report = await runFuzz({
  ...input.options,
  progress: new Int32Array(input.progress),
  onProgress: (done, current) => {
    const r = current();
    parentPort!.postMessage({ type: 'progress', done, inputsPerSec: r.inputsPerSec, failures: r.failures.length, maxRss: r.memory.maxRssBytes });
  },
});
parentPort!.postMessage({ type: 'report', report });
