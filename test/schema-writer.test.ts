import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRecordBatchHeader, frameAt } from '../src/format/batch.js';
import { decodeBatchRecords } from '../src/format/record.js';
import {
  GROUP_RECORDS,
  METADATA_RECORDS,
  controlSchemas,
  decodeCoordinatorRecord,
  readMessage,
  uuidFromString,
  uuidToString,
  writeApiMessageFrame,
  writeCoordinatorKey,
  writeCoordinatorValue,
  writeMessage,
  type FieldSchema,
  type FieldValue,
  type MessageData,
  type MessageSchema,
} from '../src/format/schema/index.js';
import { decodeMetadataMessage as decodeMetadataRecord } from '../src/format/schema/metadata.js';
import { REMOTE_LOG_METADATA_RECORDS } from '../src/format/schema/defs/remote-log.js';
import { ShareSnapshotKey, ShareSnapshotValue, ShareUpdateKey, ShareUpdateValue } from '../src/format/schema/defs/share.js';
import { TransactionLogKey, TransactionLogValue } from '../src/format/schema/defs/transaction.js';
import { presentIn } from '../src/format/schema/types.js';

const SHARED = resolve(import.meta.dirname, '../../shared');

/** A value of every field that differs from its default, so tagged fields are written too. */
function sample(fields: readonly FieldSchema[], version: number, seed: number): MessageData {
  const o: MessageData = {};
  fields.forEach((f, i) => {
    const n = seed + i + 1;
    const one = (k: number): FieldValue => {
      switch (f.type) {
        case 'bool': return true;
        case 'int8': return (n + k) % 100;
        case 'int16': return 1000 + n + k;
        case 'uint16': return 65000 + ((n + k) % 500);
        case 'int32': return 100000 + n + k;
        case 'uint32': return 4000000000 + n + k;
        case 'int64': return k === 0 ? 2n ** 62n + BigInt(n) : 1700000000000 + n + k;
        case 'float64': return 0.1 + n + k;
        case 'uuid': return uuidToString(Uint8Array.from({ length: 16 }, (_, j) => (n * 7 + j + k) & 0xff));
        case 'string': return `s${n}-${k}-é`;
        case 'bytes': return Uint8Array.of(n & 0xff, k, 0xff);
        case 'records': return new Uint8Array(0);
        case 'struct': return sample(f.fields!, version, n * 10 + k);
      }
    };
    o[f.key] = f.array ? [one(0), one(1)] : one(0);
  });
  return o;
}

function allSchemas(): { schema: MessageSchema; versions: number[] }[] {
  const out: { schema: MessageSchema; versions: number[] }[] = [];
  const add = (schema: MessageSchema) => {
    const versions: number[] = [];
    for (let v = schema.valid.lo; v <= schema.valid.hi; v++) versions.push(v);
    out.push({ schema, versions });
  };
  for (const p of GROUP_RECORDS) { add(p.key); add(p.value); }
  for (const s of [...METADATA_RECORDS, ...REMOTE_LOG_METADATA_RECORDS, ShareSnapshotKey, ShareSnapshotValue, ShareUpdateKey, ShareUpdateValue, TransactionLogKey, TransactionLogValue]) add(s);
  for (const s of Object.values(controlSchemas)) add(s);
  return out;
}

/** The fields written at `version`, with their values (absent fields dropped for comparison). */
function visible(fields: readonly FieldSchema[], data: MessageData, version: number, schema: MessageSchema): MessageData {
  const o: MessageData = {};
  for (const f of fields) {
    if (!presentIn(f.versions, version, schema.valid)) continue;
    const v = data[f.key]!;
    const sub = (x: FieldValue): FieldValue => (f.type === 'struct' && x !== null ? visible(f.fields!, x as MessageData, version, schema) : x);
    o[f.key] = f.array && v !== null ? (v as FieldValue[]).map(sub) : sub(v);
  }
  return o;
}

describe('writeMessage mirrors readMessage', () => {
  it('uuid text ↔ bytes', () => {
    const b = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    expect(uuidFromString(uuidToString(b))).toEqual(b);
  });

  for (const { schema, versions } of allSchemas()) {
    it(`${schema.name} v${versions.join(',')}: encode → decode → same data, same bytes`, () => {
      for (const version of versions) {
        const data = sample(schema.fields, version, schema.apiKey + version);
        const bytes = writeMessage(schema, data, version);
        const back = readMessage(schema, bytes, version).data;
        expect(visible(schema.fields, back, version, schema)).toEqual(visible(schema.fields, data, version, schema));
        expect(writeMessage(schema, back, version)).toEqual(bytes);
      }
    });
  }

  it('writes tagged fields only when they differ from the default, sorted by tag', () => {
    const p = GROUP_RECORDS.find((r) => r.type === 17)!;
    // Epoch 1, MetadataHash 2, ValidatedTopologyEpoch -1 (default: omitted), LastAssignmentConfigs [] (default: omitted).
    expect(Buffer.from(writeMessage(p.value, { epoch: 1, metadataHash: 2, validatedTopologyEpoch: -1, lastAssignmentConfigs: [] }, 0)).toString('hex'))
      .toBe('00000001' + '0000000000000002' + '00');
    // A null LastAssignmentConfigs differs from its default (an empty array in Kafka's generated class): tag 1, null.
    expect(Buffer.from(writeMessage(p.value, { epoch: 1, metadataHash: 2, validatedTopologyEpoch: -1, lastAssignmentConfigs: null }, 0)).toString('hex'))
      .toBe('00000001' + '0000000000000002' + '01' + '01' + '01' + '00');
    // Both tagged fields set: tag 0 (int32 5), tag 1 (one {key:"a", value:"b"}).
    expect(Buffer.from(writeMessage(p.value, { epoch: 1, metadataHash: 2, validatedTopologyEpoch: 5, lastAssignmentConfigs: [{ key: 'a', value: 'b' }] }, 0)).toString('hex'))
      .toBe('00000001' + '0000000000000002' + '02' + '00' + '04' + '00000005' + '01' + '06' + '02' + '0261' + '0262' + '00');
  });
});

/** Every v2 record of a log or snapshot file (control batches skipped). */
function* records(file: string): Generator<{ offset: number | bigint; key: Uint8Array | null; value: Uint8Array | null }> {
  const buf = new Uint8Array(readFileSync(file));
  let pos = 0;
  for (;;) {
    const f = frameAt(buf, pos, buf.length);
    if (f.kind !== 'entry') return;
    if (f.magic >= 2) {
      const h = decodeRecordBatchHeader(buf, pos, pos);
      if (!h.isControl) yield* decodeBatchRecords(buf, pos, h).records;
    }
    pos += f.totalSize;
  }
}

function filesUnder(dir: string, match: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = resolve(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, match));
    else if (match(p)) out.push(p);
  }
  return out.sort();
}

const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex'));

/** decode(real bytes) → encode gives back the identical bytes: nothing read is lost or invented. */
describe.skipIf(!existsSync(SHARED))('real records re-encode to identical bytes', () => {
  if (!existsSync(SHARED)) console.warn(`[kseg tests] ${SHARED} is absent: real-record round trips skipped.`);
  const roots = [resolve(SHARED, 'kraft'), resolve(SHARED, 'corpus/kafka-logs')];
  const logs = (part: string) => roots.flatMap((r) => filesUnder(r, (p) => p.includes(part) && /\.(log|checkpoint)$/.test(p)));

  for (const [family, part] of [['group', '/__consumer_offsets-'], ['transaction', '/__transaction_state-']] as const) {
    it(`${part.slice(1, -1)} (coordinator framing)`, () => {
      let n = 0;
      for (const file of logs(part)) {
        for (const r of records(file)) {
          if (r.key === null) continue;
          let d;
          try {
            d = decodeCoordinatorRecord(family, r.key, r.value);
          } catch {
            continue; // Kafka prints an error line for these; nothing to re-encode
          }
          expect(hex(writeCoordinatorKey(d.type, d.pair.key, d.key)), `${file}@${r.offset} key`).toBe(hex(r.key));
          if (d.value !== null) {
            expect(hex(writeCoordinatorValue(d.value.version, d.pair.value, d.value.data)), `${file}@${r.offset} value`).toBe(hex(r.value));
          }
          n++;
        }
      }
      console.info(`[round trip] ${part.slice(1, -1)}: ${n} records`);
      expect(n).toBeGreaterThan(0);
    });
  }

  it('__cluster_metadata logs, snapshots and bootstrap.checkpoint (metadata framing)', () => {
    let n = 0;
    const files = [...logs('/__cluster_metadata-'), ...roots.flatMap((r) => filesUnder(r, (p) => p.endsWith('/bootstrap.checkpoint')))];
    for (const file of files) {
      for (const r of records(file)) {
        let d;
        try {
          d = decodeMetadataRecord(r.value);
        } catch {
          continue;
        }
        expect(hex(writeApiMessageFrame(d.schema, d.data, d.version)), `${file}@${r.offset}`).toBe(hex(r.value));
        n++;
      }
    }
    console.info(`[round trip] __cluster_metadata: ${n} records from ${files.length} files`);
    expect(n).toBeGreaterThan(0);
  });
});
