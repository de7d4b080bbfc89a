import { join } from 'node:path';
import { compressSync } from 'lz4-napi';
import { beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../src/codec/index.js';
import { decodeLz4Block } from '../src/codec/lz4-block.js';
import { runJava } from '../scripts/kafka-lib.mjs';
import { Rng } from './fuzz/rng.js';
import { REPO } from './helpers.js';
import { HAVE_KAFKA, ensureKafka } from './real-kafka.js';

/**
 * The LZ4 block decoder against the one Kafka runs (lz4-java's JNI binding of lz4 1.10, through
 * test/fuzz/Lz4Probe.java): on intact and damaged blocks, with several output capacities, the same
 * decoded bytes, or the same failure at the same input position (Kafka prints it: "Error decoding
 * offset N of input buffer").
 */
describe.skipIf(!HAVE_KAFKA)('LZ4 blocks: decodeLz4Block and lz4-java agree', () => {
  beforeAll(() => ensureKafka());

  it('on 2000 real blocks, intact, with flipped bits or cut short (seeded)', () => {
    const rng = new Rng(20261124);
    const cases: Array<{ src: Buffer; capacity: number }> = [];
    for (let i = 0; i < 2000; i++) {
      const plain = Buffer.from(Array.from({ length: rng.range(1, 3000) }, () => (rng.chance(0.7) ? 97 + rng.int(4) : rng.int(256))));
      // lz4-napi's compressSync prefixes the block with its 4-byte decoded size
      const block = Buffer.from(compressSync(plain)).subarray(4);
      for (let j = rng.int(4); j > 0; j--) block[rng.int(block.length)]! ^= 1 << rng.int(8);
      const src = rng.chance(0.2) ? block.subarray(0, rng.range(1, block.length)) : block;
      cases.push({ src, capacity: rng.pick([65536, 262144, plain.length, plain.length + rng.int(100), 16, 70]) });
    }
    const input = cases.map((c) => `${c.src.toString('hex')} ${c.capacity}`).join('\n') + '\n';
    const real = runJava(join(REPO, 'test/fuzz/Lz4Probe.java'), [], { input }).stdout.trim().split('\n');
    expect(real).toHaveLength(cases.length);
    let failures = 0;
    cases.forEach((c, i) => {
      const dst = new Uint8Array(c.capacity);
      const r = decodeLz4Block(c.src, 0, c.src.length, dst, 0, c.capacity);
      const ours = r >= 0 ? `ok ${r} ${crc32(dst.subarray(0, r))}` : `err Error decoding offset ${-r} of input buffer`;
      if (r < 0) failures++;
      expect(ours, `block ${i}: ${c.src.toString('hex').slice(0, 60)}… capacity ${c.capacity}`).toBe(real[i]);
    });
    // the sample has both outcomes in numbers
    expect(failures).toBeGreaterThan(200);
    expect(failures).toBeLessThan(cases.length - 200);
  });
});
