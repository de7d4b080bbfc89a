import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../src/codec/index.js';

// The audit's memory must not grow with the number of batches (docs/audit.md, "Memory"). A
// partition of 250,000 small batches is audited in a child process whose V8 old space is capped at
// 24 MB: the streaming audit keeps well under 10 MB live whatever the log's length, while keeping
// even ~100 bytes per batch (an array of batch summaries did ~300) needs more than the cap, and the
// child dies with "heap out of memory". The child runs the build (dist/), like the CLI tests.
const REPO = resolve(import.meta.dirname, '..');
const AUDIT = join(REPO, 'dist/audit/index.js');
const built = statSync(AUDIT, { throwIfNoEntry: false }) !== undefined;
const BATCHES = 250_000;

/** `n` valid v2 batches of one 1-byte record each (69 bytes), offsets 0..n-1, rising timestamps. */
function tinyBatches(n: number): Buffer {
  const size = 69;
  const t = Buffer.alloc(size);
  t.writeInt32BE(size - 12, 8); // batchLength
  t.writeInt8(2, 16); // magic
  t.writeInt32BE(0, 23); // lastOffsetDelta
  t.writeBigInt64BE(-1n, 43); // producerId
  t.writeInt16BE(-1, 51); // producerEpoch
  t.writeInt32BE(-1, 53); // baseSequence
  t.writeInt32BE(1, 57); // recordCount
  // Record: length 7, attributes 0, timestampDelta 0, offsetDelta 0, key null, value [0x61], 0 headers.
  Buffer.from([14, 0, 0, 0, 1, 2, 0x61, 0]).copy(t, 61);
  const out = Buffer.alloc(n * size);
  for (let i = 0; i < n; i++) {
    const at = i * size;
    t.copy(out, at);
    out.writeBigInt64BE(BigInt(i), at); // baseOffset
    out.writeBigInt64BE(1_700_000_000_000n + BigInt(i), at + 27); // baseTimestamp
    out.writeBigInt64BE(1_700_000_000_000n + BigInt(i), at + 35); // maxTimestamp
    out.writeUInt32BE(crc32c(out.subarray(at + 21, at + size)), at + 17);
  }
  return out;
}

describe('audit memory', () => {
  it.skipIf(!built)(`a partition of ${BATCHES} batches audits clean with a 24 MB heap (needs a build)`, () => {
    const root = mkdtempSync(join(tmpdir(), 'kseg-audit-mem-'));
    try {
      const dir = join(root, 'tiny-0');
      mkdirSync(dir);
      writeFileSync(join(dir, '00000000000000000000.log'), tinyBatches(BATCHES));
      const script = `const { auditPath } = await import(${JSON.stringify(pathToFileURL(AUDIT).href)}); const r = auditPath(${JSON.stringify(dir)}); console.log(JSON.stringify({ summary: r.summary, anomalies: r.anomalies.length }));`;
      const child = spawnSync(process.execPath, ['--max-old-space-size=24', '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(child.stderr).not.toMatch(/heap out of memory/i);
      expect(child.status, child.stderr).toBe(0);
      const out = JSON.parse(child.stdout) as { summary: { batches: number; records: number; errors: number; warnings: number }; anomalies: number };
      expect(out.summary.batches).toBe(BATCHES);
      expect(out.summary.records).toBe(BATCHES);
      expect(out.anomalies).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
