import { JavaException } from './java-exception.js';
import { javaParseInt } from './java.js';

/**
 * DumpLogSegments' command line, parsed with jopt-simple's rules (OptionParser without
 * abbreviations): `--name value`, `--name=value`, `-name value`; unknown options and missing
 * arguments fail at parse time; values are converted lazily when read, as jopt does.
 */
type ArgKind = 'none' | 'required' | 'optional';

const SPECS: Record<string, ArgKind> = {
  'print-data-log': 'none',
  'verify-index-only': 'none',
  'index-sanity-check': 'none',
  files: 'required',
  'max-message-size': 'required',
  'max-bytes': 'required',
  'deep-iteration': 'none',
  'value-decoder-class': 'optional',
  'key-decoder-class': 'optional',
  'offsets-decoder': 'none',
  'transaction-log-decoder': 'none',
  'cluster-metadata-decoder': 'none',
  'remote-log-metadata-decoder': 'none',
  'share-group-state-decoder': 'none',
  'skip-record-metadata': 'none',
  help: 'none',
  version: 'none',
};

export const DEFAULT_DECODER = 'org.apache.kafka.tools.api.StringDecoder';

function looksLikeOption(arg: string): boolean {
  return arg.startsWith('-') && arg.length > 1 && arg !== '--';
}

export class DumpOptions {
  /** Arguments given to each option, in order (an option without a value has an empty list). */
  private readonly values = new Map<string, string[]>();
  readonly nonOptionArguments: string[] = [];

  constructor(readonly args: readonly string[]) {
    let i = 0;
    while (i < args.length) {
      const arg = args[i++]!;
      if (arg === '--') {
        this.nonOptionArguments.push(...args.slice(i));
        break;
      }
      if (!looksLikeOption(arg)) {
        this.nonOptionArguments.push(arg);
        continue;
      }
      const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const inline = eq >= 0 ? body.slice(eq + 1) : null;
      const kind = SPECS[name];
      if (kind === undefined) {
        throw new JavaException('joptsimple.UnrecognizedOptionException', `${name} is not a recognized option`);
      }
      const list = this.values.get(name) ?? [];
      this.values.set(name, list);
      if (kind === 'none') {
        if (inline !== null) {
          throw new JavaException('joptsimple.UnexpectedArgumentException', `Option ${name} does not take an argument`);
        }
        continue;
      }
      if (inline !== null) {
        list.push(inline);
        continue;
      }
      if (kind === 'required') {
        if (i >= args.length) {
          throw new JavaException('joptsimple.OptionMissingRequiredArgumentException', `Option ${name} requires an argument`);
        }
        list.push(args[i++]!);
      } else if (i < args.length && !looksLikeOption(args[i]!)) {
        list.push(args[i++]!);
      }
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** options.valueOf(spec) for a String option: the single value, the default, or the jopt failure. */
  valueOf(name: string, defaultValue: string | null): string | null {
    const list = this.values.get(name);
    if (list === undefined || list.length === 0) return defaultValue;
    if (list.length > 1) {
      throw new JavaException(
        'joptsimple.MultipleArgumentsForOptionException',
        `Found multiple arguments for option ${name}, but you asked for only one`,
      );
    }
    return list[0]!;
  }

  /** options.valueOf(spec) for an Integer option (converted when read). */
  intValueOf(name: string, defaultValue: number): number {
    const raw = this.valueOf(name, null);
    if (raw === null) return defaultValue;
    try {
      return javaParseInt(raw);
    } catch {
      throw new JavaException('joptsimple.OptionArgumentConversionException', `Cannot parse argument '${raw}' of option ${name}`);
    }
  }

  get isHelp(): boolean {
    return this.args.length === 0 || this.has('help');
  }
  get shouldPrintDataLog(): boolean {
    return [
      'print-data-log',
      'offsets-decoder',
      'transaction-log-decoder',
      'cluster-metadata-decoder',
      'remote-log-metadata-decoder',
      'value-decoder-class',
      'key-decoder-class',
      'share-group-state-decoder',
    ].some((o) => this.has(o));
  }
  get isDeepIteration(): boolean {
    return this.has('deep-iteration') || this.shouldPrintDataLog;
  }
  get skipRecordMetadata(): boolean {
    return this.has('skip-record-metadata');
  }
  get verifyOnly(): boolean {
    return this.has('verify-index-only');
  }
  get indexSanityOnly(): boolean {
    return this.has('index-sanity-check');
  }
  /** `--files` split as Java's String.split(","): trailing empty entries dropped. */
  files(): string[] {
    const v = this.valueOf('files', null) ?? '';
    if (!v.includes(',')) return [v];
    const parts = v.split(',');
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    return parts;
  }
  maxMessageSize(): number {
    return this.intValueOf('max-message-size', 5 * 1024 * 1024);
  }
  maxBytes(): number {
    return this.intValueOf('max-bytes', 2147483647);
  }
}
