import type { Int64 } from '../format/int64.js';

/**
 * JSON conventions of kseg's documents (see schema/): every document carries `schemaVersion`;
 * int64 values are JSON numbers when they are safe integers and decimal strings otherwise, so no
 * consumer silently loses precision; bytes are base64 unless a payload mode says otherwise.
 */
export const SCHEMA_VERSION = 1;

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
