/**
 * Compact descriptions of Kafka's generated message schemas (the `*.json` message definitions that
 * Kafka's `generator` module turns into `*Data` classes and `*JsonConverter`s). One `MessageSchema`
 * per record type; the generic reader (`reader.ts`) and JSON writer (`json.ts`) interpret them.
 */

export type { Int64 } from '../int64.js';

/** A version range `lo..hi` (inclusive); `hi` is 32767 for "N+". `none` is the empty range. */
export interface Versions {
  readonly lo: number;
  readonly hi: number;
}

export const NO_VERSIONS: Versions = { lo: 1, hi: 0 };
export const MAX_VERSION = 0x7fff;

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

export interface FieldSchema {
  /** Schema name as written in the definition, e.g. `LastContainedLogTimestamp`. */
  readonly name: string;
  /** JSON / object key: the name with its first letter lower-cased. */
  readonly key: string;
  /** Element or scalar type; for structs the struct name. */
  readonly type: PrimitiveType | 'struct';
  /** True for `[]T` fields. */
  readonly array: boolean;
  readonly versions: Versions;
  readonly nullable: Versions;
  readonly tagged: Versions;
  /** Tag number for tagged fields, else -1. */
  readonly tag: number;
  /** Default as written in the definition (`"null"`, `"-1"`, ...) or undefined. */
  readonly defaultValue?: string;
  /** Struct fields (for `type: 'struct'`). */
  readonly fields?: readonly FieldSchema[];
  /** Versions of the struct (for struct types; `0+` unless a common struct says otherwise). */
  readonly structVersions?: Versions;
}

export interface MessageSchema {
  readonly name: string;
  /** Record type id (`apiKey`), or -1 for plain data schemas. */
  readonly apiKey: number;
  readonly valid: Versions;
  readonly flexible: Versions;
  readonly fields: readonly FieldSchema[];
}

export function inRange(v: Versions, version: number): boolean {
  return version >= v.lo && version <= v.hi;
}

export function isEmpty(v: Versions): boolean {
  return v.lo > v.hi;
}

/** Parses Kafka's version syntax: `"0+"`, `"1-3"`, `"2"`, `"none"`. */
export function parseVersions(s: string | undefined): Versions {
  if (s === undefined || s === 'none' || s === '') return NO_VERSIONS;
  if (s.endsWith('+')) return { lo: Number(s.slice(0, -1)), hi: MAX_VERSION };
  const dash = s.indexOf('-');
  if (dash > 0) return { lo: Number(s.slice(0, dash)), hi: Number(s.slice(dash + 1)) };
  const n = Number(s);
  return { lo: n, hi: n };
}

export function intersect(a: Versions, b: Versions): Versions {
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo > hi ? NO_VERSIONS : { lo, hi };
}

/**
 * Kafka's generated code tests a field's version range only against the versions that are
 * possible at that point (`VersionConditional`): bounds implied by the possible range are not
 * re-checked. This matters only when a message is written at a version outside its valid range
 * (control records are read at version 0 and written at their stored `Version`).
 */
export function presentIn(field: Versions, version: number, possible: Versions): boolean {
  const both = intersect(field, possible);
  if (isEmpty(both)) return false;
  if (both.lo === possible.lo && both.hi === possible.hi) return true;
  if (both.lo > possible.lo && version < both.lo) return false;
  if (both.hi < possible.hi && version > both.hi) return false;
  return true;
}
