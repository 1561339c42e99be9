/**
 * What the shaders and the TypeScript side share, declared once: the structs (layout.ts
 * writes their WGSL), every buffer with its element type and length, and each module's
 * binding table. `kernels.ts` generates each module's struct and `@binding` declarations
 * from these tables; `planner.ts` sizes, writes and binds buffers from the same tables.
 */

import { MAX_DEPTH, SHADER_CONSTANTS } from './schedule.js';
import { struct, type Element } from './layout.js';

/** Plan-wide parameters, written once a plan. */
export const PLAN_PARAMS = struct('PlanParams', {
  size: 'u32', eligible: 'u32', dim4: 'u32',
  fusionKind: 'u32', personalize: 'u32', strength: 'f32',
  wCvr: 'f32', wView: 'f32', wSwipe: 'f32', gamma: 'f32',
  weightCvr: 'f32', weightVtr: 'f32', weightSdr: 'f32',
  alphaCvr: 'f32', alphaVtr: 'f32', alphaSdr: 'f32',
  betaCvr: 'f32', betaVtr: 'f32', betaSdr: 'f32',
  shortlist: 'u32', beamWidth: 'u32', depth: 'u32',
  tail: 'f32', rho: 'f32', phi: 'f32',
  hasLast: 'u32', lastCategory: 'u32', lastHasCategory: 'u32',
}, {
  size: 'Pool slots in use (shown ones included); then eligible slots.',
  dim4: 'Embedding length in vec4s: rows are stored zero-padded to whole vec4s.',
  fusionKind: 'FUSION_MOC, FUSION_WEIGHTED_SUM, FUSION_PRODUCT or FUSION_RANK.',
  shortlist: 'Shortlist length L, already min(shortlist, eligible).',
  depth: 'Planned slots: min(depth, L).',
  tail: 'The tail T, resolved by the engine before the plan (the session value when tail is \'auto\').',
});

/** What one dispatch of a multi-pass kernel needs; each kernel reads its own fields. */
export const PASS = struct('Pass', {
  count: 'u32', stride: 'u32', shift: 'u32', blocks: 'u32',
  step: 'u32', beams: 'u32', kept: 'u32',
}, {
  count: 'Radix sort: entries per segment, segment stride, digit shift, blocks per segment.',
  step: 'Beam search: step t, live beams, beams kept after this step.',
});

/** One pool candidate as uploaded (f32). */
export const SLOT = struct('Slot', {
  pCvr: 'f32', pVtr: 'f32', pSdr: 'f32', value: 'f32',
  logitCvr: 'f32', logitVtr: 'f32', category: 'u32', hasCategory: 'u32',
}, { logitCvr: 'logit(clamp(p, 1e-6, 1 - 1e-6)), computed once per upload in f64.' });

/** One shortlisted candidate, with what stage 2 needs of it. */
export const SHORTLIST_ITEM = struct('ShortlistItem', {
  poolIndex: 'u32', reward: 'f32', pSdr: 'f32', score: 'f32', category: 'u32', hasCategory: 'u32',
});

/**
 * A partial sequence: its value so far, the reach of its next slot, the continuation of
 * its last item, the last item (a shortlist position) and its parent beam one step back.
 */
export const BEAM = struct('Beam', { value: 'f32', reach: 'f32', q: 'f32', last: 'u32', parent: 'u32' });

/** One planned slot as read back. */
export const PLANNED_ITEM = struct('PlannedItem', {
  poolIndex: 'u32', score: 'f32', reward: 'f32', continueProb: 'f32', reach: 'f32',
});

/** The plan as read back: its length, its value, its items. */
export const PLAN_OUT = struct('PlanOut', { count: 'u32', value: 'f32', items: { of: PLANNED_ITEM, length: MAX_DEPTH } });

/** Every struct, in an order where each follows the structs it holds. */
export const STRUCTS = [PLAN_PARAMS, PASS, SLOT, SHORTLIST_ITEM, BEAM, PLANNED_ITEM, PLAN_OUT];

/** The sizes a plan's buffers follow. */
export interface BufferShape {
  size: number;
  dim4: number;
  shortlist: number;
  depth: number;
  beamWidth: number;
  /** Entries of the rank sort's scratch and words of its digit counts (0 unless `rank`). */
  sortEntries: number;
  digitWords: number;
  rank: boolean;
  passes: number;
  /** Bytes between passes in the pass table (the device's uniform offset alignment). */
  passStride: number;
  /** Words of stage 1's histograms, fine then coarse. */
  histogramBins: number;
}

type Usage = 'input' | 'uniform' | 'storage' | 'output' | 'cleared';

export interface BufferSpec {
  element: Element;
  /** Elements the plan needs. */
  length(s: BufferShape): number;
  usage: Usage;
  /** Bound as one `element`, not an array of them. */
  single?: boolean;
}

const buffer = (element: Element, usage: Usage, length: (s: BufferShape) => number): BufferSpec => ({ element, usage, length });
const one = (element: Element, usage: Usage): BufferSpec => ({ element, usage, length: () => 1, single: true });

/** Words of rowCache (beam.wgsl): L rows of L, the fill queue, a flag per item, two steps' masks, L + 1 pair bounds. */
const rowCacheWords = ({ shortlist: L, beamWidth: W }: BufferShape) => L * L + 1 + W + L + 2 * W * Math.ceil(L / 32) + L + 1;

/** Every buffer a plan binds, with what it holds and how long it is. */
export const BUFFERS = {
  plan: one(PLAN_PARAMS, 'uniform'),
  // The pass table is read at dynamic offsets, one pass per `passStride` bytes.
  passes: buffer('u32', 'uniform', (s) => (s.passes * s.passStride) / 4),
  slots: buffer(SLOT, 'input', (s) => s.size),
  embedding: buffer('vec4f', 'input', (s) => s.size * s.dim4),
  shown: buffer('u32', 'input', (s) => Math.ceil(s.size / 32)),
  vectors: buffer('vec4f', 'input', (s) => 2 * s.dim4),
  fused: buffer('vec4f', 'storage', (s) => s.size),
  stageKeys: buffer('vec2u', 'storage', (s) => s.size),
  rankKeys: buffer('vec2u', 'storage', (s) => (s.rank ? 3 * s.size : 0)),
  ranks: buffer('u32', 'storage', (s) => (s.rank ? 3 * s.size : 0)),
  sortScratch: buffer('vec2u', 'storage', (s) => s.sortEntries),
  digitCounts: buffer('u32', 'storage', (s) => s.digitWords),
  // The histogram, then the chosen keys and the boundary's, two words a key (shortlist.wgsl).
  // Atomic only where fuse counts; selectShortlist reads and writes it plainly, since
  // SwiftShader's atomic loads made its ranking loop several times slower.
  selectScratch: buffer('u32', 'cleared', (s) => s.histogramBins + 2 * SHADER_CONSTANTS.MAX_SELECT + 2 * s.size),
  shortlist: buffer(SHORTLIST_ITEM, 'storage', (s) => s.shortlist),
  shortEmbedding: buffer('vec4f', 'storage', (s) => s.shortlist * s.dim4),
  beams: buffer(BEAM, 'storage', (s) => (s.depth + 1) * s.beamWidth),
  candidates: buffer('vec2u', 'storage', (s) => s.beamWidth * (s.shortlist + s.beamWidth)),
  continuation: buffer('f32', 'storage', (s) => s.beamWidth * s.shortlist),
  rowCache: buffer('u32', 'storage', rowCacheWords),
  planOut: one(PLAN_OUT, 'output'),
} satisfies Record<string, BufferSpec>;
export const BUFFER_SPECS: Record<BufferName, BufferSpec> = BUFFERS;

export type BufferName = keyof typeof BUFFERS;

/**
 * How a module declares a binding: `pass` is the pass table at a dynamic offset, `read` a
 * read-only storage array, `write` a read_write one, `atomic` a read_write array of atomics.
 */
export type Access = 'uniform' | 'pass' | 'read' | 'write' | 'atomic';

export interface BindingSpec {
  access: Access;
  /** The buffer bound unless a dispatch rebinds it. */
  buffer: BufferName;
  doc?: string;
}

const bind = (access: Access, buffer: BufferName, doc?: string): BindingSpec => ({ access, buffer, ...(doc && { doc }) });

/** Each module's bindings by WGSL name, numbered in this order. */
export const MODULE_BINDINGS = {
  fuse: {
    plan: bind('uniform', 'plan'),
    slots: bind('read', 'slots'),
    embedding: bind('read', 'embedding', 'Rows of dim4 vec4s.'),
    shown: bind('read', 'shown', 'One bit per slot.'),
    vectors: bind('read', 'vectors', 'The interest state u, then the last shown item\'s embedding, dim4 vec4s each.'),
    fused: bind('write', 'fused', 'Per slot: pCvr\', pVtr\', reward, fused score.'),
    stageKeys: bind('write', 'stageKeys'),
    rankKeys: bind('write', 'rankKeys', 'Three segments of `size` (pCvr\', pVtr\', pSdr), each sorted into rank order.'),
    ranks: bind('write', 'ranks', 'Three segments of `size`: the 1-based rank of each eligible slot.'),
    selectScratch: bind('atomic', 'selectScratch', 'Stage 1\'s histograms of the stage keys\' high 16 and 8 bits (shortlist.wgsl), cleared before each plan.'),
  },
  sort: {
    sortPass: bind('pass', 'passes'),
    source: bind('read', 'stageKeys'),
    sorted: bind('write', 'sortScratch'),
    digitCounts: bind('write', 'digitCounts', 'Per segment, digit-major: [segment][digit][block, then total]; counts, then start offsets.'),
  },
  shortlist: {
    plan: bind('uniform', 'plan'),
    slots: bind('read', 'slots'),
    embedding: bind('read', 'embedding'),
    fused: bind('read', 'fused'),
    keys: bind('read', 'stageKeys', 'Per pool slot (score key, slot); LAST_KEY for slots that are not eligible.'),
    shortlist: bind('write', 'shortlist'),
    shortEmbedding: bind('write', 'shortEmbedding'),
    selectScratch: bind('write', 'selectScratch', 'HISTOGRAM_BINS and COARSE_BINS counts (filled by fuse or rankScore), then the chosen keys and the boundary\'s.'),
  },
  beam: {
    beamPass: bind('pass', 'passes'),
    plan: bind('uniform', 'plan'),
    vectors: bind('read', 'vectors', 'u, then the last shown item\'s embedding, dim4 vec4s each.'),
    shortlist: bind('read', 'shortlist'),
    shortEmbedding: bind('read', 'shortEmbedding'),
    beams: bind('write', 'beams', '(depth + 1) steps of beamWidth beams; step 0 is the empty sequence, implied.'),
    rowCache: bind('write', 'rowCache', 'Per shortlist position k, its continuation row q(. | k) of L f32 bits, once filled; then '
      + 'at L * L: the rows to fill after this step, their items (up to beamWidth), and per item 1 once its row is filled or '
      + 'queued; then two steps\' (by parity) used-item bitmasks, ceil(L / 32) words per beam; then the pair bounds.'),
    candidates: bind('write', 'candidates', 'Every (beam, candidate) pair of the step as (score key, beam * L + candidate); '
      + 'then from beamWidth * L, per beam its best beamWidth pairs, best first.'),
    continuation: bind('write', 'continuation', 'q(candidate | beam\'s last item), per beam * L + candidate.'),
    planOut: bind('write', 'planOut'),
  },
} satisfies Record<string, Record<string, BindingSpec>>;

export type ModuleName = keyof typeof MODULE_BINDINGS;
