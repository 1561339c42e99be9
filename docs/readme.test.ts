/**
 * The README's feed loop runs as written: against the SDK (inline, CPU), with a server of
 * two pages, it shows every candidate once, fetches the next page when the plan runs empty,
 * and ends the feed with null.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createReranker } from '../sdk/index.js';
import type { CandidateRow, RerankerOptions } from '../sdk/types.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The first TypeScript block of a README section. */
function firstTsBlock(section: string): string {
  const from = readme.indexOf(`## ${section}`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(from));
  if (from < 0 || !match) throw new Error(`README has no ts block under "## ${section}"`);
  return match[1]!;
}

describe('README', () => {
  it('the install-and-use feed loop shows every candidate once, refills on an empty plan, and ends', async () => {
    const source = firstTsBlock('Install and use').replace(/^import .*$/gm, '');
    const body = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    const pages: CandidateRow[][] = [0, 1].map((p) => Array.from({ length: 3 }, (_, i) => ({
      id: `p${p}-${i}`, pCvr: 0.01 * (i + 1), pVtr: 0.3, pSdr: 0.6 + 0.1 * i, embedding: Array.from({ length: 32 }, (_, d) => Math.sin(d + i + 3 * p)),
    })));
    let fetched = 0;
    const shown: (string | null)[] = [];
    let swipe: ((e: { id: string; dwellMs: number; converted: boolean }) => Promise<void>) | null = null;
    const host = {
      // Inline here (Node has no Worker); the loop is the README's.
      createReranker: (options: RerankerOptions) => createReranker({ ...options, worker: false, backend: 'cpu' }),
      fetchPage: async () => pages[fetched++] ?? [],
      show: (id: string | null) => { shown.push(id); },
      onSwipe: (handler: typeof swipe) => { swipe = handler; },
    };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    await new AsyncFunction(...Object.keys(host), body)(...Object.values(host));
    while (shown.at(-1) !== null) {
      expect(swipe, 'the loop registers a swipe handler').not.toBeNull();
      await swipe!({ id: shown.at(-1)!, dwellMs: 2_000, converted: false });
    }
    expect(shown.slice(0, -1).sort()).toEqual(pages.flat().map((c) => c.id).sort());
    expect(fetched).toBe(3); // both pages, then the empty one that ends the feed
  });
});
