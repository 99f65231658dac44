/**
 * Parsing and validation of config values the way Kafka's ConfigDef does it, so that
 * CreateTopics, AlterConfigs and IncrementalAlterConfigs accept exactly what Kafka accepts and
 * reject the rest with the messages Kafka's clients show ("Invalid value abc for configuration
 * retention.ms: Not a number of type LONG").
 */
import { ErrorCode } from '../protocol/generated/errors.js';

/** Kafka's ConfigDef.Type names. */
export type KafkaConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

/** DescribeConfigs v3+ `config_type` (DescribeConfigsResponse.ConfigType). */
export const CONFIG_TYPE_ID: Readonly<Record<KafkaConfigType, number>> = {
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
};

/** A parsed value: booleans, strings, integers (bigint for LONG), doubles and lists. */
export type ConfigValue = boolean | string | number | bigint | readonly string[];

/** A config problem with the Kafka error code and message it is reported with. */
export class ConfigProblem extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.name = 'ConfigProblem';
    this.errorCode = errorCode;
  }
}

/** Kafka's ConfigException text: `Invalid value <v> for configuration <name>: <why>`. */
export function invalidValue(name: string, value: unknown, why: string, errorCode: number = ErrorCode.INVALID_CONFIG): ConfigProblem {
  return new ConfigProblem(errorCode, `Invalid value ${javaString(value)} for configuration ${name}: ${why}`);
}

/** A check on a parsed value (ConfigDef.Validator); throws a ConfigProblem. */
/** Kafka's check of a value; `bounds` says what it accepts, for the configuration reference. */
export type Validator = ((name: string, value: ConfigValue) => void) & { readonly bounds?: string };

const INT_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;
const RANGES = {
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  SHORT: [-(2n ** 15n), 2n ** 15n - 1n],
  LONG: [-(2n ** 63n), 2n ** 63n - 1n],
} as const;

/**
 * ConfigDef.parseType for a string value: trims it, then parses by type. Integers keep Java's
 * ranges (LONG as bigint so that Long.MAX_VALUE survives); lists split on commas with the
 * surrounding whitespace removed, an empty string being the empty list.
 */
export function parseConfigValue(name: string, raw: string, type: KafkaConfigType, errorCode: number = ErrorCode.INVALID_CONFIG): ConfigValue {
  const trimmed = raw.trim();
  switch (type) {
    case 'BOOLEAN': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw invalidValue(name, raw, 'Expected value to be either true or false', errorCode);
    }
    case 'STRING':
    case 'PASSWORD':
    case 'CLASS':
      return trimmed;
    case 'INT':
    case 'SHORT':
    case 'LONG': {
      const [min, max] = RANGES[type];
      if (INT_RE.test(trimmed)) {
        const n = BigInt(trimmed);
        if (n >= min && n <= max) return type === 'LONG' ? n : Number(n);
      }
      throw invalidValue(name, raw, `Not a number of type ${type}`, errorCode);
    }
    case 'DOUBLE': {
      if (!DOUBLE_RE.test(trimmed)) throw invalidValue(name, raw, 'Not a number of type DOUBLE', errorCode);
      return Number(trimmed.replace(/[fFdD]$/, ''));
    }
    case 'LIST':
      return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
  }
}

/** ConfigDef.convertToString: the canonical text of a parsed value, as DescribeConfigs shows it. */
export function configValueToString(value: ConfigValue, type: KafkaConfigType): string {
  if (type === 'LIST') return (value as readonly string[]).join(',');
  if (type === 'DOUBLE') return javaDouble(value as number);
  return String(value);
}

/** Java's Double.toString: `0.5`, `1000.0`, `1.0E10`, `NaN`. */
export function javaDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const a = Math.abs(d);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = d.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** How Java prints a value inside an error message (`List.toString` for lists). */
function javaString(value: unknown): string {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 53 ? String(value) : javaDouble(value);
  return String(value);
}

/** How Java prints a double-typed value in a validator message. */
function javaNumber(value: ConfigValue, type: 'double' | 'integer'): string {
  return type === 'double' ? javaDouble(value as number) : String(value);
}

// ---- validators (ConfigDef.Range, ValidString, ValidList and Kafka's own) ---------------

function compare(value: ConfigValue, bound: number): number {
  if (typeof value === 'bigint') return value < BigInt(bound) ? -1 : value > BigInt(bound) ? 1 : 0;
  const v = value as number;
  return v < bound ? -1 : v > bound ? 1 : 0;
}

function withBounds(bounds: string, check: (name: string, value: ConfigValue) => void): Validator {
  return Object.assign(check, { bounds });
}

/** Range.atLeast(min). */
export function atLeast(min: number, kind: 'double' | 'integer' = 'integer'): Validator {
  return withBounds(`>= ${min}`, (name, value) => {
    if (compare(value, min) < 0) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Invalid value ${javaNumber(value, kind)} for configuration ${name}: Value must be at least ${min}`);
  });
}

/** Range.between(min, max). NaN passes, as in Java. */
export function between(min: number, max: number, kind: 'double' | 'integer' = 'integer'): Validator {
  return withBounds(`${min} .. ${max}`, (name, value) => {
    if (compare(value, min) < 0) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Invalid value ${javaNumber(value, kind)} for configuration ${name}: Value must be at least ${min}`);
    if (compare(value, max) > 0) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `Invalid value ${javaNumber(value, kind)} for configuration ${name}: Value must be no more than ${max}`);
  });
}

/** ValidString.in(...): case-sensitive. */
export function oneOf(...allowed: string[]): Validator {
  return withBounds(allowed.join(', '), (name, value) => {
    if (!allowed.includes(value as string)) throw invalidValue(name, value, `String must be one of: ${allowed.join(', ')}`);
  });
}

/** ValidList.in(...): every element must be one of `allowed`. */
export function listOf(...allowed: string[]): Validator {
  return withBounds(`list of: ${allowed.join(', ')}`, (name, value) => {
    for (const s of value as readonly string[]) {
      if (!allowed.includes(s)) throw invalidValue(name, s, `String must be one of: ${allowed.join(', ')}`);
    }
  });
}

/** GZIP's level: -1 (the codec's default) or 1 to 9. */
export const gzipLevel: Validator = withBounds('-1, or 1 .. 9', (name, value) => {
  const v = value as number;
  if (v !== -1 && (v < 1 || v > 9)) throw invalidValue(name, v, 'Value must be between 1 and 9 or equal to -1');
});

/** ThrottledReplicaListValidator: `*` or `partition:broker` pairs. */
export const throttledReplicas: Validator = (name, value) => {
  const parts = (value as readonly string[]).map((s) => s.trim());
  if (!(parts.every((s) => /^(?:\d+:\d+)?$/.test(s)) || parts.join('') === '*')) {
    throw invalidValue(name, value, `${name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`);
  }
};

/** Java's Integer.parseInt, as Kafka parses broker ids in resource names; null when it fails. */
export function parseBrokerId(name: string): number | null {
  if (!/^[+-]?\d+$/.test(name)) return null;
  const n = Number(name);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}
