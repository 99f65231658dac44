/**
 * A lock folder per installer, so that compat test files running in parallel (node --test runs
 * files in separate processes) install each thing once. A lock whose owner process is gone
 * is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheDir } from './paths.js';

function ownerAlive(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
  } catch {
    return true; // being created right now
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(cacheDir, 'locks', `${name}.lock`);
  mkdirSync(path.dirname(dir), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (attempt > 0 && attempt % 10 === 0 && !ownerAlive(dir)) rmSync(dir, { recursive: true, force: true });
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
