import { type Int64, normalize } from './int64.js';

/**
 * The small text files a broker keeps in log.dirs and in each partition directory. Each parser is
 * strict: it returns the entries with their line numbers, and errors name the line.
 */
export class TextFileError extends Error {
  constructor(
    message: string,
    /** 1-based line number. */
    readonly line: number,
  ) {
    super(message);
    this.name = 'TextFileError';
  }
}

/**
 * The lines of a text file as Java's BufferedReader.readLine reads them, which is how a broker
 * reads its checkpoints: `\n`, `\r\n` or `\r` ends a line (a broker on Windows writes `\r\n`
 * through BufferedWriter.newLine), and a final line end adds no empty line.
 */
function lines(text: string): string[] {
  const l = text.split(/\r\n|\r|\n/);
  if (l.length > 0 && l[l.length - 1] === '') l.pop();
  return l;
}

function int(s: string | undefined, line: number, what: string): number {
  if (s === undefined || !/^-?\d+$/.test(s)) throw new TextFileError(`expected ${what}, found ${JSON.stringify(s ?? '')}`, line);
  return Number(s);
}

function long(s: string | undefined, line: number, what: string): Int64 {
  if (s === undefined || !/^-?\d+$/.test(s)) throw new TextFileError(`expected ${what}, found ${JSON.stringify(s ?? '')}`, line);
  return normalize(BigInt(s));
}

export interface OffsetCheckpointEntry {
  topic: string;
  partition: number;
  offset: Int64;
  line: number;
}

/**
 * `recovery-point-offset-checkpoint`, `replication-offset-checkpoint`, `log-start-offset-checkpoint`,
 * `cleaner-offset-checkpoint`: version line, count line, then `topic partition offset` lines. An
 * empty file has no entries (version null): Kafka's CheckpointReadBuffer returns an empty list when
 * the first readLine finds nothing, and brokers leave such files (an empty cleaner checkpoint).
 */
export function parseOffsetCheckpoint(text: string): { version: number | null; entries: OffsetCheckpointEntry[] } {
  const l = lines(text);
  if (l.length === 0) return { version: null, entries: [] };
  const version = int(l[0], 1, 'a version number');
  const count = int(l[1], 2, 'an entry count');
  const entries: OffsetCheckpointEntry[] = [];
  for (let i = 2; i < l.length; i++) {
    const parts = l[i]!.split(' ');
    if (parts.length !== 3) throw new TextFileError(`expected "topic partition offset", found ${JSON.stringify(l[i])}`, i + 1);
    entries.push({ topic: parts[0]!, partition: int(parts[1], i + 1, 'a partition'), offset: long(parts[2], i + 1, 'an offset'), line: i + 1 });
  }
  if (entries.length !== count) throw new TextFileError(`header says ${count} entries, found ${entries.length}`, 2);
  return { version, entries };
}

export interface LeaderEpochEntry {
  epoch: number;
  startOffset: Int64;
  line: number;
}

/** `leader-epoch-checkpoint`: version, count, then `epoch startOffset` lines; empty: no entries (as parseOffsetCheckpoint). */
export function parseLeaderEpochCheckpoint(text: string): { version: number | null; entries: LeaderEpochEntry[] } {
  const l = lines(text);
  if (l.length === 0) return { version: null, entries: [] };
  const version = int(l[0], 1, 'a version number');
  const count = int(l[1], 2, 'an entry count');
  const entries: LeaderEpochEntry[] = [];
  for (let i = 2; i < l.length; i++) {
    const parts = l[i]!.split(' ');
    if (parts.length !== 2) throw new TextFileError(`expected "epoch startOffset", found ${JSON.stringify(l[i])}`, i + 1);
    entries.push({ epoch: int(parts[0], i + 1, 'an epoch'), startOffset: long(parts[1], i + 1, 'an offset'), line: i + 1 });
  }
  if (entries.length !== count) throw new TextFileError(`header says ${count} entries, found ${entries.length}`, 2);
  return { version, entries };
}

/** `partition.metadata`: `version: 0` and `topic_id: <base64url uuid>`. */
export function parsePartitionMetadata(text: string): { version: number; topicId: string } {
  const l = lines(text);
  const v = /^version: (\d+)$/.exec(l[0] ?? '');
  if (!v) throw new TextFileError(`expected "version: N", found ${JSON.stringify(l[0] ?? '')}`, 1);
  const t = /^topic_id: (\S+)$/.exec(l[1] ?? '');
  if (!t) throw new TextFileError(`expected "topic_id: ID", found ${JSON.stringify(l[1] ?? '')}`, 2);
  return { version: Number(v[1]), topicId: t[1]! };
}

/** Java .properties as the broker writes `meta.properties` (comments, key=value). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of lines(text)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** KRaft `quorum-state`: a JSON document. */
export function parseQuorumState(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new TextFileError(`not JSON: ${(e as Error).message}`, 1);
  }
}
