// CRCs via @node-rs/crc32 (native, SSE4.2/PCLMUL). Both functions take a Uint8Array/Buffer view
// as is (no copy) and return an unsigned 32-bit number.
import { crc32 as nativeCrc32, crc32c as nativeCrc32c } from '@node-rs/crc32';

/** CRC-32C (Castagnoli), unsigned. Kafka v2 record batches: over bytes [attributes, batch end). */
export function crc32c(data: Uint8Array): number {
  return nativeCrc32c(data) >>> 0;
}

/** CRC-32 (zlib/IEEE), unsigned. Kafka legacy (magic 0/1) messages: over bytes [magic, message end). */
export function crc32(data: Uint8Array): number {
  return nativeCrc32(data) >>> 0;
}
