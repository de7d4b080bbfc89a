// The optional native engine of Java's UTF-8 text (native/java-utf8: a Node-API addon built by
// native/build.mjs where a C compiler and node-gyp are). It runs format/utf8.ts's own tables, which
// that module hands it (init); this module only finds it. KSEG_UTF8=js in the environment leaves it
// unloaded (tests and benchmarks compare the two).
import { loadNativeAddon } from './native-addon.js';

export interface JavaUtf8Engine {
  /** Takes the transducer's tables (utf8.ts); throws if they are not what the engine can run. */
  init(out: Int32Array, step: Uint16Array): void;
  /** Java's text of src[start, end) into out from `at` (room for 3n + 1 bytes); returns its end. */
  transcode(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number;
}

/** The addon, or null where it is not built (or KSEG_UTF8=js). */
export function loadJavaUtf8Engine(): JavaUtf8Engine | null {
  return process.env.KSEG_UTF8 === 'js' ? null : loadNativeAddon<JavaUtf8Engine>('java-utf8', 'kseg_java_utf8');
}
