// How Kafka's Java decompression streams fail on damaged input, for the readers that must fail the
// same way (the dump): which bytes a reader gets first, and the exception it then meets. The
// streams are those Kafka's Compression.wrapForInput opens, read through its ChunkedBytesStream.
import type { CodecError } from './errors.js';
import type { CompressionTypeId, StreamContent } from './types.js';

/** The stream Kafka opens on `data` (magic: of the batch or wrapper), which decompress() rejected with `e`. */
export function streamFailure(type: CompressionTypeId, data: Uint8Array, magic: number, e: CodecError): StreamContent {
  void type;
  void data;
  void magic;
  return { data: new Uint8Array(0), failure: { javaClass: 'java.io.IOException', javaMessage: e.message, io: true } };
}
