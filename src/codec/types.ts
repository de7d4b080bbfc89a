/** Kafka's compression type ids (attributes bits 0-2). */
export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionTypeId = 0 | 1 | 2 | 3 | 4;
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

/** The name of a compression type id as kseg prints it: Kafka's name, `unknown(N)` for 5-7. */
export function compressionName(id: number): string {
  return (COMPRESSION_NAMES as readonly string[])[id] ?? `unknown(${id})`;
}

/**
 * An exception as Kafka's Java decompression streams throw it (the reference for what a reader of
 * a damaged payload sees): class, message (null for none), and whether it is an IOException, which
 * Kafka's record readers wrap, rather than a RuntimeException, which escapes them as it is.
 */
export interface JavaFailure {
  javaClass: string;
  javaMessage: string | null;
  io: boolean;
}

/**
 * A compressed payload as Kafka's Java decompression stream delivers it: the bytes a reader gets,
 * then EOF or `failure` (thrown by the read that asks for more). `openFailure`: the stream fails
 * as it is opened (reading the codec's header), before any byte.
 */
export interface StreamContent {
  data: Uint8Array;
  failure?: JavaFailure;
  openFailure?: JavaFailure;
  /** With a failure: the codec's own account of what is wrong (a CodecError). */
  cause?: unknown;
}

/** The text of a Java exception (Throwable.toString): `class: message`, or the class alone. */
export function javaText(f: JavaFailure): string {
  return f.javaMessage === null ? f.javaClass : `${f.javaClass}: ${f.javaMessage}`;
}

/**
 * The largest byte[] the reference tool can allocate: kafka-dump-log.sh runs its JVM with
 * KAFKA_HEAP_OPTS' default -Xmx256M and G1, where the largest array that fits is ~252 MB
 * (measured); a length field past it makes Kafka fail with OutOfMemoryError before it reads on.
 */
export const JAVA_MAX_ARRAY = 250 * 1024 * 1024;

/**
 * A new array of `length` elements in the reference tool (`elementBytes`: 1 for byte[], 4 for an
 * Object[] under its compressed references): the OutOfMemoryError it throws, or null if it fits.
 */
export function javaArrayFailure(length: number, elementBytes = 1): JavaFailure | null {
  // HotSpot's own limit on array lengths comes first.
  if (length > 2147483645) return { javaClass: 'java.lang.OutOfMemoryError', javaMessage: 'Requested array size exceeds VM limit', io: false };
  if (length * elementBytes > JAVA_MAX_ARRAY) return { javaClass: 'java.lang.OutOfMemoryError', javaMessage: 'Java heap space', io: false };
  return null;
}
