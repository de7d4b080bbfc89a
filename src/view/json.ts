import type { Int64 } from '../format/int64.js';

/**
 * JSON conventions of kseg's documents (see schema/): every document carries `schemaVersion`;
 * int64 values are JSON numbers when they are safe integers and decimal strings otherwise, so no
 * consumer silently loses precision; bytes are base64 unless a payload mode says otherwise.
 */
export const SCHEMA_VERSION = 1;

/**
 * The version of each document's schema (schema/<name>.schema.json): raised when a document
 * changes shape or meaning. ls 2: index verdict `log-missing`, `records` counts control records
 * in both ls and stats; stats 2: `records` is every record (control included), `dataRecords`
 * the rest, `time` from batch timestamps as ls; audit 2: classes `log-missing`,
 * `not-regular-file`; record 2: `decoded` (internal topics); harness-verify 2: class
 * `aborted-delivered` (in `byClass`), `consumer.abortedDelivered`, `sends` (from `harness run`).
 */
export const SCHEMA_VERSIONS = { ls: 2, stats: 2, audit: 2, record: 2, explain: 1, 'harness-verify': 2 } as const;

export function int64Json(v: Int64): number | string {
  return typeof v === 'bigint' ? v.toString() : v;
}

/**
 * JSON.stringify that encodes bigint as a decimal string (never throws on bigint). Documents
 * built with int64Json hold no bigint, so the plain (fast) stringify is tried first: a replacer
 * function costs a call per value (measured: 43% of `kseg cat --format ndjson`).
 */
export function toJson(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), space);
  }
}
