import { beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSION, runJava } from '../scripts/kafka-lib.mjs';
import { coordinatorRecordPair, controlSchemas, defaultValue, METADATA_RECORDS, readMessage, remoteLogSchemas, writeJson } from '../src/format/schema/index.js';
import { type FieldSchema, type MessageSchema, inRange, isEmpty } from '../src/format/schema/types.js';
import { HAVE_KAFKA, ensureKafka } from './real-kafka.js';

/**
 * kseg's schema tables (src/format/schema/defs) against the message classes of the pinned Kafka
 * (kafka/SchemaExport.java prints what Kafka's generated code reads): for every record type of every
 * internal topic, the same versions, flexible versions, fields in order with their types and
 * nullability, tagged fields with their tags and defaults. Record types Kafka knows and kseg does not,
 * or the other way round, fail too.
 */
interface JavaField {
  name: string;
  type: string;
  nullable: boolean;
  tag?: number;
  default?: string;
  fields?: JavaField[];
}
interface JavaMessage {
  family: string;
  type: number;
  part: 'key' | 'value';
  name: string;
  lo: number;
  hi: number;
  versions: { v: number; flexible: boolean; fields: JavaField[]; samples?: { hex: string; json: string }[] }[];
}

/** Kafka's generator's snake case (MessageGenerator.toSnakeCase): `KRaftVersion` → `kraft_version`. */
function snake(name: string): string {
  let out = '';
  let prevCapital = true;
  for (const ch of name) {
    if (ch >= 'A' && ch <= 'Z') {
      if (!prevCapital) out += '_';
      out += ch.toLowerCase();
      prevCapital = true;
    } else {
      out += ch;
      prevCapital = false;
    }
  }
  return out;
}

/** A field as Kafka's schema would show it at `v`, from kseg's table; undefined when absent at `v`. */
function ksegField(f: FieldSchema, v: number): JavaField | undefined {
  if (!inRange(f.versions, v)) return undefined;
  const type = `${f.array ? '[]' : ''}${f.type}`;
  const out: JavaField = { name: snake(f.name), type, nullable: inRange(f.nullable, v) };
  if (inRange(f.tagged, v)) out.tag = f.tag;
  out.default = javaDefault(f);
  if (f.fields) out.fields = f.fields.map((s) => ksegField(s, v)).filter((s): s is JavaField => s !== undefined);
  return out;
}

/** A fresh instance's value of the field, as SchemaExport prints it: kseg's `defaultValue`. */
function javaDefault(f: FieldSchema): string {
  const d = defaultValue(f);
  if (d === null) return 'null';
  if (Array.isArray(d)) return d.length === 0 ? '[]' : JSON.stringify(d);
  if (d instanceof Uint8Array) return `bytes[${d.length}]`;
  if (typeof d === 'object') return 'struct';
  if (f.type === 'float64') return Number.isInteger(d) ? `${d}.0` : String(d);
  return String(d);
}

function ksegMessage(schema: MessageSchema, lo: number, hi: number): { lo: number; hi: number; versions: JavaMessage['versions'] } {
  const versions: JavaMessage['versions'] = [];
  for (let v = Math.min(lo, schema.valid.lo); v <= Math.max(hi, schema.valid.hi) && v < 64; v++) {
    if (!inRange(schema.valid, v)) continue;
    const fields = schema.fields.map((f) => ksegField(f, v)).filter((f): f is JavaField => f !== undefined);
    // Kafka lists the tagged fields after the others, by tag
    const plain = fields.filter((f) => f.tag === undefined);
    const tagged = fields.filter((f) => f.tag !== undefined).sort((a, b) => a.tag! - b.tag!);
    versions.push({ v, flexible: !isEmpty(schema.flexible) && inRange(schema.flexible, v), fields: [...plain, ...sortTagged(tagged)] });
  }
  return { lo: schema.valid.lo, hi: schema.valid.hi, versions };
}

function sortTagged(fields: JavaField[]): JavaField[] {
  return fields.map((f) => (f.fields ? { ...f, fields: [...f.fields.filter((s) => s.tag === undefined), ...f.fields.filter((s) => s.tag !== undefined).sort((a, b) => a.tag! - b.tag!)] } : f));
}

function normaliseJava(fields: JavaField[]): JavaField[] {
  return fields.map((f) => {
    const out: JavaField = { name: f.name, type: f.type, nullable: f.nullable };
    if (f.tag !== undefined) out.tag = f.tag;
    out.default = f.default;
    if (f.fields) out.fields = normaliseJava(f.fields);
    return out;
  });
}

function ksegSchema(m: JavaMessage): MessageSchema | undefined {
  switch (m.family) {
    case 'group':
    case 'share':
    case 'transaction':
      return coordinatorRecordPair(m.family, m.type)?.[m.part];
    case 'metadata':
      return METADATA_RECORDS.find((s) => s.apiKey === m.type);
    case 'remote':
      return remoteLogSchemas.REMOTE_LOG_METADATA_RECORDS.find((s) => s.apiKey === m.type);
    case 'control':
      return (controlSchemas as Record<string, unknown>)[m.name] as MessageSchema | undefined;
    default:
      return undefined;
  }
}

type Shape = { lo: number; hi: number; versions: JavaMessage['versions'] };

/** What differs between kseg's shape of a message and Kafka's, as readable lines ('' when nothing). */
function difference(ours: Shape, theirs: Shape): string {
  if (ours.lo !== theirs.lo || ours.hi !== theirs.hi) return `versions: kseg ${ours.lo}-${ours.hi}, Kafka ${theirs.lo}-${theirs.hi}`;
  const lines: string[] = [];
  for (const t of theirs.versions) {
    const o = ours.versions.find((x) => x.v === t.v)!;
    if (o.flexible !== t.flexible) lines.push(`v${t.v} flexible: kseg ${o.flexible}, Kafka ${t.flexible}`);
    const a = o.fields.map((f) => JSON.stringify(f));
    const b = t.fields.map((f) => JSON.stringify(f));
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== b[i]) lines.push(`v${t.v} field ${i}:\n    kseg  ${a[i] ?? '(none)'}\n    Kafka ${b[i] ?? '(none)'}`);
    }
  }
  return lines.join('\n  ');
}

describe.skipIf(!HAVE_KAFKA)(`schema tables against Kafka ${KAFKA_VERSION}'s generated message classes`, () => {
  let messages: JavaMessage[] = [];
  beforeAll(() => {
    ensureKafka();
    const r = runJava('kafka/SchemaExport.java', []);
    if (r.code !== 0) throw new Error(`kafka/SchemaExport.java failed (exit ${r.code}): ${r.stderr}`);
    messages = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JavaMessage);
  });

  it('Kafka has the record types kseg decodes, and kseg all of Kafka’s', () => {
    const javaTypes = (family: string) => messages.filter((m) => m.family === family && m.part === 'value').map((m) => m.type).sort((a, b) => a - b);
    expect(messages.length).toBeGreaterThan(60);
    expect(javaTypes('metadata')).toEqual(METADATA_RECORDS.map((s) => s.apiKey).sort((a, b) => a - b));
    const group = javaTypes('group');
    for (let t = 0; t < 32; t++) expect({ t, kseg: coordinatorRecordPair('group', t) !== undefined }).toEqual({ t, kseg: group.includes(t) });
    expect(javaTypes('share')).toEqual([0, 1]);
    expect(javaTypes('transaction')).toEqual([0]);
    expect(javaTypes('remote')).toEqual(remoteLogSchemas.REMOTE_LOG_METADATA_RECORDS.map((s) => s.apiKey).sort((a, b) => a - b));
  });

  it('every record type: the same versions, fields, types, nullability, tags and tagged defaults', () => {
    const differences: string[] = [];
    for (const m of messages) {
      const schema = ksegSchema(m);
      if (!schema) {
        if (m.family !== 'control' || m.name !== 'EndTxnMarker') differences.push(`${m.family} ${m.type} ${m.name}: not in kseg's tables`);
        continue;
      }
      const ours = ksegMessage(schema, m.lo, m.hi);
      const theirs = { lo: m.lo, hi: m.hi, versions: m.versions.map((v) => ({ v: v.v, flexible: v.flexible, fields: normaliseJava(v.fields) })) };
      ours.versions.forEach((v) => delete v.samples);
      const d = difference(ours, theirs);
      if (d) differences.push(`${m.family} ${m.type} ${m.part} ${m.name}: ${d}`);
    }
    expect(differences.join('\n\n')).toBe('');
  });

  it("every record type and version: Kafka's own bytes decode to the JSON Kafka prints", () => {
    const differences: string[] = [];
    let checked = 0;
    for (const m of messages) {
      const schema = ksegSchema(m);
      if (!schema) continue;
      for (const v of m.versions) {
        for (const [i, sample] of (v.samples ?? []).entries()) {
          const what = `${m.family} ${m.type} ${m.part} ${m.name} v${v.v} ${['defaults', 'every field set', 'nullable fields null'][i]}`;
          checked++;
          try {
            const bytes = Buffer.from(sample.hex, 'hex');
            const { data, next } = readMessage(schema, bytes, v.v);
            const json = writeJson(schema, data, v.v);
            if (json !== sample.json) differences.push(`${what}:\n    kseg  ${json}\n    Kafka ${sample.json}`);
            else if (next !== bytes.length) differences.push(`${what}: kseg read ${next} of ${bytes.length} bytes`);
          } catch (e) {
            differences.push(`${what}: kseg threw ${(e as Error).message}\n    Kafka ${sample.json}`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(differences.join('\n')).toBe('');
  });
});
