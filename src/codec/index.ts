// The codec layer: decompression and checksums behind one small interface.
// Implementations live beside this file; everything above src/codec imports only from here.
// Each codec is one module, read as the Java stream Kafka opens on it reads it (what it accepts,
// how it fails, what a reader gets before a failure: decompressStream; decompress throws instead):
//   gzip.ts (GZIPInputStream over node:zlib), snappy.ts (snappy-java's SnappyInputStream over
//   snappy), lz4.ts (Kafka's Lz4BlockInputStream over lz4-block.ts, lz4 1.10's decoder),
//   zstd.ts (zstd-jni over zstd-napi, or fzstd), crc.ts (@node-rs/crc32).
import { gunzip, gzipStream } from './gzip.js';
import { lz4Stream, unlz4 } from './lz4.js';
import { snappyStream, unsnappy } from './snappy.js';
import { COMPRESSION_NAMES, CompressionType, type CompressionTypeId, type StreamContent, javaText } from './types.js';
import { CodecError } from './errors.js';
import { unzstd, zstdStream } from './zstd.js';

export { CompressionType, COMPRESSION_NAMES, compressionName } from './types.js';
export type { CompressionTypeId, CompressionName, JavaFailure, StreamContent } from './types.js';
export { JAVA_MAX_ARRAY, javaArrayFailure, javaText } from './types.js';
export { CodecError } from './errors.js';
export { crc32, crc32c, crc32Range, crc32cRange, crc32cOutrunsReading, crcBackendName } from './crc.js';
export { type JavaUtf8Engine, loadJavaUtf8Engine } from './java-utf8-native.js';

export interface DecompressOptions {
  /**
   * The magic (format version) of the message or batch the data came from. Only lz4 uses it:
   * for magic 0 a wrong LZ4 frame header checksum is accepted, as Kafka does (KAFKA-3160).
   */
  magic?: number;
  /**
   * Where `data` starts in the ByteBuffer Kafka decompresses it from (61: a v2 batch's records
   * start there in the batch's buffer; 0: a legacy wrapper's value is a slice of its own), and in
   * the byte array behind it (for a wrapper value: its place in the log entry). Kafka's LZ4
   * messages print positions counted from one or the other.
   */
  bufferOffset?: number;
  arrayOffset?: number;
}

/** True if n is a compression type id Kafka knows (0-4). */
export function isCompressionTypeId(n: number): n is CompressionTypeId {
  return Number.isInteger(n) && n >= 0 && n <= 4;
}

/**
 * Decompresses a Kafka compressed payload (a v2 batch's records region, or a legacy wrapper
 * message's value). Synchronous. Type 0 returns `data` itself. Throws CodecError on malformed,
 * truncated or checksum-failing input; a RangeError for a type id outside 0-4.
 * For codecs 1-4 the result is a fresh buffer (often a Buffer, which is a Uint8Array).
 */
export function decompress(type: CompressionTypeId, data: Uint8Array, opts: DecompressOptions = {}): Uint8Array {
  switch (type) {
    case CompressionType.none:
      return data;
    case CompressionType.gzip:
      return gunzip(data);
    case CompressionType.snappy:
      return unsnappy(data);
    case CompressionType.lz4:
      return unlz4(data, opts.magic);
    case CompressionType.zstd:
      return unzstd(data);
    default:
      // Kafka: IllegalArgumentException("Unknown compression type id: " + id)
      throw new RangeError(`Unknown compression type id: ${String(type)}`);
  }
}

/**
 * `data` as Kafka's Java decompression stream for codec `type` hands it to a reader: for input it
 * reads to the end without error, what decompress() returns; for damaged input, the bytes a reader
 * gets before the failure and the failure as the Java codec reports it (see StreamContent). The
 * same decoders as decompress(), which throws exactly when this reports a failure.
 */
export function decompressStream(type: CompressionTypeId, data: Uint8Array, opts: DecompressOptions = {}): StreamContent {
  const s = openStream(type, data, opts);
  const f = s.openFailure ?? s.failure;
  // The codec's own account, for readers that explain rather than reproduce (the audit).
  if (f) s.cause = new CodecError(COMPRESSION_NAMES[type], javaText(f));
  return s;
}

function openStream(type: CompressionTypeId, data: Uint8Array, opts: DecompressOptions): StreamContent {
  switch (type) {
    case CompressionType.none:
      return { data };
    case CompressionType.gzip:
      return gzipStream(data);
    case CompressionType.snappy:
      return snappyStream(data);
    case CompressionType.lz4:
      return lz4Stream(data, opts.magic ?? 2, opts.bufferOffset ?? 0, opts.arrayOffset ?? opts.bufferOffset ?? 0);
    case CompressionType.zstd:
      return zstdStream(data);
    default:
      throw new RangeError(`Unknown compression type id: ${String(type)}`);
  }
}
