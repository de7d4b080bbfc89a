import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/command.js';
import { REPO, ensureBuilt } from './helpers.js';

/** What README.md and docs/api.md show must stay true: the library example runs and prints what they say. */
beforeAll(() => ensureBuilt('dist/index.js'));

const readme = readFileSync(resolve(REPO, 'README.md'), 'utf8');
const api = readFileSync(resolve(REPO, 'docs/api.md'), 'utf8');

function block(text: string, after: string, lang: string): string {
  const at = text.indexOf(after);
  const open = text.indexOf('```' + lang + '\n', at);
  return text.slice(open + lang.length + 4, text.indexOf('```', open + 3));
}

describe('README and docs/api.md', () => {
  it("the library example (README's, and docs/api.md's on /var/lib/kafka/data) prints docs/api.md's real output on the fixtures", () => {
    const want = block(api, 'Run on `fixtures/kafka-logs`', '');
    for (const [doc, code] of [
      ['README', block(readme, '## Library', 'js')],
      ['docs/api.md', block(api, '# Library API', 'js').replace("'/var/lib/kafka/data'", "'fixtures/kafka-logs'")],
    ]) {
      const script = code!.replace("from 'kseg'", `from ${JSON.stringify(resolve(REPO, 'dist/index.js'))}`);
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
      expect(r.stderr, doc).toBe('');
      expect(r.stdout, doc).toBe(want);
    }
  });

  it("the exit-code table is the commands' convention", () => {
    const table = readme.slice(readme.indexOf('### Exit codes'), readme.indexOf('`kafka-dump-log` keeps'));
    const codes = [...table.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1]));
    expect(codes).toEqual([EXIT.OK, EXIT.FINDINGS, EXIT.ERROR]);
  });
});
