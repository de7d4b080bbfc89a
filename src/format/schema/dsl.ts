import {
  type FieldSchema,
  type MessageSchema,
  type PrimitiveType,
  MAX_VERSION,
  NO_VERSIONS,
  parseVersions,
} from './types.js';

/**
 * The compact notation the schema tables are written in. One string per field:
 *
 *     'Name type versions [?nullableVersions] [#tag@taggedVersions] [=default]'
 *
 * e.g. `'Isr []int32 0+ ?0+ #0@0+ =null'`. A struct field is a pair `[spec, [fields...]]`; a field
 * whose struct type is a `commonStructs` entry of the message names it in its type only.
 */
export type FieldDef = string | readonly [string, readonly FieldDef[]];

export interface MessageDef {
  name: string;
  apiKey?: number;
  valid: string;
  flexible?: string;
  fields: readonly FieldDef[];
  /** `commonStructs`: name → [versions, fields]. */
  common?: Record<string, readonly [string, readonly FieldDef[]]>;
}

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveType>([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'uuid', 'string', 'bytes', 'records',
]);

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}

function parseField(def: FieldDef, common: MessageDef['common']): FieldSchema {
  const [spec, sub] = typeof def === 'string' ? [def, undefined] : def;
  const parts = spec.trim().split(/\s+/);
  const [name, rawType, versions] = parts as [string, string, string];
  if (name === undefined || rawType === undefined || versions === undefined) throw new Error(`bad field spec: ${spec}`);
  let nullable = NO_VERSIONS;
  let tagged = NO_VERSIONS;
  let tag = -1;
  let defaultValue: string | undefined;
  for (const p of parts.slice(3)) {
    if (p.startsWith('?')) nullable = parseVersions(p.slice(1));
    else if (p.startsWith('#')) {
      const at = p.indexOf('@');
      tag = Number(p.slice(1, at));
      tagged = parseVersions(p.slice(at + 1));
    } else if (p.startsWith('=')) defaultValue = p.slice(1).replace(/\\s/g, ' ');
    else throw new Error(`bad field option ${p} in ${spec}`);
  }
  const array = rawType.startsWith('[]');
  const elem = array ? rawType.slice(2) : rawType;
  if (PRIMITIVES.has(elem)) {
    return { name, key: lowerFirst(name), type: elem as PrimitiveType, array, versions: parseVersions(versions), nullable, tagged, tag, defaultValue };
  }
  let fieldDefs = sub;
  let structVersions = { lo: 0, hi: MAX_VERSION };
  if (fieldDefs === undefined) {
    const c = common?.[elem];
    if (c === undefined) throw new Error(`unknown struct ${elem} in ${spec}`);
    structVersions = parseVersions(c[0]);
    fieldDefs = c[1];
  }
  return {
    name,
    key: lowerFirst(name),
    type: 'struct',
    array,
    versions: parseVersions(versions),
    nullable,
    tagged,
    tag,
    defaultValue,
    fields: fieldDefs.map((f) => parseField(f, common)),
    structVersions,
  };
}

export function message(def: MessageDef): MessageSchema {
  return {
    name: def.name,
    apiKey: def.apiKey ?? -1,
    valid: parseVersions(def.valid),
    flexible: parseVersions(def.flexible ?? 'none'),
    fields: def.fields.map((f) => parseField(f, def.common)),
  };
}
