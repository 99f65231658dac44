/**
 * What a fuzz run counts: calls per decoder, message codec × version coverage, the error
 * types malformed input produced, typed fault results (BatchFault), and failures — anything
 * that is not a ProtocolDecodeError, a ProtocolDecodeError that merely wraps an internal
 * exception ("unexpected failure: ..."), a broken invariant, or an input over the time budget.
 */
import { UnsupportedRequestError } from '../../src/protocol/header.js';
import { ProtocolDecodeError } from '../../src/protocol/primitives/errors.js';
import { DecompressionError } from '../../src/protocol/compression/index.js';
import { BatchDecodeError, BatchFault } from '../../src/protocol/records/index.js';

export interface DecoderCount {
  calls: number;
  /** Returned a value (or BatchFault.Ok). */
  ok: number;
  /** Threw ProtocolDecodeError or returned a fault. */
  rejected: number;
}

export type FailureKind = 'exception' | 'wrapped' | 'invariant' | 'slow' | 'heap' | 'harness';

export interface FuzzFailure {
  kind: FailureKind;
  seed: number;
  index: number;
  strategy: string;
  decoder: string;
  /** What the case fed the decoder (frame options, version, codec, cap...). */
  params: string;
  error: string;
  stack: string;
  /** The input the decoder was given, hex. */
  inputHex: string;
}

const FAULT_NAMES: Record<number, string> = {
  [BatchFault.Ok]: 'Ok',
  [BatchFault.Truncated]: 'Truncated',
  [BatchFault.SizeTooSmall]: 'SizeTooSmall',
  [BatchFault.LegacyMagic]: 'LegacyMagic',
  [BatchFault.UnknownMagic]: 'UnknownMagic',
  [BatchFault.CrcMismatch]: 'CrcMismatch',
  [BatchFault.UnknownCompression]: 'UnknownCompression',
  [BatchFault.NegativeRecordCount]: 'NegativeRecordCount',
  [BatchFault.BadOffsetDelta]: 'BadOffsetDelta',
  [BatchFault.CountExceedsSize]: 'CountExceedsSize',
  [BatchFault.TooLarge]: 'TooLarge',
  [BatchFault.NonZeroBaseOffset]: 'NonZeroBaseOffset',
  [BatchFault.CountMismatch]: 'CountMismatch',
  [BatchFault.ControlBatch]: 'ControlBatch',
  [BatchFault.MissingSequence]: 'MissingSequence',
  [BatchFault.NoBatch]: 'NoBatch',
  [BatchFault.MultipleBatches]: 'MultipleBatches',
  [BatchFault.ZstdBeforeV7]: 'ZstdBeforeV7',
};

export function faultName(fault: number): string {
  return FAULT_NAMES[fault] ?? `fault-${fault}`;
}

/** The bucket an expected error is counted in. */
export function errorType(e: ProtocolDecodeError): string {
  if (e instanceof UnsupportedRequestError) return `UnsupportedRequestError(${e.reason})`;
  if (e instanceof DecompressionError) return `DecompressionError(${e.reason})`;
  if (e instanceof BatchDecodeError) return `BatchDecodeError(${faultName(e.fault)})`;
  return e.constructor === ProtocolDecodeError ? 'ProtocolDecodeError' : `${e.constructor.name}`;
}

/** An internal exception that a generated decoder's catch turned into a ProtocolDecodeError. */
export function isWrapped(e: ProtocolDecodeError): boolean {
  return e.message.startsWith('unexpected failure');
}

/** The input being run, for failure reports. */
export interface Trial {
  seed: number;
  index: number;
  strategy: string;
  params: string;
}

export class FuzzStats {
  readonly decoders = new Map<string, DecoderCount>();
  /** `<CodecName> v<version>` → inputs aimed at that decoder. */
  readonly pairs = new Map<string, number>();
  readonly errors = new Map<string, number>();
  readonly faults = new Map<string, number>();
  readonly strategies = new Map<string, number>();
  readonly failures: FuzzFailure[] = [];
  /** Failures of the same kind and message are kept once (see `fail`). */
  private readonly failureKeys = new Set<string>();
  duplicateFailures = 0;

  decoder(name: string): DecoderCount {
    let d = this.decoders.get(name);
    if (d === undefined) {
      d = { calls: 0, ok: 0, rejected: 0 };
      this.decoders.set(name, d);
    }
    return d;
  }

  pair(name: string, version: number): void {
    const key = `${name} v${version}`;
    this.pairs.set(key, (this.pairs.get(key) ?? 0) + 1);
  }

  fault(decoder: DecoderCount, fault: number): void {
    if (fault === BatchFault.Ok) {
      decoder.ok++;
      return;
    }
    decoder.rejected++;
    const name = faultName(fault);
    this.faults.set(name, (this.faults.get(name) ?? 0) + 1);
  }

  /** Counts an exception a decoder threw, or records it as a failure. */
  thrown(t: Trial, decoder: string, input: Buffer, e: unknown): void {
    if (e instanceof ProtocolDecodeError && !isWrapped(e)) {
      const type = errorType(e);
      this.errors.set(type, (this.errors.get(type) ?? 0) + 1);
      return;
    }
    this.fail(e instanceof ProtocolDecodeError ? 'wrapped' : 'exception', t, decoder, input, e);
  }

  fail(kind: FailureKind, t: Trial, decoder: string, input: Buffer, e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    // Same kind, error type and message (numbers and the generated decoders' "(api N vN field
    // ...)" context aside) count as one failure.
    const message = err.message.split('\n')[0]!.replace(/ \(api .*\)$/, '').replace(/\d+/g, 'N');
    const key = `${kind}|${err.name}|${kind === 'invariant' ? decoder.replace(/ v\d+$/, '') : ''}|${message}`;
    if (this.failureKeys.has(key)) {
      this.duplicateFailures++;
      return;
    }
    this.failureKeys.add(key);
    this.failures.push({
      kind, seed: t.seed, index: t.index, strategy: t.strategy, decoder, params: t.params,
      error: `${err.name}: ${err.message}`, stack: err.stack ?? '', inputHex: input.toString('hex'),
    });
  }
}
