#!/usr/bin/env node
// Launcher only: the drop-in for Kafka's kafka-dump-log.sh lives in src/cli/dump-log.ts. Its bundle
// is CommonJS (scripts/bundle.mjs): required, not imported, for a faster start.
import { createRequire } from 'node:module';
createRequire(import.meta.url)('../dist/bundle/dump-log.js').runDumpLogMain(process.argv.slice(2));
