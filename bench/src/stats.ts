/** Latency summary over the measured plans of one row. */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile: every reported figure is a latency that was actually observed. */
export function summarise(samples: number[]): Summary {
  const sorted = samples.slice().sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n, p50: NaN, p95: NaN, max: NaN, mean: NaN };
  const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  return { n, p50: at(0.5), p95: at(0.95), max: sorted[n - 1]!, mean: sorted.reduce((s, x) => s + x, 0) / n };
}
