import type { JavaFailure } from '../codec/index.js';

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
  | 'Kafka' // org.apache.kafka.common.KafkaException
  | 'OutOfMemory' // java.lang.OutOfMemoryError: what the reference tool's 256 MB heap makes of a huge length
  | 'Java'; // another exception that escapes Kafka's readers as it is: `javaClass`

export class FormatError extends Error {
  constructor(
    readonly kind: FormatErrorKind,
    message: string,
    readonly position: number = -1,
    options?: { cause?: unknown; java?: JavaFailure },
  ) {
    super(message, options);
    this.name = 'FormatError';
    this.java = options?.java;
  }

  /** For kind 'Java': the exception as the reference implementation throws it. */
  readonly java: JavaFailure | undefined;
}
