import { describe, expect, it } from 'vitest';
import { buildSchedule } from './schedule.js';

describe('the WebGPU plan schedule', () => {
  it('dispatches fuse, a 4-pass radix sort, gather, three kernels per beam step (and prepareStep between steps) and writePlan', () => {
    const s = buildSchedule({ size: 10_000, shortlist: 256, depth: 6, beamWidth: 16, rank: false });
    expect(s.dispatches.map((d) => d.kernel)).toEqual([
      'fuse',
      ...Array(4).fill(['radixCount', 'radixScan', 'radixScatter']).flat(),
      'gather',
      ...Array(5).fill(['expand', 'keepBest', 'prune', 'prepareStep']).flat(),
      'expand', 'keepBest', 'prune',
      'writePlan',
    ]);
    // Rank fusion sorts the three objectives first: one more radix sort and two kernels.
    expect(buildSchedule({ size: 10_000, shortlist: 256, depth: 6, beamWidth: 16, rank: true }).dispatches).toHaveLength(38 + 14);
  });

  it('ping-pongs each radix sort so that it ends in the buffer it started from', () => {
    for (const rank of [false, true]) {
      const scatters = buildSchedule({ size: 5000, shortlist: 64, depth: 4, beamWidth: 8, rank }).dispatches
        .filter((d) => d.kernel === 'radixScatter');
      const last = (keys: string) => scatters.filter((d) => d.rebind?.[1] === keys || d.rebind?.[2] === keys).at(-1)!;
      expect(last('stageKeys').rebind?.[2]).toBe('stageKeys');
      if (rank) expect(last('rankKeys').rebind?.[2]).toBe('rankKeys');
    }
  });

  it('knows the live beams of each step in advance: min(beamWidth, beams x unused items)', () => {
    const s = buildSchedule({ size: 3, shortlist: 3, depth: 3, beamWidth: 8, rank: false });
    const prunes = s.dispatches.filter((d) => d.kernel === 'prune').map((d) => s.passes[d.pass!]!);
    expect(prunes.map((p) => [p.beams, p.kept])).toEqual([[1, 3], [3, 6], [6, 6]]);
    expect(s.dispatches.filter((d) => d.kernel === 'expand').map((d) => d.y)).toEqual([1, 3, 6]);
  });

  it('sizes the radix scratch and digit counts by pool and segments', () => {
    expect(buildSchedule({ size: 65_536, shortlist: 1024, depth: 16, beamWidth: 64, rank: true }))
      .toMatchObject({ sortEntries: 3 * 65_536, digitWords: 3 * 256 * 257 });
  });
});
