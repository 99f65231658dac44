// DescribeLogDirs (key 35), versions 1-5 (Kafka 4.0 removed 0). Every log directory with the
// partitions it holds (all, or those asked for), their sizes and offset lag; v2 is flexible,
// v3 adds a top-level error code, v4 the directory's total and usable bytes, v5 whether the
// directory is cordoned (KIP-1066: `cordoned.log.dirs`), which, as in Kafka's ReplicaManager,
// is reported only once metadata.version is 4.3-IV0 or above. A partition being moved between
// directories (AlterReplicaLogDirs) shows twice: its current log, and its future log with
// isFuture set and its lag behind the current one.
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { DescribeLogDirsResult, DescribeLogDirsTopic } from '../../protocol/generated/describe-log-dirs-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import { cordonedLogDirsSupported } from '../../cluster/features.js';
import { authorizeCluster } from '../authorize.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { defineHandler } from './handler.js';

async function space(dir: string): Promise<{ total: bigint; usable: bigint }> {
  try {
    const s = await statfs(dir, { bigint: true });
    return { total: s.blocks * s.bsize, usable: s.bavail * s.bsize };
  } catch {
    return { total: -1n, usable: -1n };
  }
}

function addLog(byDir: Map<string, Map<string, DescribeLogDirsTopic>>, wanted: Set<string> | null, log: PartitionLog, isFuture: boolean, offsetLag: bigint): void {
  if (wanted !== null && !wanted.has(`${log.topic}\u0000${log.partition}`)) return;
  const topics = byDir.get(path.resolve(path.dirname(log.dir)));
  if (topics === undefined) return;
  let t = topics.get(log.topic);
  if (t === undefined) {
    t = { name: log.topic, partitions: [] };
    topics.set(log.topic, t);
  }
  t.partitions.push({ partitionIndex: log.partition, partitionSize: BigInt(log.size), offsetLag, isFutureKey: isFuture });
}

export const describeLogDirsHandler = defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 1,
  maxVersion: 5,
  async handle(request, info, broker) {
    // DESCRIBE on the cluster, else nothing (v3+ say why).
    if (!authorizeCluster(broker, info, AclOperation.Describe)) return { throttleTimeMs: 0, errorCode: info.apiVersion >= 3 ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : ErrorCode.NONE, results: [] };
    let wanted: Set<string> | null = null;
    if (request.topics !== null) {
      wanted = new Set();
      for (const t of request.topics) for (const p of t.partitions) wanted.add(`${t.topic}\u0000${p}`);
    }
    // Directory → topic → partitions.
    const byDir = new Map<string, Map<string, DescribeLogDirsTopic>>();
    const dirs = broker.logs.config['log.dirs'].map((d) => path.resolve(d));
    for (const d of dirs) byDir.set(d, new Map());
    // Current logs, then future ones (a partition moving between directories, KIP-113).
    for (const log of broker.logs.allLogs()) addLog(byDir, wanted, log, false, BigInt(Math.max(log.highWatermark - log.logEndOffset, 0)));
    for (const future of broker.logs.futures.logs.values()) {
      // ReplicaManager.getLogEndOffsetLag: how far the future log is behind the current one.
      const current = broker.logs.getLog(future.topic, future.partition);
      addLog(byDir, wanted, future, true, current === undefined ? -1n : BigInt(current.logEndOffset - future.logEndOffset));
    }
    const results: DescribeLogDirsResult[] = [];
    const cordoning = cordonedLogDirsSupported(broker.metadata.finalizedFeatures());
    for (const [dir, topics] of byDir) {
      const { total, usable } = info.apiVersion >= 4 ? await space(dir) : { total: -1n, usable: -1n };
      results.push({ errorCode: ErrorCode.NONE, logDir: dir, topics: [...topics.values()], totalBytes: total, usableBytes: usable, isCordoned: cordoning && broker.logs.isCordoned(dir) });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
});
