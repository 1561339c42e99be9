import { describe, expect, it } from 'vitest';
import { EVAL_CATALOG, makeCatalog } from '../sim/index.js';
import { categoryName, itemTitle } from './names.js';

describe('demo display names', () => {
  it('every catalog item gets an "Adjective Noun" title of its category', () => {
    const catalog = makeCatalog({ ...EVAL_CATALOG, size: 500 });
    for (const item of catalog) expect(itemTitle(item)).toMatch(/^[A-Z][a-z]+ [A-Z][A-Za-z ]+$/);
    expect(itemTitle({ category: 0, naming: [0, 0] })).toBe('Classic Sneakers');
    expect(itemTitle({ category: 12, naming: [0.9999, 0.9999] })).toBe('Compact Loafers');
    expect(categoryName(2)).toBe('Audio');
    expect(categoryName(14)).toBe('Audio');
  });
});
