import { readInt32, readInt64 } from '../format/int64.js';
import { JavaException } from './java-exception.js';

/**
 * The key/value decoders Kafka ships in org.apache.kafka.tools.api, selectable with
 * --key-decoder-class / --value-decoder-class. A decoder turns bytes into the text printed after
 * `key: ` / `payload: `: either a string, or bytes to be printed as Java prints
 * `new String(bytes, UTF_8)` (StringDecoder; see ByteSink.javaUtf8).
 */
export type DecodedText = string | Uint8Array;
export type Decoder = (bytes: Uint8Array) => DecodedText;

// The bytes themselves: the output writes them as Java would print the decoded string.
export const stringDecoder: Decoder = (bytes) => bytes;

let identity = 0x1b6d3586;

const DECODERS: Record<string, Decoder> = {
  'org.apache.kafka.tools.api.StringDecoder': stringDecoder,
  'org.apache.kafka.tools.api.IntegerDecoder': (bytes) => {
    if (bytes.length < 4) throw new JavaException('java.nio.BufferUnderflowException', null);
    return String(readInt32(bytes, 0));
  },
  'org.apache.kafka.tools.api.LongDecoder': (bytes) => {
    if (bytes.length < 8) throw new JavaException('java.nio.BufferUnderflowException', null);
    return String(readInt64(bytes, 0));
  },
  // DefaultDecoder returns the byte[] itself; Java prints an array as `[B@<identity hash>`,
  // which differs run to run. We print a stable stand-in of the same shape.
  'org.apache.kafka.tools.api.DefaultDecoder': () => `[B@${(identity++).toString(16)}`,
};

/** Utils.newInstance(className, Decoder.class): unknown classes fail as Kafka 4.3 fails. */
export function loadDecoder(className: string): Decoder {
  const d = DECODERS[className];
  if (!d) throw new JavaException('java.lang.RuntimeException', 'Failed to load decoder class');
  return d;
}
