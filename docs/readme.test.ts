/**
 * The README's feed loop runs as written: against the SDK (inline, CPU), with a server of
 * two pages, it shows every candidate once, fetches the next page when the plan runs empty,
 * and ends the feed with null.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

  it('every ts and js block typechecks against the package types, strict with exactOptionalPropertyTypes', () => {
    // A host's tsconfig may be stricter than ours: a README line that fails it is the first
    // thing a team copies. The feed's own functions are declared as a host would have them, and
    // `?url` as a Vite host's types (vite/client) declare it.
    const dir = mkdtempSync(join(tmpdir(), 'swiperank-readme-'));
    try {
      const blocks = [...readme.matchAll(/```(ts|js)\n([\s\S]*?)```/g)].map(([, lang, code], i) => {
        const file = join(dir, `block${i}.${lang === 'ts' ? 'ts' : 'mjs'}`);
        writeFileSync(file, `${code}\nexport {};\n`);
        return file;
      });
      const host = join(dir, 'host.d.ts');
      writeFileSync(host, `import type { CandidateRow } from 'swiperank';
declare global {
  function fetchPage(): Promise<CandidateRow[]>;
  function show(id: string | null): void;
  function onSwipe(handler: (event: { id: string; dwellMs: number; converted?: boolean }) => void | Promise<void>): void;
}
`);
      const sdk = (path: string) => fileURLToPath(new URL(`../sdk/${path}`, import.meta.url));
      const program = ts.createProgram([host, ...blocks], {
        target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: ['@webgpu/types', 'vite/client'], typeRoots: [fileURLToPath(new URL('../node_modules/@types', import.meta.url)), fileURLToPath(new URL('../node_modules', import.meta.url))],
        strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, allowJs: true, checkJs: true,
        noEmit: true, skipLibCheck: true,
        paths: { swiperank: [sdk('index.ts')], 'swiperank/self-hosted': [sdk('self-hosted.ts')] },
      });
      const errors = ts.getPreEmitDiagnostics(program)
        .filter((d) => d.file === undefined || d.file.fileName.startsWith(dir))
        .map((d) => `${d.file ? d.file.fileName.slice(dir.length + 1) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(blocks.length).toBeGreaterThanOrEqual(3);
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
