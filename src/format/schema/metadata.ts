import { SchemaError } from './errors.js';
import { METADATA_RECORDS, metadataTypeName } from './defs/metadata.js';
import { Cursor, type MessageData, type Spans, readFrom } from './reader.js';
import type { MessageSchema } from './types.js';

/** Framing of `AbstractApiMessageSerde` / `MetadataRecordSerde`: uvarint frame version (1), apiKey, version, message. */
const PARSE = 'org.apache.kafka.server.common.serialization.MetadataParseException';

export interface MetadataRecord {
  type: number;
  /** `MetadataRecordType` name, e.g. `TOPIC_RECORD`. */
  typeName: string;
  version: number;
  data: MessageData;
  schema: MessageSchema;
  spans?: Spans;
}

const BY_KEY = new Map(METADATA_RECORDS.map((s) => [s.apiKey, s]));

export function metadataSchema(apiKey: number): MessageSchema | undefined {
  return BY_KEY.get(apiKey);
}

function unsignedIntToShort(c: Cursor, entity: string): number {
  let v: number;
  try {
    v = c.uvarint();
  } catch (e) {
    throw new SchemaError(PARSE, `Error while reading ${entity}`, { cause: e });
  }
  // Java's int: a varint past 31 bits reads negative, passes the check and is cast to a short
  if (v > 0x7fff) throw new SchemaError(PARSE, `Value for ${entity} was too large.`);
  return (v << 16) >> 16;
}

/** As `MetadataRecordSerde.read`; throws SchemaError with Kafka's message. A null value fails like Kafka's. */
export function decodeMetadataMessage(value: Uint8Array | null, options: { spans?: boolean } = {}): MetadataRecord {
  const r = decodeApiMessageFrame(value, (apiKey) => BY_KEY.get(apiKey), options);
  return { ...r, typeName: metadataTypeName(r.schema) };
}

/**
 * `AbstractApiMessageSerde.read` (server-common/.../serialization/AbstractApiMessageSerde.java),
 * shared by `MetadataRecordSerde` and `RemoteLogMetadataSerde`: uvarint frame version (must be 1),
 * uvarint apiKey, uvarint version, then the message; trailing bytes are an error.
 */
export function decodeApiMessageFrame(
  value: Uint8Array | null,
  schemaFor: (apiKey: number) => MessageSchema | undefined,
  options: { spans?: boolean } = {},
): Omit<MetadataRecord, 'typeName'> {
  if (value === null) throw new SchemaError(PARSE, 'Error while reading frame version');
  const c = new Cursor(value);
  const frameVersion = unsignedIntToShort(c, 'frame version');
  if (frameVersion === 0) {
    throw new SchemaError(PARSE, 'Could not deserialize metadata record with frame version 0. Note that upgrades from the preview release of KRaft in 2.8 to newer versions are not supported.');
  } else if (frameVersion !== 1) {
    throw new SchemaError(PARSE, `Could not deserialize metadata record due to unknown frame version ${frameVersion}(only frame version 1 is supported)`);
  }
  const apiKey = unsignedIntToShort(c, 'type');
  const version = unsignedIntToShort(c, 'version');
  const schema = schemaFor(apiKey);
  if (schema === undefined) {
    throw new SchemaError(PARSE, `org.apache.kafka.common.errors.UnsupportedVersionException: Unknown metadata id ${apiKey}`);
  }
  const spans = options.spans ? new Map() : undefined;
  let data: MessageData;
  try {
    // Kafka 4.3's generated readers take any version (no "Can't read version" check): a version
    // past the schema's reads the fields of its latest one.
    data = readFrom(c, schema, version, { spans, checkVersion: false });
  } catch (e) {
    throw new SchemaError(PARSE, `Failed to deserialize record with type ${apiKey}`, { cause: e });
  }
  if (c.remaining > 0) throw new SchemaError(PARSE, `Found ${c.remaining} byte(s) of garbage after ${apiKey}`);
  return { type: apiKey, version, data, schema, spans };
}
