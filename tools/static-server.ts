/**
 * The one static file server of the tests and the bench: a built folder on 127.0.0.1 (a secure
 * context, so pages get `navigator.gpu`), on a free port.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { extname, join, normalize, relative } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServerOptions {
  /** The folder served; `/` is its index.html. */
  root: string;
  /** URL paths served from a file outside `root` (e.g. a self-hosted worker). */
  files?: Record<string, string>;
  /** Extra response headers, per request (e.g. a CSP, cross-origin isolation). */
  headers?: (req: IncomingMessage, url: URL) => Record<string, string>;
}

export interface StaticServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  close(): Promise<void>;
}

export async function serveStatic(options: StaticServerOptions): Promise<StaticServer> {
  const { root } = options;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = normalize(decodeURIComponent(url.pathname));
    const file = options.files?.[url.pathname] ?? join(root, path === '/' ? 'index.html' : path);
    if (!options.files?.[url.pathname] && relative(root, file).startsWith('..')) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      ...options.headers?.(req, url),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
