import type { CompressionName } from './types.js';

/** Thrown by the codec layer when compressed input is malformed, truncated or fails a checksum. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    /** The codec that rejected the input. */
    readonly codec: CompressionName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${codec}: ${message}`, options);
  }
}

/** The message of an unknown thrown value, for wrapping library errors. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
