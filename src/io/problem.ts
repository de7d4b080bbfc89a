import { TextFileError } from '../format/text-files.js';

/** Something wrong with an input file, as `kseg ls` and `kseg stats` report it; the rest of the work goes on. */
export interface Problem {
  file: string;
  /** Byte position in the file, when the problem is at a byte. */
  position?: number;
  /** 1-based line, for text files. */
  line?: number;
  message: string;
}

/** The Problem of a failure reading `file`: the error's own byte position or line when it has one, else `position`. */
export function problemOf(file: string, e: unknown, position?: number): Problem {
  if (e instanceof TextFileError) return { file, line: e.line, message: e.message };
  const msg = e instanceof Error ? e.message : String(e);
  const pos = typeof (e as { position?: unknown })?.position === 'number' && (e as { position: number }).position >= 0 ? (e as { position: number }).position : position;
  return pos === undefined ? { file, message: msg } : { file, position: pos, message: msg };
}
