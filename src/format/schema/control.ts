import { SchemaError } from './errors.js';
import {
  KRaftVersionRecord,
  LeaderChangeMessage,
  SnapshotFooterRecord,
  SnapshotHeaderRecord,
  VotersRecord,
} from './defs/control.js';
import { Cursor, type MessageData, readFrom } from './reader.js';
import type { MessageSchema } from './types.js';

const INVALID_RECORD = 'org.apache.kafka.common.InvalidRecordException';
const NPE = 'java.lang.NullPointerException';

export const CONTROL_TYPE_NAMES: Record<number, string> = {
  0: 'ABORT',
  1: 'COMMIT',
  2: 'LEADER_CHANGE',
  3: 'SNAPSHOT_HEADER',
  4: 'SNAPSHOT_FOOTER',
  5: 'KRAFT_VERSION',
  6: 'KRAFT_VOTERS',
};

export const CONTROL_SCHEMAS: Record<number, MessageSchema> = {
  2: LeaderChangeMessage,
  3: SnapshotHeaderRecord,
  4: SnapshotFooterRecord,
  5: KRaftVersionRecord,
  6: VotersRecord,
};

export interface ControlRecord {
  /** Control type id from the key (signed int16). */
  type: number;
  /** `ControlRecordType` name, `UNKNOWN` for other ids. */
  typeName: string;
  /** Version: the key version for unknown types, the marker version for ABORT/COMMIT, the `Version` field otherwise. */
  version: number;
  /** ABORT/COMMIT: `{ coordinatorEpoch }`; types 2–6: the message; unknown types: `{}`. */
  data: MessageData;
  schema?: MessageSchema;
}

/** `ControlRecordType.parseTypeId`: returns [keyVersion, typeId]. */
export function parseControlKey(key: Uint8Array | null): [number, number] {
  if (key === null) throw new SchemaError(NPE, 'Cannot invoke "java.nio.ByteBuffer.duplicate()" because "key" is null');
  if (key.length < 4) {
    throw new SchemaError(INVALID_RECORD, `Invalid value size found for control record key. Must have at least 4 bytes, but found only ${key.length}`);
  }
  const c = new Cursor(key);
  const version = c.int16();
  if (version < 0) throw new SchemaError(INVALID_RECORD, `Invalid version found for control record: ${version}. May indicate data corruption`);
  return [version, c.int16()];
}

/**
 * Decodes a control record as DumpLogSegments 4.3 does before printing it (end transaction markers,
 * KRaft control messages read at version 0). Throws SchemaError where Kafka throws.
 */
export function decodeControlMessage(key: Uint8Array | null, value: Uint8Array | null): ControlRecord {
  const [keyVersion, type] = parseControlKey(key);
  const typeName = CONTROL_TYPE_NAMES[type] ?? 'UNKNOWN';
  if (type === 0 || type === 1) {
    if (value === null) throw new SchemaError(NPE, 'Cannot invoke "java.nio.ByteBuffer.getShort()" because "value" is null');
    const c = new Cursor(value);
    const version = c.int16();
    if (version < 0) {
      throw new SchemaError(INVALID_RECORD, `Invalid version found for end transaction marker: ${version}. May indicate data corruption`);
    }
    return { type, typeName, version, data: { coordinatorEpoch: c.int32() } };
  }
  const schema = CONTROL_SCHEMAS[type];
  if (schema === undefined) return { type, typeName, version: keyVersion, data: {} };
  if (value === null) throw new SchemaError(NPE, 'Cannot invoke "java.nio.ByteBuffer.slice()" because "data" is null');
  const data = readFrom(new Cursor(value), schema, 0);
  return { type, typeName, version: data['version'] as number, data, schema };
}
