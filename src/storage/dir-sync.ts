/**
 * Durability of a partition directory's entries: every creation, rename or removal bumps a
 * version, and a sync fsyncs the directory only when the version moved since the last one
 * (a rolled segment must not vanish in a power cut once data in it is acknowledged). It
 * starts unsynced: entries made by a previous process may not be durable yet. A new
 * partition's own entry in the log directory is fsynced with its first sync.
 */
import path from 'node:path';
import type { StorageFs } from './fs/storage-fs.js';

export class DirectorySync {
  private version = 1;
  private synced = 0;
  private parentUnsynced = false;

  constructor(
    private readonly fs: StorageFs,
    private readonly dir: string,
  ) {}

  changed(): void {
    this.version++;
  }

  /** The directory itself was just created in its parent. */
  parentChanged(): void {
    this.parentUnsynced = true;
    this.version++;
  }

  async sync(): Promise<void> {
    const v = this.version;
    if (this.synced >= v) return;
    if (this.parentUnsynced) {
      await this.fs.fsyncDir(path.dirname(this.dir));
      this.parentUnsynced = false;
    }
    await this.fs.fsyncDir(this.dir);
    if (v > this.synced) this.synced = v;
  }

  syncSync(): void {
    const v = this.version;
    if (this.synced >= v) return;
    if (this.parentUnsynced) {
      this.fs.fsyncDirSync(path.dirname(this.dir));
      this.parentUnsynced = false;
    }
    this.fs.fsyncDirSync(this.dir);
    if (v > this.synced) this.synced = v;
  }
}
