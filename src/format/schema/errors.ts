/**
 * A failure while decoding a schema-described message, named the way the JVM would name it so the
 * DumpLogSegments layer can reproduce Kafka's text (`e.getMessage()` is often printed verbatim).
 */
export class SchemaError extends Error {
  constructor(
    /** Fully-qualified Java exception class, e.g. `java.nio.BufferUnderflowException`. */
    readonly javaClass: string,
    /** The Java message; null for exceptions without one (Java prints `null` for `getMessage()`). */
    readonly javaMessage: string | null,
    options?: { cause?: unknown },
  ) {
    super(javaMessage ?? javaClass, options);
    this.name = 'SchemaError';
  }

  /** As Java's `String.valueOf(e.getMessage())`. */
  get messageText(): string {
    return this.javaMessage ?? 'null';
  }
}

export const RUNTIME = 'java.lang.RuntimeException';
export const UNDERFLOW = 'java.nio.BufferUnderflowException';
export const ILLEGAL_ARGUMENT = 'java.lang.IllegalArgumentException';
export const UNSUPPORTED_VERSION = 'org.apache.kafka.common.errors.UnsupportedVersionException';

export function underflow(): SchemaError {
  return new SchemaError(UNDERFLOW, null);
}
