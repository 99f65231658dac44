import { ErrorCode } from '../protocol/generated/errors.js';
import { MetadataError, unknownTopic, type TopicMetadata } from './metadata.js';
import type { ImageChange, MetadataImage } from './metadata-image.js';
import { topicRefusal } from './controller.js';
import type { Clock, ClockTimer } from './kv/clock.js';

/** Tells whether a change settled the wait (having called resolve or reject) or not yet. */
export type WaitCheck<T> = (change: ImageChange | null, resolve: (v: T) => void, reject: (e: Error) => void) => boolean;

interface Waiter {
  check(change: ImageChange | null): boolean;
  fail(err: Error): void;
  timer: ClockTimer;
}

/**
 * The writes of a KvMetadataStore waiting for the watch to show their outcome. Each is checked
 * at once, then at every change the image applies, and fails with REQUEST_TIMED_OUT when no
 * change settles it within the request timeout (a cluster without a controller, say).
 */
export class ImageWaiters {
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  constructor(
    private readonly image: MetadataImage,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  wait<T>(what: string, check: WaitCheck<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, 'the metadata store is closed'));
      if (check(null, resolve, reject)) return;
      const waiter: Waiter = {
        check: (change) => check(change, resolve, reject),
        fail: reject,
        timer: this.clock.schedule(this.timeoutMs, () => {
          this.waiters.delete(waiter);
          reject(new MetadataError(ErrorCode.REQUEST_TIMED_OUT, `timed out after ${this.timeoutMs} ms ${what} (is a controller running?)`));
        }),
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves when the image has applied `revision`. */
  revision(revision: number): Promise<void> {
    return this.wait<void>(`metadata revision ${revision}`, (_change, resolve) => {
      if (this.image.revision < revision) return false;
      resolve();
      return true;
    });
  }

  /** Resolves with the topic once it has `partitions` partitions; the controller's refusal rejects. */
  topic(name: string, id: string, partitions: number, revision: number, what: string): Promise<TopicMetadata> {
    return this.wait<TopicMetadata>(what, (change, resolve, reject) => {
      for (const e of change?.topicErrors ?? []) {
        if (e.name === name && e.record.id === id) {
          const { code, message } = topicRefusal(e.record);
          reject(new MetadataError(code, message));
          return true;
        }
      }
      if (this.image.revision < revision) return false;
      const rec = this.image.topicRecords.get(name);
      if (rec === undefined || rec.record.id !== id) {
        reject(unknownTopic(name));
        return true;
      }
      if (rec.record.error !== undefined && rec.record.partitions < partitions) {
        reject(new MetadataError(rec.record.error.code, rec.record.error.message));
        return true;
      }
      const topic = this.image.topic(name);
      if (topic === undefined || topic.partitions.length < partitions) return false;
      resolve(topic);
      return true;
    });
  }

  /** Checks every waiter against a change the image has applied. */
  changed(change: ImageChange): void {
    for (const w of [...this.waiters]) {
      if (w.check(change)) {
        w.timer.cancel();
        this.waiters.delete(w);
      }
    }
  }

  /** Fails every waiter, and any later wait, with `reason`. */
  close(reason: string): void {
    this.closed = true;
    for (const w of this.waiters) {
      w.timer.cancel();
      w.fail(new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, reason));
    }
    this.waiters.clear();
  }
}
