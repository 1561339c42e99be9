/**
 * Every relative link in the Markdown docs, and every repository path a source comment cites
 * (`docs/MODEL.md#continuation`, `./results/latest.md`), names a file that exists, and a
 * `#section` that the file has.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Tracked files and new ones not ignored: what a clone has. */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n').filter((f) => f.length > 0 && existsSync(join(root, f)));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const [, title] of markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    found.add(title!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return found;
}

/** Why `target` (relative to `from`'s folder, or to the root if it has no ./ or ../) does not resolve, or null. */
function broken(from: string, target: string, rootRelative: boolean): string | null {
  const [path, anchor] = target.split('#') as [string, string | undefined];
  const file = path === '' ? from : rootRelative && !path.startsWith('.') ? path : relative(root, join(root, dirname(from), path));
  if (file.startsWith('..')) return `${target} leaves the repository`;
  if (!existsSync(join(root, file))) return `${target}: no file ${file}`;
  if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(join(root, file), 'utf8')).has(anchor)) {
    return `${target}: ${file} has no section #${anchor}`;
  }
  return null;
}

describe('links', () => {
  const markdown = files.filter((f) => f.endsWith('.md') && !f.includes('/results/'));

  it('the README links to the model document, and every relative Markdown link resolves', () => {
    expect(markdown).toEqual(expect.arrayContaining(['README.md', 'docs/MODEL.md']));
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('](docs/MODEL.md)');
    const problems: string[] = [];
    for (const file of markdown) {
      const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // http:, https:, mailto:
        const problem = broken(file, target!, false);
        if (problem) problems.push(`${file}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every Markdown file a source comment cites exists, with the section it names', () => {
    const sources = files.filter((f) => /\.(ts|mjs|wgsl|json|html|css)$/.test(f) && !f.endsWith('package-lock.json') && !f.includes('/results/')
      && f !== 'docs/links.test.ts'); // its own examples are broken on purpose
    const problems: string[] = [];
    let cited = 0;
    for (const file of sources) {
      const text = readFileSync(join(root, file), 'utf8');
      // A path with a folder (docs/MODEL.md, ./results/latest.md) or a capitalised root file (README.md).
      for (const [target] of text.matchAll(/(?:\.{1,2}\/|\b[\w-]+\/)[\w./-]*?\.md(?:#[\w-]+)?|\b[A-Z][A-Z_]+\.md(?:#[\w-]+)?/g)) {
        cited++;
        const problem = broken(file, target, true);
        if (problem) problems.push(`${file}: ${problem}`);
      }
    }
    expect(cited).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });

  it('the check catches a missing file and a missing section', () => {
    expect(broken('README.md', 'docs/NOPE.md', false)).toMatch(/no file/);
    expect(broken('README.md', 'docs/MODEL.md#no-such-section', false)).toMatch(/no section/);
    expect(broken('sdk/limits.ts', 'docs/MODEL.md#limits', true)).toBeNull();
    expect(broken('docs/MODEL.md', '../../outside.md', false)).toMatch(/leaves/);
  });
});
