import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type LogDirBrowser, RequestError } from './api.js';

export type BackgroundKind = 'summary' | 'audit';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * Runs the whole-partition requests (summary, audit) off the server's thread: one worker per kind
 * (a long audit never holds back the `ls` rows), started on first use. Measured on a 1 GiB
 * partition: the summary takes ~1.8 s and the audit ~28 s, during which a page in the same thread
 * would not open. Where the worker's script is not beside this module (running from the
 * TypeScript sources, as the API tests do), the work runs in this thread instead.
 */
export class Background {
  private readonly workers = new Map<BackgroundKind, { worker: Worker; pending: Map<number, Pending> }>();
  private nextId = 0;
  private readonly script: URL | null;

  constructor(private readonly browser: LogDirBrowser) {
    const here = new URL('./serve-worker.js', import.meta.url);
    this.script = existsSync(fileURLToPath(here)) ? here : null;
  }

  run(kind: BackgroundKind, name: string): Promise<unknown> {
    if (this.script === null) return Promise.resolve().then(() => (kind === 'audit' ? this.browser.audit(name) : this.browser.summary(name)));
    const slot = this.workerFor(kind, this.script);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, kind, name });
    });
  }

  async close(): Promise<void> {
    const all = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(all.map((w) => w.worker.terminate()));
  }

  private workerFor(kind: BackgroundKind, script: URL) {
    let slot = this.workers.get(kind);
    if (slot) return slot;
    const worker = new Worker(script, { workerData: { root: this.browser.root } });
    const pending = new Map<number, Pending>();
    slot = { worker, pending };
    this.workers.set(kind, slot);
    worker.on('message', (m: { id: number; value?: unknown; error?: string; status?: number }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error === undefined) p.resolve(m.value);
      else p.reject(m.status === 400 || m.status === 404 ? new RequestError(m.status, m.error) : new Error(m.error));
    });
    const fail = (e: Error) => {
      // A worker that died takes its requests with it; the next request starts a new one.
      if (this.workers.get(kind)?.worker === worker) this.workers.delete(kind);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`kseg serve's ${kind} worker exited (${code})`)));
    return slot;
  }
}
