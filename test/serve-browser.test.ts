import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LogBatch, readBatches } from '../src/io/batches.js';
import { readLogDir } from '../src/io/logdir.js';
import { summarizeLogDir } from '../src/io/log-summary.js';
import { readPartitionRecords, seekTime } from '../src/io/seek.js';
import { explainBatch } from '../src/view/explain.js';
import { lsJson } from '../src/view/ls.js';
import { FIXTURES, REPO } from './helpers.js';

/**
 * `kseg serve` as a person uses it: the real command (bin/kseg.js, a child process) on the
 * fixtures' log dir, and the page driven in a real headless Chromium (Debian's, through
 * playwright-core: nothing is downloaded). Expected values come from the library on the same
 * files. A screenshot of the explain view is kept in test-artifacts/ (git-ignored; CI keeps it).
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_MISSING = existsSync(CHROMIUM) ? null : `${CHROMIUM} is absent (apt-get install -y chromium)`;
if (CHROMIUM_MISSING) console.warn(`[kseg tests] kseg serve's browser tests are skipped: ${CHROMIUM_MISSING}.`);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const ARTIFACTS = resolve(REPO, 'test-artifacts');
const LOGS = join(FIXTURES, 'kafka-logs');
const KSEG = resolve(REPO, 'bin/kseg.js');

/** The newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const f = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(f) : statSync(f).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  // The command runs from dist/ (the bundles and the page's files): built by `npm ci` (CI), rebuilt
  // here only when src/ changed since (a build rewrites dist/ while other test files load from it).
  const outputs = ['dist/bundle/kseg.js', 'dist/bundle/serve-worker.js', 'dist/serve/web/app.js'].map((f) => resolve(REPO, f));
  const built = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  if (built >= newest(resolve(REPO, 'src'))) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}, 120_000);

/** The page's document, in functions that run in the browser (the tests compile without the DOM's types). */
type Doc = { querySelectorAll(s: string): { length: number }; activeElement: { textContent: string | null; id: string } | null };

interface Served {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts `kseg serve DIR --port 0` and waits for the URL it prints. */
function serve(dir: string): Promise<Served> {
  const child = spawn(process.execPath, [KSEG, 'serve', dir, '--port', '0'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`kseg serve printed no URL in 20 s: ${out}${err}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({
          child,
          url: m[1]!,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kseg serve exited ${code}: ${out}${err}`));
    });
  });
}

describe.skipIf(CHROMIUM_MISSING !== null)('kseg serve in a headless browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    served = await serve(LOGS);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Offline: the page may ask nothing of any other origin.
    await page.route('**/*', (route) => (route.request().url().startsWith(served.url) ? route.continue() : route.abort()));
    page.on('request', (r) => {
      if (!r.url().startsWith(served.url) && !r.url().startsWith('data:')) pageErrors.push(`request outside the server: ${r.url()}`);
    });
  }, 60_000);
  beforeEach(() => {
    pageErrors.length = 0;
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('opens the log dir: the ls table, filled in from every partition', async () => {
    await page.goto(served.url);
    const ls = lsJson(summarizeLogDir(LOGS));
    await page.waitForFunction((n) => ((globalThis as any).document as Doc).querySelectorAll('#partitions tr.summarised').length === n, ls.partitions.length);
    for (const p of ls.partitions) {
      const row = page.locator(`#partitions tr[data-partition="${p.name}"]`);
      await expect(row.locator('td.records').textContent()).resolves.toBe(p.recordsExact ? String(p.records) : `~${p.records}`);
      await expect(row.locator('td.codecs').textContent()).resolves.toBe(p.codecs.join(','));
    }
    expect(pageErrors).toEqual([]);
  });

  it('opens a zstd batch; hovering a CRC byte shows the crc field; the decompressed records are explained too', async () => {
    await page.goto(served.url);
    await page.getByRole('link', { name: 'rd-zstd-0' }).click();
    await page.getByRole('link', { name: '00000000000000000000.log' }).click();
    const zstdRow = page.locator('#batches tbody tr', { hasText: 'v2 zstd' }).first();
    const position = Number(await zstdRow.locator('td').first().textContent());
    await zstdRow.locator('a').first().click();
    await page.waitForSelector('#hex-s0 .b');

    const log = join(LOGS, 'rd-zstd-0', '00000000000000000000.log');
    const b = readBatches(log, { start: position, detach: true }).next().value as LogBatch;
    const explained = explainBatch(b);
    expect(explained.codec).toBe('zstd');
    const crcRow = explained.sections[0]!.rows.find((r) => r.field === 'crc')!;

    await page.hover(`#hex-s0 [data-p="${position + 17}"]`);
    const info = page.locator('#info-s0');
    await expect(info.locator('.info-field').textContent()).resolves.toBe('crc');
    await expect(info.locator('.info-value').textContent()).resolves.toBe(String(crcRow.value));
    await expect(info.textContent()).resolves.toContain(`bytes ${crcRow.start}..${crcRow.end} (4 bytes)`);
    await expect(info.textContent()).resolves.toContain(crcRow.meaning);

    // The compressed bytes are one field of the file; the decompressed stream has the records.
    await expect(page.locator('#section-s1 h3').textContent()).resolves.toContain('decompressed records');
    const valueRow = explained.sections[1]!.rows.find((r) => r.field === 'records[0].value')!;
    await page.locator('#fields-s1 [data-field="records[0].value"]').click();
    await expect(page.locator('#hex-s1 .b.sel').count()).resolves.toBe(valueRow.end - valueRow.start);
    await expect(page.locator('#info-s1 .info-field').textContent()).resolves.toBe('records[0].value');

    // The keyboard reaches every byte: Home, then 17 steps right is the CRC's first byte.
    await page.locator('#hex-s0').focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 17; i++) await page.keyboard.press('ArrowRight');
    await expect(info.locator('.info-field').textContent()).resolves.toBe('crc');
    await page.keyboard.press('Enter');
    await expect(page.locator('#hex-s0 .b.sel').count()).resolves.toBe(4);
    await expect(page.locator('#fields-s0 .selected').getAttribute('data-field')).resolves.toBe('crc');

    // The records of the batch as `kseg cat` shows them, then as hex.
    const records = b.records().records;
    await expect(page.locator('#records tbody tr').count()).resolves.toBe(records.length);
    await page.getByLabel('hex').check();
    await page.waitForSelector('#records .payload-hex');
    const firstValue = Buffer.from(records[0]!.value!).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    await expect(page.locator('#records tbody tr').first().locator('td.value').textContent()).resolves.toContain(firstValue.slice(0, 60));

    // Back to the CRC, and a picture of the explain view for CI's artifacts.
    await page.hover(`#hex-s0 [data-p="${position + 17}"]`);
    await page.locator('#section-s0').scrollIntoViewIfNeeded();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'serve-explain.png') });
    expect(readFileSync(join(ARTIFACTS, 'serve-explain.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(pageErrors).toEqual([]);
  });

  it('seeks by offset through the indexes to the batch holding it', async () => {
    const dir = readLogDir(LOGS).partitions.find((p) => p.name === 'txn-0')!;
    const all = [...readPartitionRecords(dir)];
    const target = all[Math.floor(all.length * 0.6)]!;
    await page.goto(`${served.url}#/p/txn-0`);
    await page.locator('#seek-offset').fill(String(target.record.offset));
    await page.locator('#seek-offset').press('Enter');
    await page.waitForSelector('#seek-note');
    expect(page.url()).toContain(`/b/${target.batch.header.position}`);
    await expect(page.locator('#records tr.focus').getAttribute('data-offset')).resolves.toBe(String(target.record.offset));
    await expect(page.locator('#seek-note').textContent()).resolves.toContain(`first record at or after it: offset ${target.record.offset}`);
    // The record's bytes are lit in the explain view.
    await expect(page.locator('#hex-s0 .b.sel').count()).resolves.toBe(target.record.sizeInBytes);
    expect(pageErrors).toEqual([]);
  });

  it('seeks by time (ISO-8601) to the first record stamped at or after it', async () => {
    const dir = readLogDir(LOGS).partitions.find((p) => p.name === 'plain-0')!;
    const all = [...readPartitionRecords(dir)];
    const t = all[Math.floor(all.length * 0.7)]!.record.timestamp as number;
    const expected = seekTime(dir, t)!;
    await page.goto(`${served.url}#/p/plain-0`);
    await page.locator('#seek-time').fill(new Date(t).toISOString());
    await page.locator('#seek-time').press('Enter');
    await page.waitForSelector('#seek-note');
    await expect(page.locator('#records tr.focus').getAttribute('data-offset')).resolves.toBe(String(expected.offset));
    await expect(page.locator('#seek-note').textContent()).resolves.toContain(`.timeindex → offset`);
    expect(pageErrors).toEqual([]);
  });

  it('follows an offset-index entry to the batch it points at', async () => {
    await page.goto(`${served.url}#/p/plain-0/s/00000000000000000000/i/offset`);
    const link = page.locator('#index tbody tr').nth(2).locator('a');
    const position = Number((await link.textContent())!.replace('byte ', ''));
    await link.click();
    await page.waitForSelector('#hex-s0 .b');
    await expect(page.locator('h1').textContent()).resolves.toBe(`record batch at byte ${position} of 00000000000000000000.log`);
    await expect(page.locator('.index-note').textContent()).resolves.toContain('.index slot 2');
    expect(pageErrors).toEqual([]);
  });

  it('is keyboard navigable: Tab reaches the partitions and Enter opens one', async () => {
    await page.goto(served.url);
    await page.waitForSelector('#partitions a');
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'plain-0'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => ((globalThis as any).document as Doc).activeElement?.textContent ?? '');
    }
    expect(focused).toBe('plain-0');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#segments');
    // '/' jumps to the seek box.
    await page.keyboard.press('/');
    await expect(page.evaluate(() => ((globalThis as any).document as Doc).activeElement?.id)).resolves.toBe('seek-offset');
  });
});

describe.skipIf(CHROMIUM_MISSING !== null)('kseg serve shows audit findings next to the bytes', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kseg-serve-browser-'));
  let served: Served | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('marks a batch with a flipped bit: CRC mismatch, the batch-crc finding, and its bytes flagged', async () => {
    const logs = join(tmp, 'kafka-logs');
    cpSync(LOGS, logs, { recursive: true });
    const seg = join(logs, 'plain-0', '00000000000000000000.log');
    const victim = [...readBatches(seg, { detach: true })][2]!.header;
    const bytes = readFileSync(seg);
    bytes[victim.position + 90] ^= 0x10;
    writeFileSync(seg, bytes);
    served = await serve(logs);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    const page = await browser.newPage();
    await page.goto(`${served.url}#/p/plain-0/s/00000000000000000000/b/${victim.position}`);
    await page.waitForSelector('#batch-findings li');
    await expect(page.locator('#batch-findings').textContent()).resolves.toContain('batch-crc');
    await expect(page.locator('#crc-verdict').textContent()).resolves.toContain('MISMATCH');
    await expect(page.locator(`#hex-s0 .b.bad[data-p="${victim.position}"]`).count()).resolves.toBe(1);
    // The partition page lists the finding with a link to the batch.
    await page.goto(`${served.url}#/p/plain-0`);
    await page.waitForSelector('#audit li');
    await expect(page.locator('#audit').textContent()).resolves.toContain('ANOMALIES');
  });
});

describe('kseg serve: the command', () => {
  it('names a missing log dir and exits 2', () => {
    const r = spawnSync(process.execPath, [KSEG, 'serve', '/nonexistent/kafka-logs'], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([2, 'kseg serve: /nonexistent/kafka-logs: no such file or directory\n']);
  });

  it('names a file that is not a log dir and exits 2', () => {
    const file = join(LOGS, 'plain-0', '00000000000000000000.log');
    const r = spawnSync(process.execPath, [KSEG, 'serve', file], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([2, `kseg serve: ${file}: a file, not a log dir or a <topic>-<partition> folder\n`]);
  });

  it('says which port is taken and exits 2', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, [KSEG, 'serve', LOGS, '--port', String(port)], { encoding: 'utf8', timeout: 20_000 });
      expect([r.status, r.stderr]).toEqual([2, `kseg serve: port ${port} on 127.0.0.1 is in use; pick another with --port N (0: any free port)\n`]);
    } finally {
      blocker.close();
    }
  });

  it('serves the page and its files, then stops cleanly on SIGTERM', async () => {
    const s = await serve(LOGS);
    const html = await (await fetch(s.url)).text();
    expect(html).toContain('<title>kseg serve</title>');
    for (const f of ['app.js', 'style.css']) {
      const r = await fetch(`${s.url}${f}`);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(readFileSync(join(REPO, 'src/serve/web', f), 'utf8'));
    }
    await s.stop();
    expect(s.child.exitCode).toBe(0);
  });
});
