/**
 * The node processes of a fault cluster (Millrace brokers, or Kafka's brokers and controller)
 * by node id: started, killed with SIGKILL, paused with SIGSTOP and resumed. Both harnesses
 * (cluster-harness.ts, kafka-harness.ts) keep theirs here.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts a node process writing to the file descriptor `out`, in a session of its own (setsid):
 * a node in the harness's process group is killed by the kernel's SIGHUP of an orphaned process
 * group with a stopped member — what a SIGSTOP fault makes of a soak started in the background.
 */
export function spawnNode(command: string, args: readonly string[], out: number): ChildProcess {
  return spawn(command, args, { stdio: ['ignore', out, out], detached: true });
}

interface NodeProcess {
  child: ChildProcess | null;
  exited: Promise<void>;
  paused: boolean;
  /** How it ended ("signal SIGKILL", "code 1"), null while it runs. */
  ended: string | null;
}

export class NodeProcesses {
  private readonly nodes = new Map<number, NodeProcess>();

  /** Node `nodeId` runs as `child` (started again: the old process is forgotten). */
  add(nodeId: number, child: ChildProcess): void {
    const node: NodeProcess = { child, exited: Promise.resolve(), paused: false, ended: null };
    node.exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
      node.ended = signal !== null ? `signal ${signal}` : `code ${code}`;
      resolve();
    }));
    this.nodes.set(nodeId, node);
  }

  /** Each node's state, for a timeout's message: "1 running, 2 paused, 3 ended by signal SIGKILL". */
  describe(): string {
    return [...this.nodes].map(([id, n]) => `${id} ${n.ended !== null ? `ended by ${n.ended}` : n.paused ? 'paused' : 'running'}`).join(', ');
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
