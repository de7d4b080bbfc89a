/**
 * DumpLogSegments' message parsers for Kafka's internal topics (`--offsets-decoder`,
 * `--transaction-log-decoder`, `--cluster-metadata-decoder`, `--remote-log-metadata-decoder`,
 * `--share-group-state-decoder`) and the control-record part of record lines. Text only; the
 * decoding lives in src/format/schema.
 */
import { JavaException } from '../java-exception.js';
import {
  Cursor,
  SchemaError,
  UnknownRecordTypeError,
  decodeCoordinatorRecord,
  jsonString,
  readFrom,
  writeJson,
  controlSchemas,
  type CoordinatorFamily,
  type FieldHook,
  type FieldValue,
} from '../../format/schema/index.js';
import { decodeMetadataMessage } from '../../format/schema/metadata.js';
import { decodeControlMessage } from '../../format/schema/control.js';
import type { Int64 } from '../../format/int64.js';
import { formatRemoteLogMetadata } from './remote-log.js';

export interface RecordForParser {
  offset: Int64;
  /** Negative: no key (Record.hasKey()); read before the key, as Kafka reads it. Absent: the key's nullness says. */
  keySize?: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
}
/** undefined = not printed. */
export interface ParsedRecordText {
  key?: string;
  value?: string;
}
export interface MessageParser {
  parse(record: RecordForParser): ParsedRecordText;
}

function messageOf(e: unknown): string {
  if (e instanceof SchemaError) return e.messageText;
  if (e instanceof JavaException) return e.javaMessage ?? 'null';
  if (e instanceof Error) return e.message;
  return String(e);
}

/** DumpLogSegments' rewrite of embedded consumer-protocol bytes in GroupMetadataValue members. */
function consumerProtocolHook(consumer: boolean): FieldHook | undefined {
  if (!consumer) return undefined;
  return (field, value) => {
    if (field.type !== 'bytes' || field.array || !(value instanceof Uint8Array)) return undefined;
    const schema =
      field.key === 'subscription'
        ? controlSchemas.ConsumerProtocolSubscription
        : field.key === 'assignment'
          ? controlSchemas.ConsumerProtocolAssignment
          : undefined;
    if (schema === undefined) return undefined;
    try {
      const c = new Cursor(value);
      const version = c.int16();
      const data = readFrom(c, schema, version);
      return writeJson(schema, data, version);
    } catch {
      return undefined; // keep the original bytes
    }
  };
}

class CoordinatorRecordMessageParser implements MessageParser {
  constructor(private readonly family: CoordinatorFamily) {}

  parse(record: RecordForParser): ParsedRecordText {
    if (record.keySize === undefined ? record.key === null : record.keySize < 0) {
      throw new JavaException(
        'java.lang.RuntimeException',
        `Failed to decode message at offset ${record.offset} using the specified decoder (message had a missing key)`,
      );
    }
    let text: ParsedRecordText;
    try {
      const r = decodeCoordinatorRecord(this.family, record.key!, record.value);
      const key = `{"type":${jsonString(String(r.type))},"data":${writeJson(r.pair.key, r.key, 0)}}`;
      let value = '<DELETE>';
      if (r.value !== null) {
        const hook =
          this.family === 'group' && r.type === 2 ? consumerProtocolHook(r.value.data['protocolType'] === 'consumer') : undefined;
        value = `{"version":${jsonString(String(r.value.version))},"data":${writeJson(r.pair.value, r.value.data, r.value.version, hook)}}`;
      }
      text = { key, value };
    } catch (e) {
      if (e instanceof UnknownRecordTypeError) {
        return { key: `Unknown record type ${e.unknownType} at offset ${record.offset}, skipping.` };
      }
      return { key: `Error at offset ${record.offset}, skipping. ${messageOf(e)}` };
    }
    return text;
  }
}

export function createOffsetsParser(): MessageParser {
  return new CoordinatorRecordMessageParser('group');
}

export function createTransactionLogParser(): MessageParser {
  return new CoordinatorRecordMessageParser('transaction');
}

export function createShareGroupStateParser(): MessageParser {
  return new CoordinatorRecordMessageParser('share');
}

export function createClusterMetadataParser(): MessageParser {
  return {
    parse(record) {
      try {
        const r = decodeMetadataMessage(record.value);
        return { value: `{"type":${jsonString(r.typeName)},"version":${r.version},"data":${writeJson(r.schema, r.data, r.version)}}` };
      } catch (e) {
        return { value: `Error at ${record.offset}, skipping. ${messageOf(e)}` };
      }
    },
  };
}

export function createRemoteLogMetadataParser(): MessageParser {
  return {
    parse(record) {
      try {
        return { value: formatRemoteLogMetadata(record.value) };
      } catch (e) {
        return { value: `Error at offset ${record.offset}, skipping. ${messageOf(e)}` };
      }
    },
  };
}

const CONTROL_LABEL: Record<number, string> = {
  2: ' LeaderChange: ',
  3: ' SnapshotHeader ',
  4: ' SnapshotFooter ',
  5: ' KRaftVersion ',
  6: ' KRaftVoters ',
};

/**
 * The control part of a record line for a record of a control batch, including its leading space.
 * Throws JavaException exactly where Kafka 4.3 crashes.
 */
export function formatControlRecord(key: Uint8Array | null, value: Uint8Array | null): string {
  try {
    const r = decodeControlMessage(key, value);
    if (r.type === 0 || r.type === 1) {
      return ` endTxnMarker: ${r.typeName} coordinatorEpoch: ${r.data['coordinatorEpoch'] as number}`;
    }
    if (r.schema !== undefined) {
      // Kafka's generated JsonConverter.write has no version check at the top level (the struct's
      // versions are the message's valid versions), so an out-of-range Version is written as is.
      return CONTROL_LABEL[r.type]! + writeJson(r.schema, r.data, r.version);
    }
    return ` controlType: ${r.typeName}(${r.type})`;
  } catch (e) {
    if (e instanceof SchemaError) throw new JavaException(e.javaClass, e.javaMessage);
    throw e;
  }
}

export type { FieldValue };
