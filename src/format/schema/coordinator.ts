import { SchemaError, RUNTIME } from './errors.js';
import { GROUP_RECORDS, type RecordPair } from './defs/group.js';
import { ShareSnapshotKey, ShareSnapshotValue, ShareUpdateKey, ShareUpdateValue } from './defs/share.js';
import { TransactionLogKey, TransactionLogValue } from './defs/transaction.js';
import { Cursor, type MessageData, type Spans, readFrom } from './reader.js';

/**
 * Coordinator records (`CoordinatorRecordSerde`): key = int16 record type + key message (read at
 * version = the record type); value = int16 version + value message, or null for a tombstone.
 */
export interface CoordinatorRecord {
  type: number;
  typeName: string;
  key: MessageData;
  /** null for a tombstone. */
  value: { version: number; data: MessageData } | null;
  pair: RecordPair;
  keySpans?: Spans;
  valueSpans?: Spans;
}

/** `Deserializer.UnknownRecordTypeException`. */
export class UnknownRecordTypeError extends SchemaError {
  constructor(readonly unknownType: number) {
    super('org.apache.kafka.coordinator.common.runtime.Deserializer$UnknownRecordTypeException', `Found an unknown record type ${unknownType}`);
  }
}

export type CoordinatorFamily = 'group' | 'transaction' | 'share';

const TRANSACTION_RECORDS: readonly RecordPair[] = [{ type: 0, key: TransactionLogKey, value: TransactionLogValue }];
const SHARE_RECORDS: readonly RecordPair[] = [
  { type: 0, key: ShareSnapshotKey, value: ShareSnapshotValue },
  { type: 1, key: ShareUpdateKey, value: ShareUpdateValue },
];

const FAMILIES: Record<CoordinatorFamily, Map<number, RecordPair>> = {
  group: new Map(GROUP_RECORDS.map((p) => [p.type, p])),
  transaction: new Map(TRANSACTION_RECORDS.map((p) => [p.type, p])),
  share: new Map(SHARE_RECORDS.map((p) => [p.type, p])),
};

export function coordinatorRecordPair(family: CoordinatorFamily, type: number): RecordPair | undefined {
  return FAMILIES[family].get(type);
}

function readVersion(c: Cursor, name: string): number {
  if (c.remaining < 2) throw new SchemaError(RUNTIME, `Could not read version from ${name}'s buffer.`);
  return c.int16();
}

function readPart(c: Cursor, schema: RecordPair['key'], version: number, name: string, spans: Spans | undefined, checkVersion: boolean): MessageData {
  try {
    return readFrom(c, schema, version, { spans, checkVersion });
  } catch (e) {
    const msg = e instanceof SchemaError ? e.messageText : String(e);
    throw new SchemaError(RUNTIME, `Could not read record with version ${version} from ${name}'s buffer due to: ${msg}.`, { cause: e });
  }
}

/**
 * Decodes a coordinator record as `CoordinatorRecordSerde.deserialize` does. Throws
 * `UnknownRecordTypeError` or `SchemaError` (class + Kafka's message).
 */
export function decodeCoordinatorRecord(
  family: CoordinatorFamily,
  key: Uint8Array,
  value: Uint8Array | null,
  options: { spans?: boolean } = {},
): CoordinatorRecord {
  const kc = new Cursor(key);
  const type = readVersion(kc, 'key');
  const pair = FAMILIES[family].get(type);
  if (pair === undefined) throw new UnknownRecordTypeError(type);
  const keySpans = options.spans ? new Map() : undefined;
  // Kafka reads the key at version = its record type (it prints that version when the key does not
  // parse); keys have one version, so their fields read the same at any version
  const keyData = readPart(kc, pair.key, type, 'key', keySpans, false);
  const typeName = pair.key.name.replace(/Key$/, '');
  if (value === null) return { type, typeName, key: keyData, value: null, pair, keySpans };
  const vc = new Cursor(value);
  const version = readVersion(vc, 'value');
  if (version < pair.value.valid.lo || version > pair.value.valid.hi) {
    throw new SchemaError(
      'org.apache.kafka.coordinator.common.runtime.Deserializer$UnknownRecordVersionException',
      `Found an unknown record version ${version} for ${type} type`,
    );
  }
  const valueSpans = options.spans ? new Map() : undefined;
  const data = readPart(vc, pair.value, version, 'value', valueSpans, true);
  return { type, typeName, key: keyData, value: { version, data }, pair, keySpans, valueSpans };
}
