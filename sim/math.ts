/** The little vector and logit arithmetic the simulator's models share. */

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Clamped away from 0 and 1, so a certain outcome still has a finite logit. */
export const logit = (p: number): number => {
  const c = Math.min(1 - 1e-9, Math.max(1e-9, p));
  return Math.log(c / (1 - c));
};

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

/**
 * A unit vector of length `dim`: `around` (or the origin) plus Gaussian noise of scale
 * `spread / sqrt(dim)` per coordinate, normalised. Draws `dim` normals from `normal`.
 */
export function unitVector(normal: () => number, dim: number, around?: ArrayLike<number>, spread = 1): Float32Array {
  const v = new Float32Array(dim);
  let n2 = 0;
  for (let d = 0; d < dim; d++) {
    v[d] = (around ? around[d]! : 0) + spread * normal() / Math.sqrt(dim);
    n2 += v[d]! * v[d]!;
  }
  const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
  for (let d = 0; d < dim; d++) v[d]! *= inv;
  return v;
}
