/** The logging the cluster code needs; a pino logger fits. */
export interface ClusterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const SILENT_LOGGER: ClusterLogger = { info() {}, warn() {}, error() {} };
