/**
 * Starting the reranker's worker on the page, and telling why it failed: a worker blocked by
 * the page's Content Security Policy fires a bare `error` event, so the policy violation
 * reported next to it is what names the cause.
 */
import { SwiperankError } from '../errors.js';
import type { RerankerOptions } from '../types.js';

/** Starts the worker the package carries; null where the entry point carries none (`swiperank/self-hosted`). */
export type BundledWorker = (() => Promise<Worker>) | null;

export interface StartedWorker {
  worker: Worker;
  /** Rejects with WORKER_FAILED when the worker errors or cannot read a message; never resolves. */
  failed: Promise<never>;
}

/** Directives a blocked worker script is reported under (browsers differ; older ones use the script or child directive). */
const WORKER_DIRECTIVES = /^(worker-src|child-src|script-src|default-src)/;

type ViolationTarget = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

/** The page's (or the enclosing worker's) global, which hears `securitypolicyviolation`; none in Node. */
function violationTarget(): ViolationTarget | null {
  const g = globalThis as { document?: ViolationTarget; addEventListener?: unknown };
  if (g.document && typeof g.document.addEventListener === 'function') return g.document;
  return typeof g.addEventListener === 'function' ? (globalThis as unknown as ViolationTarget) : null;
}

/** Why a worker that errored before it ever answered did not run. */
export function loadFailure(directive: string | null): string {
  return directive !== null
    ? `the reranker worker was blocked by the page's Content Security Policy (${directive}): serve swiperank/worker `
      + 'from your own origin and pass workerUrl or createWorker (README, Strict Content Security Policy)'
    : 'the reranker worker failed to load (an error before its first message: a Content Security Policy that '
      + 'blocks it, or a workerUrl that does not serve the worker script)';
}

/**
 * The host's worker if it brings one (strict CSP: `workerUrl` or `createWorker`), else the
 * package's own (`bundled`), and a promise that rejects with WORKER_FAILED saying why it died.
 */
export async function startWorker(options: RerankerOptions, bundled: BundledWorker): Promise<StartedWorker> {
  let blockedBy: string | null = null;
  const target = violationTarget();
  const onViolation = (e: Event) => {
    const directive = (e as SecurityPolicyViolationEvent).effectiveDirective ?? '';
    if (WORKER_DIRECTIVES.test(directive)) blockedBy = directive;
  };
  target?.addEventListener('securitypolicyviolation', onViolation);
  const stopWatching = () => target?.removeEventListener('securitypolicyviolation', onViolation);

  let worker: Worker;
  try {
    if (options.createWorker) worker = options.createWorker();
    else if (options.workerUrl) worker = new Worker(options.workerUrl, { type: 'module', name: 'swiperank' });
    else if (bundled) worker = await bundled();
    else {
      throw new SwiperankError('BAD_OPTION',
        'options.workerUrl or options.createWorker is required with swiperank/self-hosted (or worker: false), got neither');
    }
  } catch (e) {
    stopWatching();
    if (e instanceof SwiperankError) throw e;
    // Some browsers refuse a blocked worker at construction, with a SecurityError.
    throw new SwiperankError('WORKER_FAILED', (e as Error).name === 'SecurityError'
      ? loadFailure(blockedBy ?? 'worker-src')
      : `the reranker worker could not be created: ${(e as Error).message}`);
  }

  let answered = false;
  let fail!: (e: Error) => void;
  const failed = new Promise<never>((_, reject) => { fail = reject; });
  failed.catch(() => {});
  worker.addEventListener('message', () => {
    answered = true;
    stopWatching();
  }, { once: true });
  worker.addEventListener('error', (e) => {
    e.preventDefault?.();
    if (answered) {
      fail(new SwiperankError('WORKER_FAILED', `the reranker worker failed: ${e.message || 'error event'}`));
      return;
    }
    // The violation report may be queued just after the error: read it a task later.
    setTimeout(() => {
      stopWatching();
      fail(new SwiperankError('WORKER_FAILED', loadFailure(blockedBy)));
    }, 0);
  });
  worker.addEventListener('messageerror', () => {
    fail(new SwiperankError('WORKER_FAILED', 'the reranker worker received a message it could not read'));
  });
  return { worker, failed };
}
