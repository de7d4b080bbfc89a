import { FormatError } from '../format/errors.js';

/**
 * Where Kafka's DumpLogSegments dies with an uncaught exception, the JVM prints
 * `Exception in thread "main" <class>: <message>` on stderr and exits 1. The dump layer throws
 * this to reproduce that first line exactly; the CLI prints it (without stack lines).
 */
export class JavaException extends Error {
  constructor(
    /** Fully-qualified Java class name, e.g. `java.util.NoSuchElementException`. */
    readonly javaClass: string,
    /** The Java message, or null for exceptions created without one (then only the class is printed). */
    readonly javaMessage: string | null,
  ) {
    super(javaMessage === null ? javaClass : `${javaClass}: ${javaMessage}`);
    this.name = 'JavaException';
  }

  /** The line the JVM's default handler prints first. */
  get firstLine(): string {
    return `Exception in thread "main" ${this.message}`;
  }
}

/** Maps a decoder failure to the exception Kafka's record classes throw for it. */
export function toJavaException(e: unknown): unknown {
  if (!(e instanceof FormatError)) return e;
  switch (e.kind) {
    case 'InvalidRecord':
      return new JavaException('org.apache.kafka.common.InvalidRecordException', e.message);
    case 'CorruptRecord':
      return new JavaException('org.apache.kafka.common.errors.CorruptRecordException', e.message);
    case 'Decompression':
    case 'Kafka':
      return new JavaException('org.apache.kafka.common.KafkaException', e.message);
    case 'BufferUnderflow':
      return new JavaException('java.nio.BufferUnderflowException', null);
    case 'IllegalArgument':
      return new JavaException('java.lang.IllegalArgumentException', e.message);
    case 'IllegalState':
      return new JavaException('java.lang.IllegalStateException', e.message);
    case 'CorruptSnapshot':
      return new JavaException('org.apache.kafka.storage.internals.log.CorruptSnapshotException', e.message);
    case 'OutOfMemory':
      return new JavaException('java.lang.OutOfMemoryError', e.message);
    case 'Java':
      return new JavaException(e.java!.javaClass, e.java!.javaMessage);
  }
}
