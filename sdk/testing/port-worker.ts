import { expose } from 'comlink';
import { createCpuBackend, type Backend } from '../backend.js';
import { defaultBackends, type Backends } from '../backend-choice.js';
import { serveEngine } from '../worker/serve.js';

/** Faults the next plan of a port worker suffers, then forgets. */
export interface PortWorkerFaults {
  /** Blocks the "worker" this long before the next plan (a stall). */
  stallMs?: number;
  /** The next plan throws after the feedback before it was recorded. */
  fail?: boolean;
  /** The worker dies (error event, port closed) when the next plan starts. */
  crash?: boolean;
}

/**
 * Workers for Node tests: the real engine behind comlink on a MessageChannel, so the page
 * side (queue, timeouts, restarts, its copy of the session) runs exactly as in a browser,
 * with faults to order. `createWorker` goes into `createReranker`'s options.
 */
export function portWorkers({ always = {}, dieOnStart = false }: {
  /** Faults every plan of every worker suffers. */
  always?: PortWorkerFaults;
  /** Each worker fails (an error event) on the page's first message, as a worker script that cannot load. */
  dieOnStart?: boolean;
} = {}) {
  const started: { terminated: boolean; faults: PortWorkerFaults }[] = [];
  const createWorker = (): Worker => {
    const { port1, port2 } = new MessageChannel();
    const events = new EventTarget();
    const fail = () => {
      const error = new Event('error') as Event & { message: string };
      error.message = 'simulated worker crash';
      events.dispatchEvent(error);
    };
    const state = { terminated: false, faults: {} as PortWorkerFaults };
    const die = () => {
      state.terminated = true;
      port1.close();
      port2.close();
    };
    const faultyCpu = (): Backend => {
      const cpu = createCpuBackend();
      const backend: Backend = {
        ...cpu,
        plan: async (...args) => {
          const f = { ...always, ...state.faults };
          state.faults = {};
          if (f.crash) {
            fail();
            die();
            return new Promise<never>(() => {});
          }
          if (f.stallMs) {
            const until = Date.now() + f.stallMs;
            while (Date.now() < until) { /* a busy worker answers nothing */ }
          }
          if (f.fail) throw new Error('simulated plan failure');
          return cpu.plan(...args);
        },
      };
      return backend;
    };
    // Node has no WebGPU: a worker asked for it fails its start as a browser without it would.
    const faulty: Backends = { cpu: faultyCpu, webgpu: defaultBackends.webgpu };
    expose(serveEngine({ inWorker: true, backends: faulty }), port2 as unknown as Parameters<typeof expose>[1]);
    started.push(state);
    const worker = {
      postMessage: (message: unknown, transfer?: Transferable[]) => {
        if (dieOnStart) setTimeout(fail, 0);
        else if (!state.terminated) port1.postMessage(message, transfer ?? []);
      },
      addEventListener: (type: string, listener: EventListener) => {
        if (type === 'message') port1.addEventListener('message', listener);
        else events.addEventListener(type, listener);
      },
      removeEventListener: (type: string, listener: EventListener) => {
        if (type === 'message') port1.removeEventListener('message', listener);
        else events.removeEventListener(type, listener);
      },
      start: () => port1.start(),
      terminate: die,
    };
    port1.start();
    return worker as unknown as Worker;
  };
  return {
    createWorker,
    started,
    /** The newest worker. */
    get current() {
      return started[started.length - 1]!;
    },
    /** Workers started and not terminated. */
    get alive() {
      return started.filter((w) => !w.terminated).length;
    },
  };
}

/** `createReranker` refuses `worker: true` where there is no Worker; Node tests bring their own workers. */
export function allowWorkersInNode(): void {
  (globalThis as { Worker?: unknown }).Worker ??= class {};
}
