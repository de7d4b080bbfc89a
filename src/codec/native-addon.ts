// Where kseg's optional native addons are found: native/<dir>/build/Release/<target>.node, as
// native/build.mjs builds them. Two folders up from src/codec, dist/codec and dist/bundle alike.
import { createRequire } from 'node:module';

/** The addon native/<dir>'s module, or null where it is not built (no compiler, no library). */
export function loadNativeAddon<T>(dir: string, target: string): T | null {
  try {
    return createRequire(import.meta.url)(`../../native/${dir}/build/Release/${target}.node`) as T;
  } catch {
    return null;
  }
}
