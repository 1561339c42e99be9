import type { Feedback, PersonalizationOptions } from '../types.js';

const P_MIN = 1e-6;
const P_MAX = 1 - 1e-6;

/** `logit(clamp(p, 1e-6, 1 - 1e-6))`. */
export function clampedLogit(p: number): number {
  const c = p < P_MIN ? P_MIN : p > P_MAX ? P_MAX : p;
  return Math.log(c / (1 - c));
}

/** `(1 - c) / c` with `c = clamp(p)`: `exp(-logit(clamp(p)))` without a log. */
export function stopOdds(p: number): number {
  const c = p < P_MIN ? P_MIN : p > P_MAX ? P_MAX : p;
  return (1 - c) / c;
}

/** `sigmoid(logit(clamp(p)) + shift)`: a probability moved on the logit scale. */
export function shiftProbability(p: number, shift: number): number {
  return 1 / (1 + Math.exp(-(clampedLogit(p) + shift)));
}

/** Feedback signal: +2 convert, +1 long view, +0.25 view, -0.5 skip (dwell under skipMs). */
export function feedbackSignal(event: Feedback, p: PersonalizationOptions): number {
  if (event.converted) return 2;
  const longView = event.longView ?? event.dwellMs >= p.longViewMs;
  if (longView) return 1;
  if (event.dwellMs < p.skipMs) return -0.5;
  return 0.25;
}

/**
 * `u <- decay * u + rate * signal * e`, then `|u| <= 1`, in place.
 * `embedding` is the item's stored (normalised) vector, `offset` its start.
 */
export function updateInterest(
  u: Float64Array, embedding: Float64Array, offset: number, signal: number, p: PersonalizationOptions,
): void {
  const step = p.rate * signal;
  let norm2 = 0;
  for (let k = 0; k < u.length; k++) {
    const x = p.decay * u[k]! + step * embedding[offset + k]!;
    u[k] = x;
    norm2 += x * x;
  }
  if (norm2 > 1) {
    const inv = 1 / Math.sqrt(norm2);
    for (let k = 0; k < u.length; k++) u[k]! *= inv;
  }
}

/** `dot(u, e_i)` for the embedding row starting at `offset`. */
export function affinity(u: Float64Array, embedding: Float64Array, offset: number): number {
  let d = 0;
  for (let k = 0; k < u.length; k++) d += u[k]! * embedding[offset + k]!;
  return d;
}

/** Satiation after showing the item at `offset`: `h <- decay * h + e`, in place. */
export function updateSatiation(h: Float64Array, embedding: Float64Array, offset: number, decay: number): void {
  for (let k = 0; k < h.length; k++) h[k] = decay * h[k]! + embedding[offset + k]!;
}

/**
 * The interest vector the backends personalise with: taste `u` less satiation,
 * `u - satiation * h`, into `out`. The shift of item i is then `strength * (u - satiation h).e_i`.
 */
export function effectiveInterest(u: Float64Array, h: Float64Array, satiation: number, out: Float64Array): void {
  for (let k = 0; k < u.length; k++) out[k] = u[k]! - satiation * h[k]!;
}
