/**
 * A decoding failure: what is wrong and where. `kind` names the failure the way Kafka's record
 * classes do (so the DumpLogSegments layer can reproduce Kafka's exception), `position` is the
 * absolute byte position in the source (file offset) where known.
 */
export type FormatErrorKind =
  | 'InvalidRecord' // org.apache.kafka.common.InvalidRecordException
  | 'CorruptRecord' // org.apache.kafka.common.errors.CorruptRecordException
  | 'Decompression' // KafkaException: Failed to decompress record stream
  | 'BufferUnderflow' // java.nio.BufferUnderflowException (no message)
  | 'IllegalArgument' // java.lang.IllegalArgumentException
  | 'IllegalState'
  | 'CorruptSnapshot'
  | 'Kafka'; // org.apache.kafka.common.KafkaException

export class FormatError extends Error {
  constructor(
    readonly kind: FormatErrorKind,
    message: string,
    readonly position: number = -1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FormatError';
  }
}
