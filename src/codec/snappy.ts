// Snappy via the `snappy` package (napi-rs around the Rust `snap` crate; its raw decoder checks
// bounds and the declared length, so truncated or corrupt blocks throw).
//
// Two framings occur in Kafka logs:
//  - xerial (Kafka's Java producer, snappy-java's SnappyOutputStream): magic 0x82 "SNAPPY" 0x00,
//    int32 version, int32 compatible version (16 bytes), then repeated
//    [int32 BE compressed length][raw snappy block]; output is the concatenation.
//  - a single raw snappy block (librdkafka, node clients): detected by the absence of the magic.
import { createRequire } from 'node:module';
import type * as Snappy from 'snappy';
import { CodecError, messageOf } from './errors.js';

// The native addon is loaded on first use: dumps of uncompressed segments never pay for it.
let snappy: typeof Snappy | undefined;
const uncompressSync: typeof Snappy.uncompressSync = (data, options) =>
  (snappy ??= createRequire(import.meta.url)('snappy') as typeof Snappy).uncompressSync(data, options);

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_SIZE = 16;

function hasXerialMagic(data: Uint8Array, at: number): boolean {
  if (data.length - at < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[at + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** True if `data` starts with the xerial snappy-java stream header. */
export function isXerialSnappy(data: Uint8Array): boolean {
  return hasXerialMagic(data, 0);
}

function rawBlock(data: Uint8Array, where: string): Buffer {
  try {
    // copyOutputData: the result is copied into a V8-owned buffer and the native one freed at once;
    // without it, native buffers wait for a GC that external memory hardly triggers (measured:
    // 235 MB peak RSS in a deep dump of a 64 MB segment).
    return uncompressSync(data, { asBuffer: true, copyOutputData: true }) as Buffer;
  } catch (e) {
    throw new CodecError('snappy', `corrupt or truncated ${where}: ${messageOf(e)}`, { cause: e });
  }
}

export function unsnappy(data: Uint8Array): Uint8Array {
  if (data.length === 0) throw new CodecError('snappy', 'empty input');
  if (!isXerialSnappy(data)) return rawBlock(data, 'raw snappy block');
  if (data.length < XERIAL_HEADER_SIZE) {
    throw new CodecError('snappy', `truncated xerial header (${data.length} of ${XERIAL_HEADER_SIZE} bytes)`);
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const chunks: Buffer[] = [];
  let total = 0;
  let p = XERIAL_HEADER_SIZE;
  while (p < data.length) {
    // snappy-java reads concatenated streams: a header may reappear at a chunk boundary.
    if (hasXerialMagic(data, p)) {
      if (data.length - p < XERIAL_HEADER_SIZE) throw new CodecError('snappy', `truncated xerial header at offset ${p}`);
      p += XERIAL_HEADER_SIZE;
      continue;
    }
    if (data.length - p < 4) throw new CodecError('snappy', `truncated xerial chunk length at offset ${p}`);
    const n = dv.getInt32(p);
    if (n < 0) throw new CodecError('snappy', `negative xerial chunk length ${n} at offset ${p}`);
    if (p + 4 + n > data.length) {
      throw new CodecError('snappy', `truncated xerial chunk at offset ${p}: needs ${n} bytes, ${data.length - p - 4} left`);
    }
    const out = rawBlock(data.subarray(p + 4, p + 4 + n), `xerial chunk at offset ${p}`);
    chunks.push(out);
    total += out.length;
    p += 4 + n;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
