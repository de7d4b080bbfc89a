import { SchemaError } from '../../format/schema/index.js';
import { Cursor } from '../../format/schema/reader.js';

const PARSE = 'org.apache.kafka.server.common.serialization.MetadataParseException';

function frameShort(c: Cursor, entity: string): number {
  let v: number;
  try {
    v = c.uvarint();
  } catch (e) {
    throw new SchemaError(PARSE, `Error while reading ${entity}`, { cause: e });
  }
  if (v > 0x7fff || v < 0) throw new SchemaError(PARSE, `Value for ${entity} was too large.`);
  return v;
}

/**
 * `RemoteLogMetadataSerde.deserialize(bytes).toString()`. The frame is checked as Kafka does; the
 * remote-log record schemas themselves are not described yet, so a well-framed record reports the
 * same error Kafka gives for an id it does not know.
 */
export function formatRemoteLogMetadata(value: Uint8Array | null): string {
  if (value === null) {
    throw new SchemaError('java.lang.NullPointerException', 'Cannot invoke "java.nio.ByteBuffer.remaining()" because the return value of "org.apache.kafka.common.record.Record.value()" is null');
  }
  const c = new Cursor(value);
  const frameVersion = frameShort(c, 'frame version');
  if (frameVersion === 0) {
    throw new SchemaError(PARSE, 'Could not deserialize metadata record with frame version 0. Note that upgrades from the preview release of KRaft in 2.8 to newer versions are not supported.');
  } else if (frameVersion !== 1) {
    throw new SchemaError(PARSE, `Could not deserialize metadata record due to unknown frame version ${frameVersion}(only frame version 1 is supported)`);
  }
  const apiKey = frameShort(c, 'type');
  frameShort(c, 'version');
  throw new SchemaError(PARSE, `org.apache.kafka.common.errors.UnsupportedVersionException: Unknown metadata id ${apiKey}`);
}
