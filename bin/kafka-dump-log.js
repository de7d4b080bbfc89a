#!/usr/bin/env node
// Launcher only: the drop-in for Kafka's kafka-dump-log.sh lives in src/cli/dump-log.ts. Launcher
// and bundle are CommonJS (bin/package.json, scripts/bundle.mjs): a required file starts faster
// than one Node's ES module loader runs (see docs/bench.md, start-up).
'use strict';
require('../dist/bundle/dump-log.js').runDumpLogMain(process.argv.slice(2));
