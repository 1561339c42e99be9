/**
 * The worker entry: the engine behind comlink. Hosts with a strict CSP serve this file
 * from their own origin and pass its URL as `workerUrl` (package subpath `swiperank/worker`).
 */
import { expose } from 'comlink';
import { serveEngine } from './serve.js';

expose(serveEngine({ inWorker: true }));
