import { inject } from 'vitest';
import type { Lane } from '../../tools/browsers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The engine this browser project runs and what it can do (vitest.config.ts). */
    lane: Lane;
  }
}

/** The browser project's engine and capabilities: specs branch on these, never on a browser name. */
export const lane: Lane = inject('lane');
