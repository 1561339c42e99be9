import { describe, expect, it } from 'vitest';
import { assemble, formatMessage } from './wgsl.js';

describe('WGSL module assembly', () => {
  const module = assemble([
    { file: 'constants', text: 'const A: u32 = 1u;\nconst B: u32 = 2u;' },
    { file: 'common.wgsl', text: 'struct S {\n  x: u32,\n}\n' },
    { file: 'beam.wgsl', text: 'fn f() {}\nfn g() { oops }' },
  ]);

  it('joins the parts with one newline each', () => {
    expect(module.code.split('\n')).toHaveLength(2 + 4 + 2);
    expect(module.code.split('\n')[6]).toBe('fn f() {}');
  });

  it('maps a line of the whole back to its part and the line in it', () => {
    expect(module.locate(1)).toEqual({ file: 'constants', line: 1 });
    expect(module.locate(3)).toEqual({ file: 'common.wgsl', line: 1 });
    expect(module.locate(6)).toEqual({ file: 'common.wgsl', line: 4 });
    expect(module.locate(8)).toEqual({ file: 'beam.wgsl', line: 2 });
  });

  it('reports a compiler message at the line of the file a maintainer opens', () => {
    expect(formatMessage(module, { lineNum: 8, linePos: 10, message: "unresolved identifier 'oops'" }))
      .toBe("beam.wgsl:2:10: unresolved identifier 'oops'");
    expect(formatMessage(module, { lineNum: 0, linePos: 0, message: 'no line' })).toBe('no line');
  });
});
