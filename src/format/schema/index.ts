/**
 * Kafka's internal-topic record schemas and a generic reader/JSON writer for them. Pure functions:
 * bytes in, plain ordered objects (or Kafka's JSON text) out.
 */
import { decodeCoordinatorRecord, type CoordinatorFamily } from './coordinator.js';
import { decodeControlMessage } from './control.js';
import { decodeMetadataMessage } from './metadata.js';
import type { MessageData } from './reader.js';

export type { Int64 } from './types.js';
export type { FieldSchema, MessageSchema, Versions } from './types.js';
export type { MessageData, FieldValue, Spans } from './reader.js';
export { readMessage, readFrom, Cursor, defaultValue } from './reader.js';
export { writeJson, toJsonValue, jsonString, type FieldHook } from './json.js';
export { base64, uuidToString, javaDouble } from './values.js';
export { SchemaError } from './errors.js';
export { decodeCoordinatorRecord, UnknownRecordTypeError, coordinatorRecordPair, type CoordinatorRecord, type CoordinatorFamily } from './coordinator.js';
export { metadataSchema, decodeMetadataMessage, type MetadataRecord } from './metadata.js';
export { parseControlKey, decodeControlMessage, CONTROL_SCHEMAS, CONTROL_TYPE_NAMES, type ControlRecord } from './control.js';
export { METADATA_RECORDS, metadataTypeName } from './defs/metadata.js';
export { GROUP_RECORDS } from './defs/group.js';
export * as controlSchemas from './defs/control.js';

/** The common decoded shape for kseg's JSON views. */
export interface DecodedRecord {
  type: number;
  typeName: string;
  /** Value version (coordinator records), message version (metadata, control). null for tombstones. */
  version: number | null;
  /** Coordinator records: `{ key, value }` (value null for tombstones); others: the message. */
  data: MessageData;
}

function coordinator(family: CoordinatorFamily, key: Uint8Array, value: Uint8Array | null): DecodedRecord {
  const r = decodeCoordinatorRecord(family, key, value);
  return {
    type: r.type,
    typeName: r.typeName,
    version: r.value?.version ?? null,
    data: { key: r.key, value: r.value?.data ?? null },
  };
}

/** `__consumer_offsets` record (group coordinator). Throws SchemaError / UnknownRecordTypeError. */
export function decodeGroupCoordinatorRecord(key: Uint8Array, value: Uint8Array | null): DecodedRecord {
  return coordinator('group', key, value);
}

/** `__transaction_state` record. */
export function decodeTransactionLogRecord(key: Uint8Array, value: Uint8Array | null): DecodedRecord {
  return coordinator('transaction', key, value);
}

/** `__share_group_state` record. */
export function decodeShareGroupStateRecord(key: Uint8Array, value: Uint8Array | null): DecodedRecord {
  return coordinator('share', key, value);
}

/** KRaft `__cluster_metadata` / snapshot record value. */
export function decodeMetadataRecord(value: Uint8Array | null): DecodedRecord {
  const r = decodeMetadataMessage(value);
  return { type: r.type, typeName: r.typeName, version: r.version, data: r.data };
}

/** Control record of a control batch (end-transaction markers and KRaft control messages). */
export function decodeControlRecord(key: Uint8Array | null, value: Uint8Array | null): DecodedRecord {
  const r = decodeControlMessage(key, value);
  return { type: r.type, typeName: r.typeName, version: r.version, data: r.data };
}
export { writeMessage, writeTo, writeCoordinatorKey, writeCoordinatorValue, writeApiMessageFrame, ByteWriter, uuidFromString } from './writer.js';
export { decodeApiMessageFrame } from './metadata.js';
export * as remoteLogSchemas from './defs/remote-log.js';
