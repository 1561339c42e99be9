/** Normal quantile for a two-sided 95% interval; n is in the thousands here. */
export const Z95 = 1.959964;

export interface Estimate {
  mean: number;
  /** 95% confidence interval. */
  lo: number;
  hi: number;
  n: number;
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length > 0 ? s / xs.length : NaN;
}

function variance(xs: ArrayLike<number>, m = mean(xs)): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return xs.length > 1 ? s / (xs.length - 1) : NaN;
}

/** Mean with a normal-approximation 95% interval. */
export function estimate(xs: ArrayLike<number>): Estimate {
  const m = mean(xs);
  const half = Z95 * Math.sqrt(variance(xs, m) / xs.length);
  return { mean: m, lo: m - half, hi: m + half, n: xs.length };
}

/**
 * Relative lift `mean(a) / mean(b) - 1` of paired samples (same users under two strategies),
 * with a delta-method 95% interval: `var(R) ~ var(a_i - R b_i) / (n mean(b)^2)`. Pairing
 * removes the between-user variance both strategies share.
 */
export function pairedLift(a: ArrayLike<number>, b: ArrayLike<number>): Estimate {
  if (a.length !== b.length) throw new Error('paired samples differ in length');
  const ma = mean(a), mb = mean(b);
  const ratio = ma / mb;
  const residual = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) residual[i] = a[i]! - ratio * b[i]!;
  const half = Z95 * Math.sqrt(variance(residual) / a.length) / Math.abs(mb);
  return { mean: ratio - 1, lo: ratio - 1 - half, hi: ratio - 1 + half, n: a.length };
}

/** Nearest-rank percentile (a value that was observed); NaN for no values. Pure TypeScript: the demo's charts use it too. */
export function percentile(xs: ArrayLike<number>, p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
