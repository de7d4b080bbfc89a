// Loads test tooling written in TypeScript (test/fuzz/*.ts) into a plain Node script: esbuild (a dev
// dependency the build already uses) bundles the entry with the src/ modules it imports into one ES
// module under node_modules/.cache/kseg-tools/, which is then imported. Packages stay external and
// resolve from the repo's node_modules. Tooling that needs the repo's path takes it from
// scripts/kafka-lib.mjs (REPO), not from its own import.meta.url, which is the bundle's. Why not tsx or ts-node: one more dependency for what
// esbuild does in ~100 ms; why not vitest: the long fuzz runs want their own progress lines and
// Ctrl-C handling, not a test reporter's.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = path.join(root, 'node_modules/.cache/kseg-tools');

/**
 * Bundles `entry` (a path relative to the repo) into one ES module under node_modules/.cache/kseg-tools/
 * and returns its path (the caller removes it). Also what the parallel dump's tests give the dump as
 * its workers' script: the worker built from the same sources as the code under test.
 */
export async function bundleTs(entry) {
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, `${path.basename(entry, '.ts')}.${process.pid}.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Plain-JS modules of scripts/ (kafka-lib.mjs) stay where they are: they find the repo from
    // their own location, which a copy inside the bundle would change.
    plugins: [
      {
        name: 'keep-mjs',
        setup(b) {
          b.onResolve({ filter: /\.mjs$/ }, (args) => ({ path: pathToFileURL(path.resolve(args.resolveDir, args.path)).href, external: true }));
        },
      },
    ],
    logLevel: 'warning',
  });
  return outfile;
}

/** Bundles `entry` (a path relative to the repo) and imports it. */
export async function importTs(entry) {
  const outfile = await bundleTs(entry);
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    // Imported already: the file is not needed any more (the module stays loaded).
    rmSync(outfile, { force: true });
  }
}
