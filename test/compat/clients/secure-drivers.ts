/**
 * The secured-listener drivers' common ends: the Java SecureClient run (java/SecureClient.java)
 * and the reading of the JSON lines every secure driver prints ({"produced":N},
 * {"consumed":[...]}).
 */
import { runRaw, type RunResult } from '../setup/exec.js';
import { compileJavaDriver } from '../setup/java.js';

export interface SecureOutcome {
  produced: number;
  consumed: string[];
}

/** Runs SecureClient: COUNT records produced to TOPIC and read back, with the client properties in `propertiesFile`. */
export async function runJavaSecureClient(bootstrap: string, topic: string, count: number, propertiesFile: string, options: { pauseMs?: number; timeoutMs: number }): Promise<RunResult> {
  const classpath = await compileJavaDriver('java-secure', ['SecureClient.java'], 'the Java secure-client driver');
  const pause = options.pauseMs === undefined ? [] : [String(options.pauseMs)];
  return runRaw('java', ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'SecureClient', bootstrap, topic, String(count), propertiesFile, ...pause], { timeoutMs: options.timeoutMs });
}

/** The outcome a driver printed; throws with its output when it failed or printed none. */
export function parseSecureDriver(name: string, r: RunResult): SecureOutcome {
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const produced = lines.find((l) => 'produced' in l)?.produced as number | undefined;
  const consumed = lines.find((l) => 'consumed' in l)?.consumed as string[] | undefined;
  if (r.code !== 0 || produced === undefined || consumed === undefined) throw new Error(`${name} driver exited ${r.code}: ${r.stdout}\n${r.stderr.slice(-3000)}`);
  return { produced, consumed };
}
