import { existsSync, readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { toJson } from '../view/json.js';
import { type LogDirBrowser, MAX_PAGE, RequestError, countParam, int64Param, payloadParam } from './api.js';
import { Background } from './background.js';

/**
 * `kseg serve`'s HTTP server (Node's own http: a handful of GET routes need no framework). It
 * listens on 127.0.0.1 only, answers GET and HEAD only, and serves the page's three static files
 * and the JSON API of api.ts. Requests naming another host are refused: a page on some web site
 * cannot reach it through DNS rebinding.
 */

/** The page's files, served by name (nothing else of the disk is reachable). */
const STATIC: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/**
 * Where the page's files are: beside this module (src/serve/web when run from the sources,
 * dist/serve/web when compiled), or dist/serve/web from the command's bundle in dist/bundle.
 */
export function webDir(): string {
  for (const rel of ['./web/', '../serve/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error(`kseg serve: the page's files are missing (looked for web/index.html beside ${fileURLToPath(import.meta.url)}); run npm run build`);
}

export interface ServeOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Called after each request (tests and a --verbose log). */
  onRequest?: (method: string, url: string, status: number, ms: number) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Everything the page needs is served here: no other origin, no inline script.
    'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  });
  res.end(head ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, head: boolean): void {
  send(res, status, 'application/json; charset=utf-8', toJson(value), head);
}

/** Routes `/api/...` requests to the browser's functions (the whole-partition ones off this thread). */
function api(browser: LogDirBrowser, background: Background, path: string, q: URLSearchParams): unknown {
  const req = (k: string): string => {
    const v = q.get(k);
    if (v === null || v === '') throw new RequestError(400, `${k} is required`);
    return v;
  };
  const limit = () => Math.min(countParam(q.get('limit'), 'limit', 50), MAX_PAGE);
  switch (path) {
    case '/api/logdir':
      return browser.listing();
    case '/api/summary':
      return background.run('summary', req('partition'));
    case '/api/partition':
      return browser.partitionView(req('partition'));
    case '/api/batches':
      return browser.batches(req('partition'), req('segment'), countParam(q.get('position'), 'position', 0), limit());
    case '/api/batch':
      return browser.batch(req('partition'), req('segment'), countParam(q.get('position'), 'position'), payloadParam(q.get('payload')), countParam(q.get('maxPayload'), 'maxPayload', 16 * 1024));
    case '/api/seek': {
      const offset = q.get('offset');
      const time = q.get('time');
      if ((offset === null) === (time === null)) throw new RequestError(400, 'give offset or time (epoch milliseconds)');
      return browser.seek(req('partition'), offset !== null ? { offset: int64Param(offset, 'offset') } : { time: int64Param(time!, 'time') });
    }
    case '/api/records': {
      const offset = q.get('offset');
      const time = q.get('time');
      return browser.records(
        req('partition'),
        { offset: offset ? int64Param(offset, 'offset') : undefined, time: time ? int64Param(time, 'time') : undefined },
        limit(),
        payloadParam(q.get('payload')),
        countParam(q.get('maxPayload'), 'maxPayload', 16 * 1024),
      );
    }
    case '/api/index': {
      const kind = req('kind');
      if (kind !== 'offset' && kind !== 'time' && kind !== 'txn') throw new RequestError(400, `kind: offset, time or txn, not ${kind}`);
      return browser.index(req('partition'), req('segment'), kind, countParam(q.get('from'), 'from', 0), limit());
    }
    case '/api/audit':
      return background.run('audit', req('partition'));
    default:
      throw new RequestError(404, `no such API: ${path}`);
  }
}

/** Starts the server on 127.0.0.1:`port`; resolves once it listens. */
export function startServer(browser: LogDirBrowser, options: ServeOptions): Promise<RunningServer> {
  const dir = webDir();
  const files = new Map<string, Buffer>();
  for (const name of new Set(Object.values(STATIC))) files.set(name, readFileSync(`${dir}${name}`));
  let allowedHosts = new Set<string>();
  const background = new Background(browser);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    let status = 200;
    try {
      if (!allowedHosts.has(req.headers.host ?? '')) {
        status = 403;
        send(res, status, 'text/plain; charset=utf-8', `kseg serve answers requests for ${[...allowedHosts].join(' or ')} only\n`, head);
        return;
      }
      if (method !== 'GET' && !head) {
        status = 405;
        res.setHeader('allow', 'GET, HEAD');
        send(res, status, 'text/plain; charset=utf-8', 'kseg serve is read-only: GET and HEAD only\n', head);
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname.startsWith('/api/')) {
        try {
          sendJson(res, 200, await api(browser, background, url.pathname, url.searchParams), head);
        } catch (e) {
          status = e instanceof RequestError ? e.status : 500;
          sendJson(res, status, { error: e instanceof Error ? e.message : String(e) }, head);
        }
        return;
      }
      const name = STATIC[url.pathname];
      if (name === undefined) {
        status = 404;
        send(res, status, 'text/plain; charset=utf-8', `not found: ${url.pathname}\n`, head);
        return;
      }
      send(res, 200, TYPES[name.split('.').pop()!]!, files.get(name)!, head);
    } finally {
      options.onRequest?.(method, req.url ?? '', status, Date.now() - started);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
      resolvePromise({
        server,
        port,
        url: `http://127.0.0.1:${port}/`,
        close: () =>
          Promise.all([
            new Promise<void>((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
            background.close(),
          ]).then(() => undefined),
      });
    });
  });
}
