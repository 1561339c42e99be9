/**
 * GPU memory layouts, declared once: each struct's fields, from which both its WGSL
 * declaration (prepended to every module) and the TypeScript side's word offsets, sizes,
 * writers and readers are derived. Every field is a 4-byte scalar, or a fixed array of
 * such a struct, so a struct is its fields' words in order, with no padding to keep in step.
 */

type Scalar = 'u32' | 'f32';
type Field = Scalar | { readonly of: Struct<string>; readonly length: number };

export interface Struct<F extends string> {
  readonly name: string;
  /** Word index of each field. */
  readonly word: Readonly<Record<F, number>>;
  readonly words: number;
  readonly bytes: number;
  /** `struct Name { ... }` in WGSL. */
  readonly wgsl: string;
  /** Writes every scalar field at word `at` of one buffer, seen as f32 and as u32. */
  write(f32: Float32Array, u32: Uint32Array, at: number, values: Readonly<Record<F, number>>): void;
  /** The scalar fields at word `at` (an array field is read through its element struct). */
  read(f32: Float32Array, u32: Uint32Array, at: number): Record<F, number>;
}

/** The values of a struct's fields, by name. */
export type ValuesOf<S> = S extends Struct<infer F> ? Record<F, number> : never;

export function struct<const F extends string>(
  name: string, fields: Readonly<Record<F, Field>>, docs: Partial<Record<F, string>> = {},
): Struct<F> {
  const names = Object.keys(fields) as F[];
  const word = {} as Record<F, number>;
  const lines: string[] = [];
  let words = 0;
  for (const field of names) {
    const type = fields[field];
    word[field] = words;
    const doc = docs[field];
    if (doc) lines.push(`  // ${doc}`);
    if (typeof type === 'string') {
      lines.push(`  ${field}: ${type},`);
      words += 1;
    } else {
      lines.push(`  ${field}: array<${type.of.name}, ${type.length}>,`);
      words += type.of.words * type.length;
    }
  }
  const scalars = names.filter((f) => typeof fields[f] === 'string');
  const floats = new Set(scalars.filter((f) => fields[f] === 'f32'));
  return {
    name, word, words, bytes: words * 4,
    wgsl: `struct ${name} {\n${lines.join('\n')}\n}`,
    write(f32, u32, at, values) {
      for (const f of scalars) {
        if (floats.has(f)) f32[at + word[f]] = values[f];
        else u32[at + word[f]] = values[f];
      }
    },
    read(f32, u32, at) {
      const out = {} as Record<F, number>;
      for (const f of scalars) out[f] = floats.has(f) ? f32[at + word[f]]! : u32[at + word[f]]!;
      return out;
    },
  };
}

/** Bytes of the WGSL element types buffers hold besides structs. */
export const ELEMENT_BYTES = { u32: 4, f32: 4, 'atomic<u32>': 4, vec2u: 8, vec4f: 16 } as const;
export type Element = keyof typeof ELEMENT_BYTES | Struct<string>;

export function elementBytes(element: Element): number {
  return typeof element === 'string' ? ELEMENT_BYTES[element] : element.bytes;
}

export function elementName(element: Element): string {
  return typeof element === 'string' ? element : element.name;
}
