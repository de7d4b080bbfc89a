// Bundles the two commands, the parallel dump's worker and kseg serve's into one CommonJS file
// each (dist/bundle/), from the tsc output in dist/. Why one file: Node loads an ES module graph
// file by file (resolve, read, compile, link: ~100 files for kseg). Why CommonJS: the ES module
// loader still costs a start of its own (asynchronous loading, a facade per built-in module, the
// source of each CommonJS dependency parsed for its exports) that one require() does not; with
// node:zlib and node:worker_threads loaded on first use, CPU time (user + system, medians of 31
// runs, 2 cores under load; `node -e 0` 0.11 s): `kafka-dump-log --version` 0.25 -> 0.17 s, a
// shallow dump of fixtures' plain-0 0.25 -> 0.17 s, `kseg ls fixtures/kafka-logs` 0.38 -> 0.33 s
// (ES module bundles -> these).
// dist/ (tsc) stays the library (package.json "exports"); only bin/ launches the bundles.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli/kseg.js', 'dist/cli/dump-log.js', 'dist/dump/parallel-worker.js', 'dist/serve/serve-worker.js'],
  outdir: 'dist/bundle',
  // dump/worker-pool.ts looks for ./parallel-worker.js next to itself, src/serve/background.ts for
  // ./serve-worker.js: the bundles sit side by side.
  entryNames: '[name]',
  bundle: true,
  platform: 'node',
  // CommonJS, loaded with require() by the launchers: Node's ES module loader costs a start
  // (async file loading, a facade per built-in module, each CommonJS dependency's source parsed
  // for its exports) that a require() of one file does not (see FORMAT below).
  format: 'cjs',
  target: 'node20',
  // Native addons and WebAssembly (loaded from their own package files at run time), and the
  // Kafka client, which only the harness's live path loads.
  external: ['@node-rs/crc32', 'snappy', 'zstd-napi', '@bokuweb/zstd-wasm', '@platformatic/kafka', 'lz4-napi'],
  // The sources are ES modules: their import.meta.url (createRequire, the worker's path) is the
  // bundle's own URL.
  define: { 'import.meta.url': '__ksegModuleUrl' },
  banner: { js: "const __ksegModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  write: false,
});

// FORMAT: the package is "type": "module"; this makes the bundles' .js files CommonJS.
const FORMAT = { path: path.join(root, 'dist/bundle/package.json'), contents: Buffer.from('{ "type": "commonjs" }\n') };

// Each bundle replaces the old one in one rename, and only if it changed: tests that build while
// other test files run the commands never load a half-written file.
for (const file of [FORMAT, ...result.outputFiles]) {
  const old = (() => {
    try {
      return readFileSync(file.path);
    } catch {
      return null;
    }
  })();
  if (old !== null && Buffer.compare(old, file.contents) === 0) continue;
  mkdirSync(path.dirname(file.path), { recursive: true });
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}

// `kseg serve`'s page (plain HTML, JS and CSS: no build step of its own) beside the compiled
// server, where src/serve/server.ts looks for it from dist/serve and from the bundle.
const webSrc = path.join(root, 'src/serve/web');
const webOut = path.join(root, 'dist/serve/web');
mkdirSync(webOut, { recursive: true });
for (const name of readdirSync(webSrc)) {
  const from = readFileSync(path.join(webSrc, name));
  const to = path.join(webOut, name);
  if (existsSync(to) && Buffer.compare(readFileSync(to), from) === 0) continue;
  const tmp = `${to}.${process.pid}.tmp`;
  writeFileSync(tmp, from);
  renameSync(tmp, to);
}
