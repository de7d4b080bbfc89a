import { parentPort, workerData } from 'node:worker_threads';
import { LogDirBrowser, RequestError } from './api.js';

/**
 * A worker thread of `kseg serve` for the two requests that read a whole partition (the `ls` row
 * and the audit: seconds on a big one), so that the server's own thread keeps answering the page.
 * One message in, one out: `{ id, kind, name }` -> `{ id, value }` or `{ id, error, status }`.
 */
const browser = new LogDirBrowser((workerData as { root: string }).root);
parentPort!.on('message', (m: { id: number; kind: 'summary' | 'audit'; name: string }) => {
  try {
    parentPort!.postMessage({ id: m.id, value: m.kind === 'audit' ? browser.audit(m.name) : browser.summary(m.name) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e), status: e instanceof RequestError ? e.status : 500 });
  }
});
