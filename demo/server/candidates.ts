import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { candidatePage, SESSION_ID } from '../catalog.js';

/** Far past the catalog's last page: a bound on the work one request can ask for. */
const MAX_CURSOR = 10_000;

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
  const rawCursor = url.searchParams.get('cursor') ?? '0';
  const cursor = Number(rawCursor);
  if (!SESSION_ID.test(session)) {
    return reply(400, { error: `session must be 1 to 64 of [A-Za-z0-9_-], got ${JSON.stringify(session.slice(0, 80))}` });
  }
  if (!Number.isInteger(cursor) || cursor < 0 || cursor > MAX_CURSOR) {
    return reply(400, { error: `cursor must be an integer in [0, ${MAX_CURSOR}], got ${JSON.stringify(rawCursor.slice(0, 80))}` });
  }
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
