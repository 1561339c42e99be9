import { describe, expect, it } from 'vitest';
import { makeCatalog } from './catalog.js';

const logit = (p: number) => Math.log(p / (1 - p));

describe('catalog', () => {
  it('is reproducible from its seed; noise changes only the server scores', () => {
    const a = makeCatalog({ size: 300, embeddingDim: 8, categories: 5, scoreNoise: 0.5, seed: 1 });
    const b = makeCatalog({ size: 300, embeddingDim: 8, categories: 5, scoreNoise: 0.5, seed: 1 });
    const noisier = makeCatalog({ size: 300, embeddingDim: 8, categories: 5, scoreNoise: 1, seed: 1 });
    const other = makeCatalog({ size: 300, embeddingDim: 8, categories: 5, scoreNoise: 0.5, seed: 2 });
    expect(b).toEqual(a);
    expect(noisier.map((i) => [i.trueCvr, i.price, i.naming])).toEqual(a.map((i) => [i.trueCvr, i.price, i.naming]));
    expect(noisier.map((i) => i.pCvr)).not.toEqual(a.map((i) => i.pCvr));
    expect(other.map((i) => i.trueCvr)).not.toEqual(a.map((i) => i.trueCvr));
    for (const item of a) {
      let n2 = 0;
      for (const x of item.embedding) n2 += x * x;
      expect(Math.sqrt(n2)).toBeCloseTo(1, 5);
      for (const draw of item.naming) expect(draw >= 0 && draw < 1).toBe(true);
    }
  });

  it('server scores are calibrated on the logit scale: the true logit averages the score within each decile', () => {
    const big = makeCatalog({ size: 20_000, embeddingDim: 4, categories: 6, scoreNoise: 1, seed: 4 });
    for (const key of ['Cvr', 'Vtr', 'Sdr'] as const) {
      const pairs = big.map((i) => [logit(i[`p${key}`]), logit(i[`true${key}`])] as const).sort((x, y) => x[0] - y[0]);
      for (let d = 0; d < 10; d++) {
        const bin = pairs.slice(d * 2_000, (d + 1) * 2_000);
        const gap = bin.reduce((s, [p, t]) => s + (t - p), 0) / bin.length;
        expect(Math.abs(gap), `${key} decile ${d}`).toBeLessThan(0.1);
      }
    }
  });
});
