/**
 * What one plan dispatches, derived from sizes alone (pure, no GPU): the kernels in order,
 * their workgroup counts and the per-pass parameters. The shaders read every size from
 * uniforms, so a new shape costs a new pass table, never a compile.
 */

import { LIMITS } from '../limits.js';
import type { ValuesOf } from './layout.js';
import type { BufferName, PASS } from './resources.js';

const HISTOGRAM_SHIFT = 16;
const COARSE_SHIFT = 24;

/**
 * Sizes the schedule and the shaders share. `kernels.ts` declares each as a WGSL `const`
 * ahead of every module, so the two sides cannot drift apart.
 */
export const SHADER_CONSTANTS = {
  /** Digit values of one radix pass (8 bits). */
  RADIX: 256,
  /** Entries one radix-sort invocation walks. */
  RADIX_BLOCK: 256,
  /** Blocks per workgroup of radixCount and radixScatter. */
  RADIX_GROUP: 8,
  /** Invocations per workgroup of the data-parallel kernels. */
  WORKGROUP: 64,
  /** Pool slots each invocation of `fuse` fuses (fuse.wgsl reads them as one vec4). */
  FUSE_SLOTS: 4,
  /** Candidates each invocation of `expandFill` takes (beam.wgsl reads them as one vec4). */
  FILL_SLOTS: 4,
  /**
   * Invocations of selectShortlist's one workgroup (shortlist.wgsl, select.wgsl). One workgroup
   * runs on one core however wide it is, and SwiftShader switches between its subgroups of 4
   * at every barrier and runs lid-0-only code once per subgroup: 16 ran it in 0.41-0.47 ms at
   * pool 10,000 / shortlist 256, where 64 took 0.56-0.72 ms.
   */
  SELECT_GROUP: 16,
  /** Stage 1's histogram bins a stage key by its bits from HISTOGRAM_SHIFT up. */
  HISTOGRAM_SHIFT,
  HISTOGRAM_BINS: 2 ** (32 - HISTOGRAM_SHIFT),
  /**
   * A coarse histogram of the keys' bits from COARSE_SHIFT up, after the fine one: stage 1
   * walks it to the coarse bin of the k-th key, then only that bin's fine bins, instead of
   * scanning all HISTOGRAM_BINS (0.6 ms on SwiftShader, in one workgroup).
   */
  COARSE_SHIFT,
  COARSE_BINS: 2 ** (32 - COARSE_SHIFT),
  /** Most entries the shortlist select keeps. */
  MAX_SELECT: LIMITS.shortlistMax,
  /** Invocations of selectBeams, each keeping the best pairs of every KEEP_GROUP-th beam. */
  KEEP_GROUP: 16,
  /** Widest beam selectBeams holds in private arrays. */
  MAX_BEAM_WIDTH: LIMITS.beamWidth.max,
  /** Longest plan the output buffer holds. */
  MAX_DEPTH: LIMITS.depth.max,
  /** `PlanParams.fusionKind`, by `fusion.kind`. */
  FUSION_MOC: 0,
  FUSION_WEIGHTED_SUM: 1,
  FUSION_PRODUCT: 2,
  FUSION_RANK: 3,
} as const;

export const { RADIX, RADIX_BLOCK, RADIX_GROUP, WORKGROUP, FUSE_SLOTS, FILL_SLOTS, MAX_DEPTH } = SHADER_CONSTANTS;

export type KernelName =
  | 'fuse' | 'rankScatter' | 'rankScore'
  | 'radixCount' | 'radixScan' | 'radixScatter'
  | 'selectShortlist' | 'expandFirst' | 'expandFill' | 'expand' | 'selectBeams';

/** One entry of the pass table: the fields of `Pass` (resources.ts). */
export type PassParams = ValuesOf<typeof PASS>;

export interface Dispatch {
  kernel: KernelName;
  /** Index into the pass table, for kernels that read `Pass`. */
  pass?: number;
  /** Buffers bound in place of the kernel's defaults, by binding name. */
  rebind?: Readonly<Record<string, BufferName>>;
  x: number;
  y: number;
}

export interface PlanShape {
  /** Pool slots in use, shown ones included. */
  size: number;
  /** Shortlist length: min(shortlist option, eligible), at least 1. */
  shortlist: number;
  /** Planned slots: min(depth option, shortlist). */
  depth: number;
  beamWidth: number;
  rank: boolean;
}

export interface Schedule {
  /** Entries the radix sort's scratch buffer holds. */
  sortEntries: number;
  /** Words of the radix sort's per-block digit counts and per-digit totals. */
  digitWords: number;
  passes: PassParams[];
  dispatches: Dispatch[];
}

export function buildSchedule(shape: PlanShape): Schedule {
  const { size, shortlist, depth, beamWidth, rank } = shape;
  const passes: PassParams[] = [];
  const dispatches: Dispatch[] = [];
  const pass = (p: Partial<PassParams>): number => {
    passes.push({ count: 0, stride: 0, shift: 0, blocks: 0, step: 0, beams: 0, kept: 0, ...p });
    return passes.length - 1;
  };
  const groups = (n: number) => Math.max(1, Math.ceil(n / WORKGROUP));
  const blocks = Math.ceil(size / RADIX_BLOCK);
  const radixGroups = Math.ceil(blocks / RADIX_GROUP);

  /** Four 8-bit passes over `segments` segments of `size` entries; an even count lands back in `keys`. */
  const radixSort = (keys: BufferName, segments: number) => {
    for (let shift = 0; shift < 32; shift += 8) {
      const [source, target]: BufferName[] = shift % 16 === 0 ? [keys, 'sortScratch'] : ['sortScratch', keys];
      const at = pass({ count: size, stride: size, shift, blocks });
      dispatches.push({ kernel: 'radixCount', pass: at, rebind: { source: source! }, x: radixGroups, y: segments });
      dispatches.push({ kernel: 'radixScan', pass: at, x: RADIX / WORKGROUP, y: segments });
      dispatches.push({ kernel: 'radixScatter', pass: at, rebind: { source: source!, sorted: target! }, x: radixGroups, y: segments });
    }
  };

  dispatches.push({ kernel: 'fuse', x: Math.ceil(size / (WORKGROUP * FUSE_SLOTS)), y: 1 });
  if (rank) {
    radixSort('rankKeys', 3);
    // Sized by the pool, not the eligible count, so that showing an item keeps the schedule.
    dispatches.push({ kernel: 'rankScatter', x: groups(size), y: 3 });
    dispatches.push({ kernel: 'rankScore', x: groups(size), y: 1 });
  }
  // Stage 1: the top `shortlist` of the pool, selected and ranked in one workgroup.
  dispatches.push({ kernel: 'selectShortlist', x: 1, y: 1 });

  // Stage 2: the beams alive after step t are known in advance: min(W, beams * unused items).
  let beams = 1;
  for (let step = 0; step < depth; step++) {
    const kept = Math.min(beamWidth, beams * (shortlist - step));
    const at = pass({ step, beams, kept });
    // Step 0 extends the one empty sequence, step 1 fills the rows of its beams' items
    // (beam.wgsl); neither reads a pass.
    dispatches.push(step === 0 ? { kernel: 'expandFirst', x: groups(shortlist), y: 1 }
      : step === 1 ? { kernel: 'expandFill', x: Math.ceil(shortlist / (WORKGROUP * FILL_SLOTS)), y: beams }
        : { kernel: 'expand', x: groups(shortlist), y: beams, pass: at });
    dispatches.push({ kernel: 'selectBeams', x: 1, y: 1, pass: at });
    beams = kept;
  }

  // Only `rank` sorts: its three objectives, one segment each.
  const segments = rank ? 3 : 0;
  return { sortEntries: segments * size, digitWords: segments * RADIX * (blocks + 1), passes, dispatches };
}
