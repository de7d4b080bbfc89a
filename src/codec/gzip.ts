// gzip via node:zlib. gunzipSync, like Java's GZIPInputStream, reads concatenated members and
// checks each member's CRC-32 and ISIZE trailer, so truncation and corruption are detected.
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';
import { CodecError, messageOf } from './errors.js';

// Loaded on first use: node:zlib (and node:stream under it) is not in Node's start-up snapshot, and
// most dumps never meet a gzip batch (see scripts/bundle.mjs for what the start costs).
let zlib: typeof Zlib | undefined;

export function gunzip(data: Uint8Array): Uint8Array {
  if (data.length === 0) throw new CodecError('gzip', 'empty input');
  try {
    return (zlib ??= createRequire(import.meta.url)('node:zlib') as typeof Zlib).gunzipSync(data);
  } catch (e) {
    throw new CodecError('gzip', `corrupt or truncated data: ${messageOf(e)}`, { cause: e });
  }
}
