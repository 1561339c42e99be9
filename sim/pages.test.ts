import { describe, expect, it } from 'vitest';
import { makeCatalog } from './catalog.js';
import { PageStream, serverOrder } from './pages.js';

describe('pages', () => {
  const catalog = makeCatalog({ size: 450, embeddingDim: 4, categories: 3, scoreNoise: 0.5, seed: 3 });

  it('a session\'s pages cover the catalog once, in an order its seed reproduces', () => {
    const draw = (seed: number) => {
      const pages = new PageStream(catalog.length, seed);
      const all: number[][] = [];
      for (let page = pages.next(200); page.length > 0; page = pages.next(200)) all.push(page);
      return all;
    };
    const pages = draw(9);
    expect(pages.map((p) => p.length)).toEqual([200, 200, 50]);
    expect(new Set(pages.flat()).size).toBe(catalog.length);
    expect(draw(9)).toEqual(pages);
    expect(draw(10)).not.toEqual(pages);
  });

  it('the server orders a page by expected GMV from its own scores', () => {
    const order = serverOrder(catalog, new PageStream(catalog.length, 1).next(100));
    const gmv = order.map((i) => catalog[i]!.pCvr * catalog[i]!.price);
    for (let k = 1; k < gmv.length; k++) expect(gmv[k]!).toBeLessThanOrEqual(gmv[k - 1]!);
  });
});
