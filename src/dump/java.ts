/**
 * Small pieces of Java behaviour that DumpLogSegments' output depends on: java.io.File path
 * handling, Long.parseLong, and HashMap iteration order over String keys.
 */
import { JavaException } from './java-exception.js';

/** java.io.File normalisation: repeated '/' collapsed, a trailing '/' removed (except for "/"). */
export function javaFilePath(arg: string): string {
  let p = arg.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** File#getName: the text after the last '/'. */
export function javaFileName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** File#getAbsolutePath: not canonicalised ('.' and '..' segments stay). */
export function javaAbsolutePath(path: string, cwd: string): string {
  if (path.startsWith('/')) return path;
  if (path === '') return cwd;
  return cwd.endsWith('/') ? cwd + path : `${cwd}/${path}`;
}

/** File#getParent of an absolute path. */
export function javaParent(absPath: string): string {
  const i = absPath.lastIndexOf('/');
  return i <= 0 ? '/' : absPath.slice(0, i);
}

/** `name.split("\\.")[0]` as Java computes it (trailing empty strings dropped). */
export function javaSplitFirstDot(name: string): string {
  const parts = name.split('.');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0) {
    throw new JavaException('java.lang.ArrayIndexOutOfBoundsException', 'Index 0 out of bounds for length 0');
  }
  return parts[0]!;
}

const LONG_MIN = -9223372036854775808n;
const LONG_MAX = 9223372036854775807n;

/** Long.parseLong(s) with its NumberFormatException text. Returns a bigint. */
export function javaParseLong(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) throw numberFormat(s);
  const v = BigInt(s);
  if (v < LONG_MIN || v > LONG_MAX) throw numberFormat(s);
  return v;
}

/** Integer.parseInt(s). */
export function javaParseInt(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw numberFormat(s);
  const v = BigInt(s);
  if (v < -2147483648n || v > 2147483647n) throw numberFormat(s);
  return Number(v);
}

function numberFormat(s: string): JavaException {
  return new JavaException('java.lang.NumberFormatException', `For input string: "${s}"`);
}

/** String.hashCode over UTF-16 code units. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The order in which a java.util.HashMap<String, V> with default capacity (16) and load factor
 * (0.75) iterates its keys, given the keys in insertion order: by bucket of the final table,
 * then insertion order within a bucket (resizes keep relative order).
 */
export function javaHashMapOrder(keysInInsertionOrder: readonly string[]): string[] {
  let capacity = 16;
  while (keysInInsertionOrder.length > capacity * 0.75) capacity *= 2;
  const bucket = (k: string) => {
    const h = javaStringHash(k);
    return ((h ^ (h >>> 16)) & (capacity - 1)) >>> 0;
  };
  return keysInInsertionOrder
    .map((k, i) => ({ k, i, b: bucket(k) }))
    .sort((a, b) => a.b - b.b || a.i - b.i)
    .map((e) => e.k);
}
