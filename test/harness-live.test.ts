import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allowRemote } from '../src/harness/client.js';
import { consumeRun } from '../src/harness/consume.js';
import { readConsumeLog } from '../src/harness/consume-log.js';
import { waitForFlush } from '../src/harness/flush.js';
import { readManifest } from '../src/harness/manifest.js';
import { produceWorkload } from '../src/harness/produce.js';
import { verifyRun } from '../src/harness/verify.js';
import { PROFILES, buildWorkload } from '../src/harness/workload.js';

const BOOTSTRAP = process.env['KAFKA_BOOTSTRAP'];
const LOG_DIRS = process.env['KAFKA_LOG_DIRS'];
const LIVE = Boolean(BOOTSTRAP && LOG_DIRS);
if (!LIVE) {
  console.warn('[kseg tests] harness live tests skipped: they need a local broker, KAFKA_BOOTSTRAP=host:port and KAFKA_LOG_DIRS=<its log.dirs, comma separated>.');
}

const tmp = mkdtempSync(join(tmpdir(), 'kseg-harness-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!LIVE)('harness against a live broker (KAFKA_BOOTSTRAP, KAFKA_LOG_DIRS)', () => {
  const logDirs = (LOG_DIRS ?? '').split(',');
  const run = `live${Date.now().toString(36)}`;

  it.each(PROFILES.filter((p) => p !== 'compaction'))('%s: produce, wait for the files, verify: all intact', async (profile) => {
    const manifestPath = join(tmp, `${profile}.ndjson`);
    const w = buildWorkload(profile, { seed: 3, run, records: profile === 'large' ? 3 : 120, topicPrefix: `kseg-${run}-`, baseTimestamp: Date.now() });
    const s = await produceWorkload(w, { bootstrap: allowRemote(BOOTSTRAP!), manifestPath });
    expect(s.errors).toBe(0);
    expect(await waitForFlush(logDirs, s.partitions, { timeoutMs: 60_000 })).toEqual([]);
    const r = verifyRun(readManifest(manifestPath), logDirs);
    expect(r.findings.filter((f) => f.class !== 'intact')).toEqual([]);
    expect(r.totals.byClass.intact).toBe(s.records);
  }, 300_000);

  it('compaction: produce, verify: nothing lost (superseded allowed once the cleaner ran)', async () => {
    const manifestPath = join(tmp, 'compaction.ndjson');
    const w = buildWorkload('compaction', { seed: 3, run, records: 400, topicPrefix: `kseg-${run}-`, baseTimestamp: Date.now() });
    const s = await produceWorkload(w, { bootstrap: allowRemote(BOOTSTRAP!), manifestPath });
    expect(await waitForFlush(logDirs, s.partitions, { timeoutMs: 60_000 })).toEqual([]);
    const r = verifyRun(readManifest(manifestPath), logDirs);
    expect(r.ok).toBe(true);
  }, 300_000);

  it('consume through a group: everything delivered, committed offsets match __consumer_offsets', async () => {
    const manifestPath = join(tmp, 'transactions.ndjson');
    const logPath = join(tmp, 'consume.ndjson');
    const topics = [...new Set(readManifest(manifestPath).map((r) => r.topic))];
    await consumeRun({ bootstrap: allowRemote(BOOTSTRAP!), group: `kseg-${run}`, topics, logPath, idleMs: 5000 });
    // The group coordinator appends the commits to __consumer_offsets; give it the flush wait too.
    await new Promise((r) => setTimeout(r, 2000));
    const r = verifyRun(readManifest(manifestPath), logDirs, { consumeLog: readConsumeLog(logPath) });
    expect(r.consumer!.undelivered).toBe(0);
    expect(r.consumer!.offsets.length).toBeGreaterThan(0);
    expect(r.consumer!.offsets.every((o) => o.match)).toBe(true);
    expect(r.ok).toBe(true);
  }, 300_000);
});
