/**
 * The node processes of a fault cluster (Millrace brokers, or Kafka's brokers and controller)
 * by node id: started, killed with SIGKILL, paused with SIGSTOP and resumed. Both harnesses
 * (cluster-harness.ts, kafka-harness.ts) keep theirs here.
 */
import type { ChildProcess } from 'node:child_process';

interface NodeProcess {
  child: ChildProcess | null;
  exited: Promise<void>;
  paused: boolean;
}

export class NodeProcesses {
  private readonly nodes = new Map<number, NodeProcess>();

  /** Node `nodeId` runs as `child` (started again: the old process is forgotten). */
  add(nodeId: number, child: ChildProcess): void {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.nodes.set(nodeId, { child, exited, paused: false });
  }

  ids(): number[] {
    return [...this.nodes.keys()];
  }

  isRunning(nodeId: number): boolean {
    const n = this.nodes.get(nodeId);
    return n !== undefined && n.child !== null && n.child.exitCode === null && n.child.signalCode === null;
  }

  isPaused(nodeId: number): boolean {
    return this.nodes.get(nodeId)?.paused ?? false;
  }

  /** kill -9; resolves once the process is gone. False when there was none. */
  async kill9(nodeId: number): Promise<boolean> {
    const n = this.nodes.get(nodeId);
    if (n === undefined || n.child === null) return false;
    if (this.isRunning(nodeId)) n.child.kill('SIGKILL');
    await n.exited;
    n.child = null;
    n.paused = false;
    return true;
  }

  pause(nodeId: number): void {
    const n = this.nodes.get(nodeId)!;
    n.child!.kill('SIGSTOP');
    n.paused = true;
  }

  resume(nodeId: number): void {
    const n = this.nodes.get(nodeId)!;
    n.child!.kill('SIGCONT');
    n.paused = false;
  }
}
