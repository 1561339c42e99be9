/**
 * Fault switch for tests, loaded before the worker entry so its listener runs first. After an
 * `arm-crash` message, the next `plan` call crashes the worker with an uncaught error before
 * the engine sees it, which is how a worker killed mid-plan looks to the page. After
 * `arm-stall:<ms>`, the next `plan` call finds the worker busy for that long, then runs.
 */
let armed = false;
let stallMs = 0;
self.addEventListener('message', (event: MessageEvent) => {
  if (event.data === 'arm-crash') {
    armed = true;
    event.stopImmediatePropagation();
    return;
  }
  if (typeof event.data === 'string' && event.data.startsWith('arm-stall:')) {
    stallMs = Number(event.data.slice('arm-stall:'.length));
    event.stopImmediatePropagation();
    return;
  }
  const call = event.data as { type?: string; path?: string[] } | null;
  if (call?.type !== 'APPLY' || call.path?.[0] !== 'plan') return;
  if (armed) {
    event.stopImmediatePropagation();
    throw new Error('simulated worker crash mid-plan');
  }
  if (stallMs > 0) {
    const until = performance.now() + stallMs;
    stallMs = 0;
    while (performance.now() < until) { /* busy: the worker answers nothing meanwhile */ }
  }
});

export {};
