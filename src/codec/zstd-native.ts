// Optional native libzstd for the zstd codec, through `zstd-napi` (an optional dependency that
// compiles its bundled libzstd 1.5.7 with node-gyp at install time; the prebuilt download it tries
// first needs GitHub, which is unreachable here, so the build is what runs). If the module is
// missing or its binary did not build, `nativeZstd` is undefined and zstd.ts keeps the pure-JS
// fzstd path. KSEG_ZSTD=js in the environment forces the JS path (tests and benchmarks).
//
// Only the binding's one-shot ZSTD_decompressDCtx is used: with a destination at least as large
// as the frame walker's output bound it needs no content size in the header (Kafka's producers
// write none) and decodes straight into the destination. libzstd itself rejects truncation
// (srcSize_wrong), content-size mismatches, corrupt blocks, windows above 2^27 (its default
// windowLogMax, the limit Kafka's zstd-jni applies) and, unlike fzstd, a wrong XXH64 checksum.
import { createRequire } from 'node:module';

interface DCtx {
  /** ZSTD_decompressDCtx: all frames of src into dst; returns the bytes written. Throws on error. */
  decompress(dst: Uint8Array, src: Uint8Array): number;
  /** ZSTD_decompressStream: [return value, bytes written, bytes read]. Throws on error. */
  decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number];
}

interface Binding {
  DCtx: new () => DCtx;
  versionString(): string;
}

export interface NativeZstd {
  /** e.g. "zstd-napi (libzstd 1.5.7)" */
  name: string;
  /** Decodes every frame of src into dst (which must be large enough); returns the byte count. */
  decompressInto(dst: Uint8Array, src: Uint8Array): number;
  /** A fresh streaming context: ZSTD_decompressStream as zstd-jni drives it (see zstd.ts). */
  stream(): (dst: Uint8Array, src: Uint8Array) => [number, number, number];
}

function load(): NativeZstd | undefined {
  if (process.env.KSEG_ZSTD === 'js') return undefined;
  try {
    const binding = createRequire(import.meta.url)('zstd-napi/binding') as Binding;
    const dctx = new binding.DCtx();
    return {
      name: `zstd-napi (libzstd ${binding.versionString()})`,
      decompressInto: (dst, src) => dctx.decompress(dst, src),
      stream: () => {
        const s = new binding.DCtx();
        return (dst, src) => s.decompressStream(dst, src);
      },
    };
  } catch {
    return undefined; // not installed, or its native build failed: fzstd it is
  }
}

let loaded: { zstd: NativeZstd | undefined } | undefined;

/** The native decoder, loaded on first use (undefined without it); dumps without zstd never load it. */
export function nativeZstd(): NativeZstd | undefined {
  return (loaded ??= { zstd: load() }).zstd;
}
