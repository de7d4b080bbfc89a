import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { jsonLines } from './json-lines.js';

/**
 * One line of a run manifest: a record the producer sent, and what the broker answered.
 * Field names and encodings are those of `/work/shared/corpus/manifest.jsonl` (the reference
 * instance); everything after `txn` is optional and written by `kseg harness produce`.
 */
export interface ManifestRow {
  topic: string;
  partition: number;
  /** As acked; null when the producer got no ack (error, or a producer that reports none). */
  offset: number | null;
  /** base64; null for a null key. */
  key: string | null;
  /** base64; null for a null value (tombstone). */
  value: string | null;
  /** `[name, base64 | null]` in record order. */
  headers: Array<[string, string | null]>;
  /** The producer's CreateTime; null when the producer set none. */
  timestamp: number | null;
  txn: null | 'commit' | 'abort';
  /** Unique record id `run/producer/sequence` (also carried in the `kseg-id` header). */
  id?: string;
  /** The producer (client instance) that sent it: reordering is judged per producer. */
  producer?: string;
  /** 0-based send sequence within the producer. */
  seq?: number;
  /** Transaction number within the producer (records of one transaction share it). */
  txnId?: number | null;
  /** The send error, when the producer got one instead of an ack. */
  error?: string | null;
  /** The broker's timestamp in the ack (LogAppendTime topics), when it gave one (else -1/null). */
  ackTimestamp?: number | null;
  profile?: string;
}

export class ManifestError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`manifest line ${line}: ${message}`);
  }
}

function checkRow(o: unknown, line: number): ManifestRow {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ManifestError('not a JSON object', line);
  const r = o as Record<string, unknown>;
  if (typeof r['topic'] !== 'string') throw new ManifestError('"topic" must be a string', line);
  if (!Number.isInteger(r['partition'])) throw new ManifestError('"partition" must be an integer', line);
  const off = r['offset'];
  if (off !== null && off !== undefined && !Number.isInteger(off)) throw new ManifestError('"offset" must be an integer or null', line);
  for (const f of ['key', 'value'] as const) {
    if (r[f] !== null && r[f] !== undefined && typeof r[f] !== 'string') throw new ManifestError(`"${f}" must be base64 or null`, line);
  }
  const headers = r['headers'] ?? [];
  if (!Array.isArray(headers) || !headers.every((h) => Array.isArray(h) && typeof h[0] === 'string' && (h[1] === null || typeof h[1] === 'string'))) {
    throw new ManifestError('"headers" must be [[name, base64|null], ...]', line);
  }
  const ts = r['timestamp'];
  if (ts !== null && ts !== undefined && typeof ts !== 'number') throw new ManifestError('"timestamp" must be a number or null', line);
  const txn = r['txn'] ?? null;
  if (txn !== null && txn !== 'commit' && txn !== 'abort') throw new ManifestError('"txn" must be null, "commit" or "abort"', line);
  return {
    ...(r as object),
    topic: r['topic'] as string,
    partition: r['partition'] as number,
    offset: (off ?? null) as number | null,
    key: (r['key'] ?? null) as string | null,
    value: (r['value'] ?? null) as string | null,
    headers: headers as Array<[string, string | null]>,
    timestamp: (ts ?? null) as number | null,
    txn,
  };
}

/** Parses a manifest (JSON lines; blank lines ignored). Throws ManifestError with the line number. */
export function parseManifest(text: string): ManifestRow[] {
  const rows: ManifestRow[] = [];
  for (const { value, line } of jsonLines(text, (n, message) => new ManifestError(`invalid JSON (${message})`, n))) {
    rows.push(checkRow(value, line));
  }
  return rows;
}

export function readManifest(path: string): ManifestRow[] {
  return parseManifest(readFileSync(path, 'utf8'));
}

export function b64(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function unb64(s: string | null): Uint8Array | null {
  return s === null ? null : Buffer.from(s, 'base64');
}

/** Canonical key order of a line, so manifests diff cleanly. */
const ORDER: Array<keyof ManifestRow> = [
  'id', 'producer', 'seq', 'profile', 'topic', 'partition', 'offset', 'key', 'value', 'headers', 'timestamp', 'txn', 'txnId', 'ackTimestamp', 'error',
];

export function formatRow(row: ManifestRow): string {
  const o: Record<string, unknown> = {};
  for (const k of ORDER) if (row[k] !== undefined) o[k] = row[k];
  for (const [k, v] of Object.entries(row)) if (!(k in o) && v !== undefined) o[k] = v;
  return JSON.stringify(o);
}

/**
 * Appends manifest lines as acks arrive. Each line is written with one write(2) call so a crash
 * leaves at most a torn last line; `sync()` fsyncs (called at the end of a run and periodically).
 */
export class ManifestWriter {
  private fd: number;
  rows = 0;
  constructor(readonly path: string, options: { append?: boolean } = {}) {
    this.fd = openSync(path, options.append ? 'a' : 'w');
  }
  write(row: ManifestRow): void {
    writeSync(this.fd, formatRow(row) + '\n');
    this.rows++;
  }
  sync(): void {
    fsyncSync(this.fd);
  }
  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
