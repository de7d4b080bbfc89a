import { InvalidArgumentError, Option } from 'commander';
import { type Int64, normalize } from '../format/int64.js';

/**
 * kseg's option vocabulary: one name, one short letter and one set of values per option on every
 * command (short letters as kcat's: -t topic, -p partition, -o offset, -f format, -n count).
 */

/** An int64 option: decimal digits, kept exact beyond 2^53. */
export function parseInt64(s: string): Int64 {
  if (!/^-?\d+$/.test(s.trim())) throw new InvalidArgumentError(`not an integer: ${s}`);
  return normalize(BigInt(s.trim()));
}

/** A non-negative int64 (an offset). */
export function parseOffset(s: string): Int64 {
  const v = parseInt64(s);
  if (v < 0) throw new InvalidArgumentError(`not an offset (a negative offset means nothing here): ${s}`);
  return v;
}

/** A time option: epoch milliseconds, or an ISO-8601 date/time (UTC unless it says otherwise). */
export function parseTime(s: string): Int64 {
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return parseInt64(t);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    // A date-time without a zone is taken as UTC, not the machine's zone: same answer everywhere.
    const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t}Z` : t;
    const ms = Date.parse(withZone);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new InvalidArgumentError(`not a time (epoch millis or ISO-8601 like 2023-11-14T22:13:20Z): ${s}`);
}

/** A count of things: 0 or more. */
export function parseCount(s: string): number {
  const n = Number(s.trim());
  if (s.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`not a count (0 or more): ${s}`);
  return n;
}

/** A count of at least one. */
export function parsePositive(s: string): number {
  const n = Number(s.trim());
  if (s.trim() === '' || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`not a count of at least 1: ${s}`);
  return n;
}

/** A partition number. */
export function parsePartition(s: string): number {
  const n = Number(s.trim());
  if (s.trim() === '' || !Number.isSafeInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new InvalidArgumentError(`not a partition number: ${s}`);
  return n;
}

export type OutputFormat = 'text' | 'json' | 'ndjson';

/**
 * Names earlier versions took for the text view (`ls --format table`, `audit --format human`):
 * still accepted, never listed.
 */
const TEXT_ALIASES = new Set(['table', 'human']);

/** `-f, --format <format>`: `text` (default) or `json`, and `ndjson` where records stream. */
export function formatOption(values: readonly OutputFormat[] = ['text', 'json']): Option {
  return new Option('-f, --format <format>', `output format: ${values.join(', ')}`)
    .default('text')
    .argParser((v: string) => {
      const f = TEXT_ALIASES.has(v) ? 'text' : v;
      if (!(values as readonly string[]).includes(f)) throw new InvalidArgumentError(`one of ${values.join(', ')}, not ${v}`);
      return f;
    });
}

/** `--no-progress`: a progress bar draws only on a TTY, after about a second. */
export const NO_PROGRESS: [string, string] = ['--no-progress', 'never draw a progress bar (it only appears on a TTY after about a second)'];
