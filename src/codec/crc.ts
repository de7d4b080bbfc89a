// CRCs: natively for large inputs, a table-driven JS CRC-32C for small ones. The native CRCs are
// Intel ISA-L's (native/crc: Node-API bindings built by native/build.mjs where libisal-dev is
// installed; CRC-32C 37.8 GiB/s and ~50 ns a call on this project's 2-core EPYC), else
// @node-rs/crc32's (a prebuilt package: 6.6 GiB/s, ~140 ns a call). Loaded on first use, one of
// the two; KSEG_CRC=node-rs in the environment forces the second (tests and benchmarks).
// Where JS gives way (the JS slicing-by-8 loop costs ~0.8 ns/byte: 60 ns at 64 bytes, 167 at 200,
// 268 at 300): at ~220 bytes against @node-rs/crc32's call (~150 ns at 32-64 bytes, ~225 at 620),
// at ~96 against ISA-L's (~80-90 ns from 64 to 256 bytes, view included; JS 30 ns at 32 bytes).
// Between the two is most v2 batches written by low-linger producers (one small record per batch).
import { createRequire } from 'node:module';
import { loadNativeAddon } from './native-addon.js';

/** A continuable CRC of a byte view: crc(a + b) = f(b, f(a, 0)), unsigned. */
type CrcFn = (data: Uint8Array, prev: number) => number;

interface NativeCrcs {
  name: string;
  crc32c: CrcFn;
  crc32: CrcFn;
  /** Inputs below this many bytes are summed in JS. */
  small: number;
  /** See crc32cOutrunsReading. */
  outrunsReading: boolean;
}

const NODE_RS_SMALL = 224;
const ISAL_SMALL = 96;

function loadNative(): NativeCrcs {
  // Not built here (no libisal-dev, no compiler), or not wanted: @node-rs/crc32.
  const isal = process.env.KSEG_CRC === 'node-rs' ? null : loadNativeAddon<{ crc32c: CrcFn; crc32: CrcFn }>('crc', 'kseg_crc');
  if (isal !== null) return { name: 'ISA-L (native/crc)', crc32c: isal.crc32c, crc32: isal.crc32, small: ISAL_SMALL, outrunsReading: true };
  const nodeRs = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: CrcFn; crc32: CrcFn };
  return {
    name: '@node-rs/crc32',
    crc32c: (data, prev) => nodeRs.crc32c(data, prev) >>> 0,
    crc32: (data, prev) => nodeRs.crc32(data, prev) >>> 0,
    small: NODE_RS_SMALL,
    outrunsReading: false,
  };
}

// Set on first use (a dump that checksums nothing loads neither library).
let native: NativeCrcs | undefined;
let SMALL = NODE_RS_SMALL;
let nativeCrc32c: CrcFn = (data, prev) => initNative().crc32c(data, prev);
let nativeCrc32: CrcFn = (data, prev) => initNative().crc32(data, prev);

function initNative(): NativeCrcs {
  if (native === undefined) {
    native = loadNative();
    SMALL = native.small;
    nativeCrc32c = native.crc32c;
    nativeCrc32 = native.crc32;
  }
  return native;
}

/**
 * Whether the native CRC-32C outruns reading a file from the page cache (ISA-L's 37.8 GiB/s against
 * ~12 GiB/s here; @node-rs/crc32's 6.6 does not): a dump that only reads and checksums is then
 * bound by reading, which a second thread does not make faster than its own start costs.
 */
export function crc32cOutrunsReading(): boolean {
  return initNative().outrunsReading;
}

/** Which native CRCs this process uses: "ISA-L (native/crc)" or "@node-rs/crc32". */
export function crcBackendName(): string {
  return initNative().name;
}

/** Slicing-by-8 tables for the reflected Castagnoli polynomial 0x82F63B78. */
const T = new Int32Array(256 * 8);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) {
  for (let t = 1; t < 8; t++) T[t * 256 + i] = (T[(t - 1) * 256 + i]! >>> 8) ^ T[T[(t - 1) * 256 + i]! & 0xff]!;
}

function crc32cJs(buf: Uint8Array, start: number, end: number, prev: number): number {
  let c = ~prev;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
  }
  for (; i < end; i++) c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** CRC-32C (Castagnoli), unsigned. Kafka v2 record batches: over bytes [attributes, batch end). */
export function crc32c(data: Uint8Array): number {
  return data.length < SMALL ? crc32cJs(data, 0, data.length, 0) : nativeCrc32c(data, 0);
}

/**
 * CRC-32C of `buf[start, end)` without creating a view (cheaper on hot paths). With `prev`, the
 * CRC of bytes that came before, it continues it: crc(a + b) = crc32cRange(b, .., crc(a)).
 */
export function crc32cRange(buf: Uint8Array, start: number, end: number, prev = 0): number {
  // A plain Uint8Array view: cheaper than Buffer#subarray (no species lookup), measured ~25 ns a call.
  return end - start < SMALL ? crc32cJs(buf, start, end, prev) : nativeCrc32c(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start), prev);
}

/** CRC-32 (zlib/IEEE), unsigned. Kafka legacy (magic 0/1) messages: over bytes [magic, message end). */
export function crc32(data: Uint8Array): number {
  return nativeCrc32(data, 0);
}

/** CRC-32 of `buf[start, end)`, continuing `prev` (the CRC of the bytes before) as crc32cRange does. */
export function crc32Range(buf: Uint8Array, start: number, end: number, prev = 0): number {
  return nativeCrc32(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start), prev);
}
