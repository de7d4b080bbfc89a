#!/usr/bin/env node
// Launcher only: the kseg command tree lives in src/cli/kseg.ts.
import { runKsegMain } from '../dist/bundle/kseg.js';
runKsegMain(process.argv.slice(2));
