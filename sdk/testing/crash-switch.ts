/**
 * Fault switch for tests, loaded before the worker entry so its listener runs first: after an
 * `arm-crash` message, the next `plan` call crashes the worker with an uncaught error before
 * the engine sees it, which is how a worker killed mid-plan looks to the page.
 */
let armed = false;
self.addEventListener('message', (event: MessageEvent) => {
  if (event.data === 'arm-crash') {
    armed = true;
    event.stopImmediatePropagation();
    return;
  }
  const call = event.data as { type?: string; path?: string[] } | null;
  if (armed && call?.type === 'APPLY' && call.path?.[0] === 'plan') {
    event.stopImmediatePropagation();
    throw new Error('simulated worker crash mid-plan');
  }
});

export {};
