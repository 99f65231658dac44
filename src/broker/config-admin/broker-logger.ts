/**
 * BROKER_LOGGER resources (KIP-412): the broker's log level, as Log4j level names. Millrace
 * logs through one pino logger, so there is one logger to show and change: `root`. Changes
 * last until restart, as in Kafka.
 */
import type { DescribeConfigsResourceResult } from '../../protocol/generated/describe-configs-response.js';
import type { AlterableConfig } from '../../protocol/generated/incremental-alter-configs-request.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { BrokerContext } from '../context.js';
import { ConfigProblem, parseBrokerId } from '../../common/config-def.js';

/** DescribeConfigs config_source for broker loggers. */
const DYNAMIC_BROKER_LOGGER_CONFIG = 6;
const ROOT = 'root';
/** Kafka's valid levels, sorted as its messages list them. */
const LEVELS = ['DEBUG', 'ERROR', 'FATAL', 'INFO', 'TRACE', 'WARN'];

const TO_LOG4J: Readonly<Record<string, string>> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'FATAL', silent: 'OFF' };

export function describeBrokerLoggers(broker: BrokerContext): DescribeConfigsResourceResult[] {
  return [
    {
      name: ROOT,
      value: TO_LOG4J[broker.logger.level] ?? broker.logger.level.toUpperCase(),
      readOnly: false,
      configSource: DYNAMIC_BROKER_LOGGER_CONFIG,
      isSensitive: false,
      synonyms: [],
      configType: 0,
      documentation: '',
    },
  ];
}

/** Validates and (unless `validateOnly`) applies log level changes; throws a ConfigProblem. */
export function alterBrokerLoggers(broker: BrokerContext, resourceName: string, ops: readonly AlterableConfig[], validateOnly: boolean): void {
  const id = parseBrokerId(resourceName);
  if (id === null) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${resourceName}`);
  if (id !== broker.nodeId) throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Unexpected node id. Expected ${broker.nodeId}, but received ${resourceName}`);
  for (const op of ops) {
    switch (op.configOperation) {
      case 0: // SET
        if (op.name !== ROOT) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Logger ${op.name} does not exist!`);
        if (op.value === null || !LEVELS.includes(op.value)) {
          throw new ConfigProblem(
            ErrorCode.INVALID_CONFIG,
            `Cannot set the log level of ${op.name} to ${op.value} as it is not a supported log level. Valid log levels are ${LEVELS.join(', ')}`,
          );
        }
        break;
      case 1: // DELETE
        if (op.name !== ROOT) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Logger ${op.name} does not exist!`);
        throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Removing the log level of the ${ROOT} logger is not allowed`);
      case 2:
        throw new ConfigProblem(ErrorCode.INVALID_REQUEST, 'APPEND operation is not allowed for the BROKER_LOGGER resource');
      case 3:
        throw new ConfigProblem(ErrorCode.INVALID_REQUEST, 'SUBTRACT operation is not allowed for the BROKER_LOGGER resource');
      default:
        throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `Unknown operation type ${op.configOperation} is not allowed for the BROKER_LOGGER resource`);
    }
  }
  if (validateOnly) return;
  for (const op of ops) {
    const level = op.value!.toLowerCase();
    broker.logger.warn({ level: op.value }, `updated the log level of ${op.name} to ${op.value}`);
    broker.logger.level = level;
  }
}
