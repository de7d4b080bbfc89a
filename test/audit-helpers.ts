import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastOffsetOf } from '../src/format/batch.js';
import type { Int64 } from '../src/format/int64.js';
import { decodeControlRecord } from '../src/format/schema/index.js';
import { readBatches } from '../src/io/batches.js';
import { FIXTURES } from './helpers.js';

/**
 * Fault injection on copies: the real fixtures are copied to a temp dir and only the copy is
 * damaged. Batch positions come from the io layer's reader, not from the audit under test.
 */
export interface BatchAt {
  position: number;
  size: number;
  baseOffset: Int64;
  lastOffset: Int64;
  isControl: boolean;
  controlType: string | null;
  epochPosition: number;
}

export function batchesOf(path: string): BatchAt[] {
  const out: BatchAt[] = [];
  for (const b of readBatches(path, { detach: true })) {
    const h = b.header;
    let controlType: string | null = null;
    if (h.format === 'v2' && h.isControl) {
      const r = b.records().records[0];
      if (r) controlType = decodeControlRecord(r.key, r.value).typeName;
    }
    out.push({
      position: h.position,
      size: h.sizeInBytes,
      baseOffset: h.format === 'v2' ? h.baseOffset : h.offset,
      lastOffset: lastOffsetOf(h),
      isControl: h.format === 'v2' && h.isControl,
      controlType,
      epochPosition: h.position + 12,
    });
  }
  return out;
}

/** A temp copy of fixtures/kafka-logs/<partition> (inside a temp "log dir" without checkpoints). */
export function copyPartition(partition: string): { root: string; dir: string; file: (name: string) => string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'kseg-audit-'));
  const dir = join(root, partition);
  cpSync(join(FIXTURES, 'kafka-logs', partition), dir, { recursive: true });
  return { root, dir, file: (name) => join(dir, name), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A temp copy of the whole fixtures/kafka-logs log dir (with its root checkpoint files). */
export function copyLogDir(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'kseg-audit-'));
  cpSync(join(FIXTURES, 'kafka-logs'), join(root, 'kafka-logs'), { recursive: true });
  return { root: join(root, 'kafka-logs'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function edit(path: string, f: (b: Buffer) => Buffer): void {
  writeFileSync(path, f(readFileSync(path)));
}

export function flip(path: string, position: number, mask = 0xff): void {
  edit(path, (b) => {
    b[position] = b[position]! ^ mask;
    return b;
  });
}

export const SEG = (offset: number, ext: string): string => `${String(offset).padStart(20, '0')}.${ext}`;
