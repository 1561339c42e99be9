import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { candidatePage, SESSION_ID } from '../catalog.js';

/** `GET /api/candidates?session=...&cursor=...`: one page of candidates, as a feed backend would send it. */
function serve(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/api/candidates') return next();
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'GET') return reply(405, { error: 'GET only' });
  const session = url.searchParams.get('session') ?? '';
  const cursor = Number(url.searchParams.get('cursor') ?? '0');
  if (!SESSION_ID.test(session)) return reply(400, { error: 'session must be 1 to 64 of [A-Za-z0-9_-]' });
  if (!Number.isInteger(cursor) || cursor < 0 || cursor > 10_000) return reply(400, { error: 'cursor must be an integer >= 0' });
  reply(200, candidatePage(session, cursor));
}

/** The candidate server, under `vite` (npm start) and `vite preview` (the end-to-end specs) alike. */
export function candidateServer(): Plugin {
  return {
    name: 'swiperank-demo-candidates',
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
  };
}
