#!/usr/bin/env node
// Makes the live harness's Kafka client loadable (`npm run harness-client`; .ci/run calls it).
//
// kseg lists @platformatic/kafka (and the zstd codec it needs on Node < 22.15) as optional
// dependencies. On Node >= 22.19 `npm ci` installs them and this script only says so. On older Node
// npm skips them without a word: two of the client's dependencies declare node >= 22.19, and npm
// drops an optional dependency whose tree fails an engine check, whatever --force says. They are
// plain JavaScript and WebAssembly that run on Node 20 (kseg's live tests use them there), so this
// installs the same pinned versions into harness-client/ (its own package-lock.json), where
// src/harness/client.ts looks second. npm prints EBADENGINE warnings for that install: they are
// about those two packages' declared engines.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(REPO, 'harness-client');
const PACKAGES = ['@platformatic/kafka', '@bokuweb/zstd-wasm'];

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const pinned = readJson(path.join(REPO, 'package.json')).optionalDependencies ?? {};
const side = readJson(path.join(DIR, 'package.json')).dependencies ?? {};
for (const name of PACKAGES) {
  if (pinned[name] !== side[name]) {
    console.error(`harness-client: ${name} is ${pinned[name]} in package.json's optionalDependencies but ${side[name]} in harness-client/package.json: make them equal`);
    process.exit(1);
  }
}

/** The installed version of `name` as Node resolves it from `from` (a package.json), or null. */
function installed(from, name) {
  try {
    const req = createRequire(from);
    let dir = path.dirname(req.resolve(name));
    while (!existsSync(path.join(dir, 'package.json')) || readJson(path.join(dir, 'package.json')).name !== name) dir = path.dirname(dir);
    return readJson(path.join(dir, 'package.json')).version;
  } catch {
    return null;
  }
}

const here = (from) => PACKAGES.every((name) => installed(from, name) === pinned[name]);
if (here(path.join(REPO, 'package.json'))) {
  console.log(`harness-client: ${PACKAGES.map((n) => `${n}@${pinned[n]}`).join(', ')} installed with kseg (node_modules)`);
  process.exit(0);
}
if (here(path.join(DIR, 'package.json'))) {
  console.log(`harness-client: ${PACKAGES.map((n) => `${n}@${pinned[n]}`).join(', ')} installed in harness-client/`);
  process.exit(0);
}
const skipped = PACKAGES.filter((name) => installed(path.join(REPO, 'package.json'), name) !== pinned[name]);
console.log(
  `harness-client: npm did not install the optional ${skipped.join(', ')} on Node ${process.version}; installing ${PACKAGES.join(', ')} into harness-client/ ` +
    '(npm warns EBADENGINE: @platformatic/dynamic-buffer and @platformatic/wasm-utils declare node >= 22.19 and run on Node 20)',
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const r = spawnSync(npm, ['ci', '--prefix', DIR, '--no-audit', '--no-fund', '--ignore-scripts'], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`harness-client: npm ci in harness-client/ failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
if (!here(path.join(DIR, 'package.json'))) {
  console.error('harness-client: npm ci finished but the client does not resolve from harness-client/');
  process.exit(1);
}
console.log(`harness-client: ${PACKAGES.map((n) => `${n}@${pinned[n]}`).join(', ')} installed in harness-client/`);
