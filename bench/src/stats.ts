import { mean, percentile } from '../../sim/index.js';

/** Latency summary over the measured plans of one row. */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles: every reported figure is a latency that was actually observed. */
export function summarise(samples: number[]): Summary {
  return { n: samples.length, p50: percentile(samples, 0.5), p95: percentile(samples, 0.95), max: percentile(samples, 1), mean: mean(samples) };
}
