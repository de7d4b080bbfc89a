#!/usr/bin/env node
// Builds kseg's optional native addons with node-gyp, as part of `npm run build` (so `npm ci`
// builds them too, through prepare):
// - native/crc: Node-API bindings of Intel ISA-L's CRC-32C and CRC-32 (needs ISA-L's headers,
//   Debian: libisal-dev); without it kseg uses @node-rs/crc32 (src/codec/crc.ts).
// - native/java-utf8: the engine of Java's UTF-8 text of binary keys and values (needs only a C
//   compiler); without it format/utf8.ts runs its JS loop.
// Never fails the build: where something is missing it says so in one line and kseg uses the
// fallback, same results. An addon newer than its sources is not built again.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const say = (m) => process.stderr.write(`native: ${m}\n`);

const ADDONS = [
  {
    dir: 'crc',
    target: 'kseg_crc',
    sources: ['crc.c', 'binding.gyp'],
    what: 'ISA-L CRC-32C and CRC-32',
    fallback: 'CRCs by @node-rs/crc32',
    // ISA-L's headers, or why not
    missing: () =>
      ['/usr/include/isa-l/crc.h', '/usr/local/include/isa-l/crc.h'].some((h) => existsSync(h))
        ? null
        : "ISA-L's headers are not installed (Debian: apt-get install libisal-dev)",
  },
  {
    dir: 'java-utf8',
    target: 'kseg_java_utf8',
    sources: ['java-utf8.c', 'binding.gyp'],
    what: "Java's UTF-8 text",
    fallback: "Java's UTF-8 text by JS",
    missing: () => null,
  },
];

let gyp;
for (const a of ADDONS) {
  const dir = path.join(here, a.dir);
  const addon = path.join(dir, `build/Release/${a.target}.node`);
  const sources = a.sources.map((f) => path.join(dir, f));
  if (existsSync(addon) && sources.every((s) => statSync(s).mtimeMs <= statSync(addon).mtimeMs)) continue;
  const missing = a.missing();
  if (missing) {
    say(`${missing}: ${a.fallback}`);
    continue;
  }
  // npm's own node-gyp: npm sets npm_config_node_gyp in scripts; otherwise next to the npm running.
  gyp ??= process.env.npm_config_node_gyp ?? findNpmNodeGyp() ?? null;
  if (!gyp) {
    say(`node-gyp not found: ${a.fallback}`);
    continue;
  }
  // Debian's Node has its headers in /usr/include/node: no download.
  const nodedir = existsSync('/usr/include/node/node_api.h') ? ['--nodedir=/usr'] : [];
  const r = spawnSync(process.execPath, [gyp, 'rebuild', ...nodedir], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(addon)) {
    say(`building native/${a.dir} failed (node-gyp exit ${r.status}): ${a.fallback}\n${(r.stderr ?? '').split('\n').slice(-6).join('\n')}`);
    continue;
  }
  say(`built native/${a.dir} (${a.what})`);
}

function findNpmNodeGyp() {
  const candidates = [];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {}
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  if (npmRoot) candidates.push(path.join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}
