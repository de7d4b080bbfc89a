// Bundles the two commands, the parallel dump's worker and kseg serve's into one file each (dist/bundle/), from
// the tsc output in dist/. Why: Node loads an ES module graph file by file (resolve, read, compile,
// link: ~100 files for kseg); one file per command starts faster — measured here (Node 20, 2 cores,
// medians of 9): `kafka-dump-log --version` 0.120 -> 0.096 s, `kseg ls` over the corpus 0.216 ->
// 0.177 s, and each worker thread of a parallel dump starts the same way.
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
  // parallel.ts looks for ./parallel-worker.js next to itself, src/serve/background.ts for
  // ./serve-worker.js: the bundles sit side by side.
  entryNames: '[name]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons and WebAssembly (loaded from their own package files at run time), and the
  // Kafka client, which only the harness's live path loads.
  external: ['@node-rs/crc32', 'snappy', 'zstd-napi', '@bokuweb/zstd-wasm', '@platformatic/kafka', 'lz4-napi'],
  // CommonJS dependencies bundled into an ES module (commander) call require() for Node's modules.
  banner: { js: "import { createRequire as __ksegRequire } from 'node:module'; const require = __ksegRequire(import.meta.url);" },
  logLevel: 'warning',
  write: false,
});

// Each bundle replaces the old one in one rename, and only if it changed: tests that build while
// other test files run the commands never load a half-written file.
for (const file of result.outputFiles) {
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
