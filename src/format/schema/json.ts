import type { FieldValue, MessageData } from './reader.js';
import { defaultValue } from './reader.js';
import { type FieldSchema, type MessageSchema, type Versions, intersect, presentIn } from './types.js';
import { base64, javaDouble } from './values.js';

/**
 * Writes decoded data as Kafka's generated `*JsonConverter.write(data, version)` followed by
 * Jackson's compact `JsonNode.toString()` would: schema field order, fields absent at `version`
 * omitted, tagged fields only when they differ from their default.
 */

/** Jackson string quoting (`JsonStringEncoder`): `"` `\` and C0 controls escaped, all else raw. */
export function jsonString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(from, i);
    from = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x09: out += '\\t'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0d: out += '\\r'; break;
      default: out += '\\u00' + c.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out + s.slice(from) + '"';
}

/** Lets a caller substitute the JSON of one field (DumpLogSegments' GroupMetadataValue rewrite). */
export type FieldHook = (field: FieldSchema, value: FieldValue, version: number) => string | undefined;

function equalValues(a: FieldValue, b: FieldValue): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return typeof a === typeof b ? a === b : String(a) === String(b) && (typeof a === 'bigint' || typeof b === 'bigint');
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => equalValues(x, b[i]!));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => equalValues((a as MessageData)[k]!, (b as MessageData)[k]!));
}

/** `FieldSpec.generateNonDefaultValueCheck`. */
export function isNonDefault(f: FieldSchema, v: FieldValue): boolean {
  const d = defaultValue(f);
  if (f.array) {
    if (d === null) return v !== null;
    return v === null || (v as FieldValue[]).length !== 0;
  }
  if (f.type === 'bytes' || f.type === 'records') {
    if (d === null) return v !== null;
    return v === null || (v as Uint8Array).length !== 0;
  }
  return !equalValues(v, d);
}

function scalarJson(f: FieldSchema, v: FieldValue, version: number, possible: Versions, hook?: FieldHook): string {
  if (v === null) return 'null';
  switch (f.type) {
    case 'bool':
      return v ? 'true' : 'false';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
      return String(v);
    case 'float64': {
      const n = v as number;
      return Number.isFinite(n) ? javaDouble(n) : `"${javaDouble(n)}"`;
    }
    case 'uuid':
    case 'string':
      return jsonString(v as string);
    case 'bytes':
      return `"${base64(v as Uint8Array)}"`;
    case 'records':
      return '""';
    case 'struct':
      return structJson(f.fields!, v as MessageData, version, intersect(possible, f.structVersions!), hook);
  }
}

function fieldJson(f: FieldSchema, v: FieldValue, version: number, possible: Versions, hook?: FieldHook): string {
  if (hook !== undefined) {
    const replaced = hook(f, v, version);
    if (replaced !== undefined) return replaced;
  }
  if (!f.array || v === null) return scalarJson(f, v, version, possible, hook);
  return '[' + (v as FieldValue[]).map((e) => scalarJson(f, e, version, possible, hook)).join(',') + ']';
}

function structJson(fields: readonly FieldSchema[], data: MessageData, version: number, possible: Versions, hook?: FieldHook): string {
  const parts: string[] = [];
  for (const f of fields) {
    if (!presentIn(f.versions, version, possible)) continue;
    const v = f.key in data ? data[f.key]! : defaultValue(f);
    const present = intersect(possible, f.versions);
    if (presentIn(f.tagged, version, present) && !isNonDefault(f, v)) continue;
    parts.push(jsonString(f.key) + ':' + fieldJson(f, v, version, present, hook));
  }
  return '{' + parts.join(',') + '}';
}

export function writeJson(schema: MessageSchema, data: MessageData, version: number, hook?: FieldHook): string {
  return structJson(schema.fields, data, version, schema.valid, hook);
}

/**
 * The value `writeJson` writes, as a plain object rather than text (for kseg's JSON documents):
 * the same fields (present at `version`, tagged ones only when not default), in the same order;
 * int64 as a number when it is a safe integer and a decimal string beyond (never rounded), bytes
 * as base64, uuids as Kafka's base64 text, doubles as numbers (non-finite ones as Java's text).
 */
export function toJsonValue(schema: MessageSchema, data: MessageData, version: number): Record<string, unknown> {
  return structValue(schema.fields, data, version, schema.valid);
}

function structValue(fields: readonly FieldSchema[], data: MessageData, version: number, possible: Versions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!presentIn(f.versions, version, possible)) continue;
    const v = f.key in data ? data[f.key]! : defaultValue(f);
    const present = intersect(possible, f.versions);
    if (presentIn(f.tagged, version, present) && !isNonDefault(f, v)) continue;
    out[f.key] = f.array && v !== null ? (v as FieldValue[]).map((e) => scalarValue(f, e, version, present)) : scalarValue(f, v, version, present);
  }
  return out;
}

function scalarValue(f: FieldSchema, v: FieldValue, version: number, possible: Versions): unknown {
  if (v === null) return null;
  switch (f.type) {
    case 'int64':
      return typeof v === 'bigint' ? (v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString()) : v;
    case 'float64':
      return Number.isFinite(v as number) ? v : javaDouble(v as number);
    case 'bytes':
      return base64(v as Uint8Array);
    case 'records':
      return '';
    case 'struct':
      return structValue(f.fields!, v as MessageData, version, intersect(possible, f.structVersions!));
    default:
      return v;
  }
}
