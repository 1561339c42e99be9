/**
 * WGSL modules are assembled from parts (generated declarations, common.wgsl, the
 * module's own file); compiler messages carry lines of the whole. `assemble` keeps where
 * each part starts, so a message names the part and the line in it.
 */

export interface SourcePart {
  /** What a message names: a file (`beam.wgsl`) or a generated part. */
  file: string;
  text: string;
}

export interface AssembledModule {
  code: string;
  /** The part and its 1-based line of a 1-based line of `code`. */
  locate(line: number): { file: string; line: number };
}

export function assemble(parts: readonly SourcePart[]): AssembledModule {
  const starts: { file: string; first: number }[] = [];
  let next = 1;
  for (const part of parts) {
    starts.push({ file: part.file, first: next });
    // Each part is joined by one newline, so it spans its own line count.
    next += part.text.split('\n').length;
  }
  return {
    code: parts.map((p) => p.text).join('\n'),
    locate(line) {
      let at = starts[0]!;
      for (const s of starts) if (s.first <= line) at = s;
      return { file: at.file, line: line - at.first + 1 };
    },
  };
}

/** One compiler message as `file:line:column: text`, in the part it came from. */
export function formatMessage(module: AssembledModule, m: Pick<GPUCompilationMessage, 'lineNum' | 'linePos' | 'message'>): string {
  if (m.lineNum === 0) return m.message;
  const { file, line } = module.locate(m.lineNum);
  return `${file}:${line}:${m.linePos}: ${m.message}`;
}
