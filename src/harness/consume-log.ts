import { readFileSync } from 'node:fs';

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
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(l);
    } catch (e) {
      throw new Error(`consume log line ${i + 1}: invalid JSON (${(e as Error).message})`);
    }
    const t = (o as { type?: unknown }).type;
    if (t !== 'start' && t !== 'record' && t !== 'commit' && t !== 'end') throw new Error(`consume log line ${i + 1}: unknown event type ${JSON.stringify(t)}`);
    out.push(o as ConsumeEvent);
  }
  return out;
}

export function readConsumeLog(path: string): ConsumeEvent[] {
  return parseConsumeLog(readFileSync(path, 'utf8'));
}
