#!/usr/bin/env node
// Launcher only: the kseg command tree lives in src/cli/kseg.ts. Its bundle is CommonJS
// (scripts/bundle.mjs): required, not imported, for a faster start.
import { createRequire } from 'node:module';
createRequire(import.meta.url)('../dist/bundle/kseg.js').runKsegMain(process.argv.slice(2));
