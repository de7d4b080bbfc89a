import { readFileSync } from 'node:fs';
import { jsonLines } from './json-lines.js';

/**
 * The consume log written by `kseg harness consume`: JSON lines, one event each.
 * `record`: a record the consumer received; `commit`: an offset the consumer committed for its group
 * (the next offset to read, as Kafka stores it).
 */
export type ConsumeEvent =
  | { type: 'start'; group: string; isolation: 'read_committed' | 'read_uncommitted'; topics: string[]; at: number }
  | { type: 'record'; topic: string; partition: number; offset: number; id: string | null }
  | { type: 'commit'; group: string; topic: string; partition: number; offset: number }
  | { type: 'end'; at: number; records: number; reason: string };

export function parseConsumeLog(text: string): ConsumeEvent[] {
  const out: ConsumeEvent[] = [];
  for (const { value, line } of jsonLines(text, (n, message) => new Error(`consume log line ${n}: invalid JSON (${message})`))) {
    const t = (value as { type?: unknown }).type;
    if (t !== 'start' && t !== 'record' && t !== 'commit' && t !== 'end') throw new Error(`consume log line ${line}: unknown event type ${JSON.stringify(t)}`);
    out.push(value as ConsumeEvent);
  }
  return out;
}

export function readConsumeLog(path: string): ConsumeEvent[] {
  return parseConsumeLog(readFileSync(path, 'utf8'));
}
