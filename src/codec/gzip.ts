// gzip via node:zlib. gunzipSync, like Java's GZIPInputStream, reads concatenated members and
// checks each member's CRC-32 and ISIZE trailer, so truncation and corruption are detected.
import { gunzipSync } from 'node:zlib';
import { CodecError, messageOf } from './errors.js';

export function gunzip(data: Uint8Array): Uint8Array {
  if (data.length === 0) throw new CodecError('gzip', 'empty input');
  try {
    return gunzipSync(data);
  } catch (e) {
    throw new CodecError('gzip', `corrupt or truncated data: ${messageOf(e)}`, { cause: e });
  }
}
