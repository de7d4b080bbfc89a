#!/usr/bin/env node
// Launcher only: the drop-in for Kafka's kafka-dump-log.sh lives in src/cli/dump-log.ts.
import { runDumpLogMain } from '../dist/bundle/dump-log.js';
runDumpLogMain(process.argv.slice(2));
