import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Range, crc32c, crc32cOutrunsReading, crc32cRange, crcBackendName } from '../src/codec/index.js';
import { REPO, ensureBuilt } from './helpers.js';

// The native CRCs: ISA-L's (native/crc, built by native/build.mjs where libisal-dev is installed)
// or @node-rs/crc32's. Whichever this process loaded must give exactly the CRCs @node-rs/crc32 and
// the table-driven JS CRC-32C give, at every length, offset and continuation.
const ADDON = join(REPO, 'native/crc/build/Release/kseg_crc.node');
/** This process uses ISA-L's CRCs (unless the environment asks for @node-rs/crc32's). */
const ISAL = existsSync(ADDON) && process.env.KSEG_CRC !== 'node-rs';
const require = createRequire(import.meta.url);
const nodeRs = require('@node-rs/crc32') as { crc32c(d: Uint8Array, p?: number): number; crc32(d: Uint8Array, p?: number): number };

/** CRC-32C bit by bit: the reference no table or instruction is in. */
function crc32cBitwise(data: Uint8Array, prev = 0): number {
  let c = ~prev >>> 0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('native CRCs', () => {
  it('the backend in use: ISA-L where native/crc is built, @node-rs/crc32 otherwise', () => {
    if (!existsSync(ADDON)) console.warn(`crc-native: ${ADDON} is not built (libisal-dev missing?): checking @node-rs/crc32 only`);
    expect(crcBackendName()).toBe(ISAL ? 'ISA-L (native/crc)' : '@node-rs/crc32');
    expect(crc32cOutrunsReading()).toBe(ISAL);
  });

  it('CRC-32C and CRC-32 equal @node-rs/crc32 and a bitwise CRC-32C at every length, offset and continuation', () => {
    const bytes = randomBytes(300_000);
    let seed = 5;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let i = 0; i < 3000; i++) {
      // Lengths around the JS/native thresholds (64, 224) and up to 200 KB.
      const len = i % 3 === 0 ? rand(400) : rand(i % 3 === 1 ? 5000 : 200_000);
      const start = rand(bytes.length - len);
      const view = bytes.subarray(start, start + len);
      const prev = i % 2 === 0 ? 0 : rand(0xffffffff);
      const c = crc32cRange(bytes, start, start + len, prev);
      expect(c, `crc32c ${start}+${len} prev ${prev}`).toBe(nodeRs.crc32c(view, prev) >>> 0);
      if (len < 2000) expect(c).toBe(crc32cBitwise(view, prev));
      expect(crc32Range(bytes, start, start + len, prev), `crc32 ${start}+${len}`).toBe(nodeRs.crc32(view, prev) >>> 0);
      if (prev === 0) {
        expect(crc32c(view)).toBe(c);
        expect(crc32(view)).toBe(nodeRs.crc32(view) >>> 0);
      }
    }
  });

  it('KSEG_CRC=node-rs makes the command use @node-rs/crc32, with the same dump', () => {
    ensureBuilt('dist/codec/crc.js');
    const name = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['-e', "import('./dist/codec/crc.js').then((m) => process.stdout.write(m.crcBackendName()))"], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env } }).stdout;
    expect(name({ KSEG_CRC: 'node-rs' })).toBe('@node-rs/crc32');
    expect(name({ KSEG_CRC: '' })).toBe(existsSync(ADDON) ? 'ISA-L (native/crc)' : '@node-rs/crc32');
    const dump = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['bin/kafka-dump-log.js', '--deep-iteration', '--files', 'fixtures/kafka-logs/java-snappy-0/00000000000000000000.log'], {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    const a = dump({ KSEG_CRC: '' });
    const b = dump({ KSEG_CRC: 'node-rs' });
    expect(a.status).toBe(0);
    expect(a.stdout).toContain('isvalid: true');
    expect(a.stdout).toBe(b.stdout);
  });
});
