import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DumpDriver, KAFKA_VERSION, runJava, startBroker } from '../scripts/kafka-lib.mjs';
import { runCat } from '../src/cli/cat.js';
import { REPO, dumpInProcess } from './helpers.js';
import { HAVE_KAFKA, ensureKafka } from './real-kafka.js';

/**
 * `kseg cat` of `__share_group_state` (KIP-932 share groups): real state written by a Kafka
 * broker for a real share consumer (test/java/ShareGroupRun.java: a group that releases one record
 * and accepts the rest), decoded as Kafka's own `--share-group-state-decoder` decodes it.
 */
describe.skipIf(!HAVE_KAFKA)(`kseg cat decodes __share_group_state written by Kafka ${KAFKA_VERSION}`, () => {
  it('ShareSnapshot and ShareUpdate records equal the real DumpLogSegments --share-group-state-decoder (and kafka-dump-log prints what it prints)', async () => {
    ensureKafka();
    const broker = await startBroker();
    let run: { code: number; stdout: string; stderr: string };
    try {
      run = runJava(resolve(REPO, 'test/java/ShareGroupRun.java'), [broker.bootstrap, 'share-t', 'sg', '6'], { timeoutMs: 180_000 });
    } finally {
      await broker.stop();
    }
    const driver = new DumpDriver({ cwd: broker.logDir });
    try {
      expect(run.stdout.trim(), run.stderr.slice(-2000)).toBe('consumed 6');
      const types: string[] = [];
      for (const dir of readdirSync(broker.logDir).filter((n) => n.startsWith('__share_group_state-'))) {
        const seg = `${dir}/00000000000000000000.log`;
        let out = '';
        const code = runCat(join(broker.logDir, seg), { format: 'ndjson', payload: 'none' }, { out: (s) => (out += s), err: () => {}, color: false });
        expect(code).toBe(0);
        const ours = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
        const args = ['--deep-iteration', '--share-group-state-decoder', '--files', seg];
        const realRun = await driver.run(args);
        const real = realRun.stdout.toString('utf8');
        // kafka-dump-log prints the same (the values' tagged DeliveryCompleteCount of Kafka 4.3 included).
        const dump = dumpInProcess(args, broker.logDir);
        expect({ code: dump.code, out: dump.stdout.toString('utf8'), err: dump.stderr.toString('utf8') }).toEqual({ code: realRun.code, out: real, err: realRun.stderr.toString('utf8') });
        const kafka = new Map<number, { key: { type: string; data: unknown }; payload: { version: string; data: unknown } }>();
        for (const line of real.split('\n')) {
          const m = /^\| offset: (\d+) .* key: (.*) payload: (.*)$/.exec(line);
          if (m) kafka.set(Number(m[1]), { key: JSON.parse(m[2]!), payload: JSON.parse(m[3]!) });
        }
        expect(kafka.size).toBe(ours.length);
        for (const r of ours) {
          const k = kafka.get(r.offset)!;
          expect(String(r.decoded.type)).toBe(k.key.type);
          expect(String(r.decoded.version)).toBe(k.payload.version);
          expect(r.decoded.data, `${seg} offset ${r.offset}`).toEqual({ key: k.key.data, value: k.payload.data });
          types.push(r.decoded.typeName);
        }
      }
      // The snapshot, and the updates the acknowledgements wrote.
      expect(types).toContain('ShareSnapshot');
      expect(types).toContain('ShareUpdate');
    } finally {
      driver.close();
      rmSync(broker.workDir, { recursive: true, force: true });
    }
  });
});
