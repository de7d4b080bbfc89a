#!/usr/bin/env node
// Launcher only: the kseg command tree lives in src/cli/kseg.ts. Launcher and bundle are CommonJS
// (bin/package.json, scripts/bundle.mjs): a required file starts faster than one Node's ES module
// loader runs (see docs/bench.md, start-up).
'use strict';
require('../dist/bundle/kseg.js').runKsegMain(process.argv.slice(2));
