import { afterEach, describe, expect, it } from 'vitest';
import { isSwiperankError } from '../errors.js';
import { startWorker } from './start.js';

/** A stand-in for the browser's Worker: the test fires its events. */
class FakeWorker extends EventTarget {
  static last: FakeWorker | null = null;
  constructor(readonly url: string | URL) {
    super();
    FakeWorker.last = this;
  }
  terminate(): void {}
}

const page = new EventTarget();
const g = globalThis as Record<string, unknown>;

function install(): void {
  g.document = page;
  g.Worker = FakeWorker;
}

afterEach(() => {
  delete g.document;
  delete g.Worker;
});

const violation = (effectiveDirective: string) => Object.assign(new Event('securitypolicyviolation'), { effectiveDirective });
const failure = async (failed: Promise<never>) => failed.then(() => null, (e: unknown) => e as Error & { code?: string });

describe('starting the worker', () => {
  it('an error after a worker-src violation says the page\'s CSP blocked the worker', async () => {
    install();
    const { failed } = await startWorker({ workerUrl: '/w.js' }, null);
    page.dispatchEvent(violation('worker-src'));
    FakeWorker.last!.dispatchEvent(new Event('error'));
    const e = await failure(failed);
    expect(isSwiperankError(e) && e.code).toBe('WORKER_FAILED');
    expect(e!.message).toMatch(/blocked by the page's Content Security Policy \(worker-src\).*workerUrl or createWorker/);
  });

  it('the violation may come just after the error event', async () => {
    install();
    const { failed } = await startWorker({}, async () => new FakeWorker('blob:x') as unknown as Worker);
    FakeWorker.last!.dispatchEvent(new Event('error'));
    page.dispatchEvent(violation('script-src-elem'));
    expect((await failure(failed))!.message).toMatch(/Content Security Policy \(script-src-elem\)/);
  });

  it('an error before any message, with no violation, is a load failure; a violation of another directive is not the cause', async () => {
    install();
    const { failed } = await startWorker({ workerUrl: '/missing.js' }, null);
    page.dispatchEvent(violation('img-src'));
    FakeWorker.last!.dispatchEvent(new Event('error'));
    expect((await failure(failed))!.message).toMatch(/^the reranker worker failed to load \(an error before its first message/);
  });

  it('an error after the worker answered is a runtime failure with its message', async () => {
    install();
    const { failed } = await startWorker({ createWorker: () => new FakeWorker('own') as unknown as Worker }, null);
    FakeWorker.last!.dispatchEvent(new MessageEvent('message', { data: {} }));
    page.dispatchEvent(violation('worker-src'));
    FakeWorker.last!.dispatchEvent(Object.assign(new Event('error'), { message: 'boom' }));
    expect((await failure(failed))!.message).toBe('the reranker worker failed: boom');
  });

  it('without the inlined worker (swiperank/self-hosted), no workerUrl or createWorker is BAD_OPTION naming both', async () => {
    install();
    await expect(startWorker({}, null)).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringMatching(/workerUrl or options\.createWorker/) });
  });
});
