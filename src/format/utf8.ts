/**
 * UTF-8 to string as Java's `new String(bytes, UTF_8)` does it: malformed input becomes U+FFFD.
 * Pure ASCII (the common case for header keys) takes a fast path without TextDecoder.
 */
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function utf8(buf: Uint8Array, start: number = 0, end: number = buf.length): string {
  const len = end - start;
  if (len <= 0) return '';
  if (len < 32) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return decoder.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(buf.subarray(start, end));
}
