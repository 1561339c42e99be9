import { describe, expect, it } from 'vitest';
import { buildSchedule } from './schedule.js';

describe('the WebGPU plan schedule', () => {
  it('dispatches fuse, one shortlist select, then expand and selectBeams per beam step: 2 + 2 x depth for moc', () => {
    const s = buildSchedule({ size: 10_000, shortlist: 256, depth: 6, beamWidth: 16, rank: false });
    expect(s.dispatches.map((d) => d.kernel)).toEqual([
      'fuse', 'selectShortlist', 'expandFirst', 'selectBeams', 'expandFill', 'selectBeams',
      ...Array(4).fill(['expand', 'selectBeams']).flat(),
    ]);
    for (const depth of [1, 4, 6, 16]) {
      expect(buildSchedule({ size: 65_536, shortlist: 1024, depth, beamWidth: 64, rank: false }).dispatches)
        .toHaveLength(2 + 2 * depth);
    }
    // Nothing sorts the pool unless rank fusion needs its per-objective ranks.
    expect(s).toMatchObject({ sortEntries: 0, digitWords: 0 });
  });

  it('adds, for rank fusion only, a 4-pass radix sort of the three objectives and the two rank kernels', () => {
    const s = buildSchedule({ size: 10_000, shortlist: 256, depth: 6, beamWidth: 16, rank: true });
    expect(s.dispatches.map((d) => d.kernel)).toEqual([
      'fuse',
      ...Array(4).fill(['radixCount', 'radixScan', 'radixScatter']).flat(),
      'rankScatter', 'rankScore', 'selectShortlist', 'expandFirst', 'selectBeams', 'expandFill', 'selectBeams',
      ...Array(4).fill(['expand', 'selectBeams']).flat(),
    ]);
  });

  it('ping-pongs the rank sort so that it ends in the buffer it started from', () => {
    const scatters = buildSchedule({ size: 5000, shortlist: 64, depth: 4, beamWidth: 8, rank: true }).dispatches
      .filter((d) => d.kernel === 'radixScatter');
    expect(scatters.at(-1)!.rebind?.sorted).toBe('rankKeys');
  });

  it('knows the live beams of each step in advance: min(beamWidth, beams x unused items)', () => {
    const s = buildSchedule({ size: 3, shortlist: 3, depth: 3, beamWidth: 8, rank: false });
    const selects = s.dispatches.filter((d) => d.kernel === 'selectBeams').map((d) => s.passes[d.pass!]!);
    expect(selects.map((p) => [p.step, p.beams, p.kept])).toEqual([[0, 1, 3], [1, 3, 6], [2, 6, 6]]);
    // Steps 0 and 1 have kernels of their own; each later expand reads its step's pass.
    expect(s.dispatches.filter((d) => d.kernel.startsWith('expand')).map((d) => [d.kernel, d.y, d.pass])).toEqual(
      s.dispatches.filter((d) => d.kernel === 'selectBeams').map((d, i) => [
        ['expandFirst', 'expandFill', 'expand'][i], selects[i]!.beams, i < 2 ? undefined : d.pass]),
    );
  });

  it('sizes the radix scratch and digit counts by pool and objectives', () => {
    expect(buildSchedule({ size: 65_536, shortlist: 1024, depth: 16, beamWidth: 64, rank: true }))
      .toMatchObject({ sortEntries: 3 * 65_536, digitWords: 3 * 256 * 257 });
  });
});
