import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BackendPlan } from '../backend.js';
import { createReranker } from '../index.js';
import type { LastShown, Shortlist } from '../model/lookahead.js';
import { CpuPlanner } from '../model/planner.js';
import type { CandidatePool } from '../model/pool.js';
import { resolveOptions } from '../options.js';
import { requireAdapter } from '../testing/gpu.js';
import { lane } from '../testing/lane.js';
import { randomRows, seededRandom } from '../testing/instances.js';
import { poolOf } from '../testing/pool.js';
import goldenFusion from '../testing/vectors/fusion.json';
import goldenPlans from '../testing/vectors/plans.json';
import type { CandidateRow, ClassicFusion, RerankerOptions, ResolvedOptions } from '../types.js';
import { createWebGpuBackend } from './backend.js';

const VALUE_TOLERANCE = 1e-4;
const TIE_TOLERANCE = 1e-5;

const close = (actual: number, expected: number, tolerance = VALUE_TOLERANCE) =>
  Math.abs(actual - expected) <= tolerance * Math.max(Math.abs(expected), 1e-3);

interface Instance {
  label: string;
  pool: CandidatePool;
  u: Float64Array;
  last: LastShown | null;
  options: ResolvedOptions;
}


const FUSIONS: RerankerOptions['fusion'][] = [
  { kind: 'moc', wCvr: 1, wView: 0.25, gamma: 0.5 }, // wSwipe 'auto': T, as by default
  { kind: 'weighted-sum', weights: { cvr: 1, vtr: 0.3, sdr: 0.2 } },
  { kind: 'product', weights: { cvr: 2, vtr: 0.5, sdr: 0.3 }, alpha: { cvr: 1, vtr: 0.8, sdr: 1.2 } },
  { kind: 'rank', weights: { cvr: 1, vtr: 0.6, sdr: 0.4 }, alpha: { cvr: 1, vtr: 0.7, sdr: 1.3 }, beta: { cvr: 0, vtr: 1, sdr: 2 } },
  // Signs the kinds above never give: rewards of both signs, and all rewards <= 0 (then 'auto' T <= 0).
  { kind: 'weighted-sum', weights: { cvr: 1, vtr: -0.6, sdr: 0.1 } },
  { kind: 'weighted-sum', weights: { cvr: -1, vtr: -0.4, sdr: -0.2 } },
];

/** A random instance: pool, interest, last shown item, shown slots and options, all from `seed`. */
function randomInstance(
  seed: number, size: number, dim: number, kind: number, limits: 'random' | 'max' | 'min', withShown = true,
): Instance {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const rows = randomRows(random, { size, embeddingDim: dim, categories: pick([0, 3, 8]) });
  const pool = poolOf(rows, dim);
  const shownShare = withShown ? pick([0, 0, 0.1, 0.5]) : 0;
  for (let i = 0; i < size; i++) if (random() < shownShare) pool.markShown(i);
  const u = new Float64Array(dim);
  if (dim > 0) {
    let norm = 0;
    for (let d = 0; d < dim; d++) { u[d] = random() * 2 - 1; norm += u[d]! ** 2; }
    const scale = random() / Math.sqrt(norm);
    for (let d = 0; d < dim; d++) u[d]! *= scale;
  }
  let last: LastShown | null = null;
  if (random() < 0.6) {
    const at = int(0, size - 1);
    last = {
      embedding: pool.embedding.slice(at * dim, (at + 1) * dim),
      category: pool.category[at]!,
      hasCategory: pool.hasCategory[at] === 1,
    };
  }
  const depth = limits === 'max' ? 16 : limits === 'min' ? 1 : int(1, 8);
  const beamWidth = limits === 'max' ? 64 : limits === 'min' ? 1 : pick([1, 2, 4, 8, 16, 32]);
  const shortlist = limits === 'max' ? 1024 : limits === 'min' ? depth : Math.max(depth, pick([depth, 8, 16, 64, 100, 256]));
  const options = resolveOptions({
    embeddingDim: dim,
    fusion: FUSIONS[kind],
    personalization: random() < 0.8 ? { strength: 0.5 + 2 * random() } : false,
    lookahead: {
      depth, beamWidth, shortlist,
      rho: pick([0, 0.5, random()]),
      phi: pick([0, 0.35, random()]),
      tail: random() < 0.7 ? 'auto' : 0.1 * random(),
    },
  });
  return { label: `seed ${seed} size ${size} dim ${dim} ${options.fusion.kind} L${shortlist} W${beamWidth} D${depth}`, pool, u, last, options };
}

/** The f64 value of a given sequence of pool indices under the CPU model. */
function sequenceValue(instance: Instance, fusedReward: Float64Array, poolIndex: number[], tail: number): number {
  const { pool, last, options } = instance;
  const { rho, phi } = options.lookahead;
  const dim = pool.dim;
  let value = 0, reach = 1;
  let prev: { embedding: Float64Array; offset: number; category: number; hasCategory: boolean } | null = last
    ? { embedding: last.embedding, offset: 0, category: last.category, hasCategory: last.hasCategory }
    : null;
  for (const i of poolIndex) {
    value += reach * fusedReward[i]!;
    let q = pool.pSdr[i]!;
    if (prev) {
      let sim = 0;
      for (let d = 0; d < dim; d++) sim += pool.embedding[i * dim + d]! * prev.embedding[prev.offset + d]!;
      const same = prev.hasCategory && pool.hasCategory[i] === 1 && pool.category[i] === prev.category;
      q = q * (1 - rho * Math.max(0, sim)) * (1 - (same ? phi : 0));
    }
    reach *= q;
    prev = { embedding: pool.embedding, offset: i * dim, category: pool.category[i]!, hasCategory: pool.hasCategory[i] === 1 };
  }
  return value + reach * tail;
}

/** Smallest relative gap between the last kept and the first dropped entry of any beam cut (f64). */
function smallestBeamCut(list: Shortlist, instance: Instance, fusedReward: Float64Array): number {
  const { last, options } = instance;
  const o = options.lookahead;
  const L = list.length;
  const depth = Math.min(o.depth, L);
  const tail = new CpuPlanner().resolve(instance.pool, options).lookahead.tail;
  const order: number[] = [];
  for (let c = 0; c < L; c++) order.push(list.poolIndex[c]!);
  let beams: number[][] = [[]];
  let gap = Infinity;
  for (let t = 0; t < depth; t++) {
    const offers: { score: number; seq: number[] }[] = [];
    for (const seq of beams) {
      for (const i of order) {
        if (seq.includes(i)) continue;
        const next = [...seq, i];
        // partial V + reach_next * tail is the value of the partial sequence with the tail after it.
        offers.push({ score: sequenceValue({ ...instance, last }, fusedReward, next, tail), seq: next });
      }
    }
    offers.sort((a, b) => b.score - a.score);
    const kept = Math.min(o.beamWidth, offers.length);
    if (offers.length > kept) {
      const a = offers[kept - 1]!.score, b = offers[kept]!.score;
      gap = Math.min(gap, Math.abs(a - b) / Math.max(Math.abs(a), 1e-12));
    }
    beams = offers.slice(0, kept).map((x) => x.seq);
  }
  return gap;
}

/** Smallest relative gap between the L-th and (L+1)-th fused scores among eligible slots (f64). */
function smallestShortlistCut(instance: Instance, score: Float64Array): number {
  const { pool, options } = instance;
  const s: number[] = [];
  for (let i = 0; i < pool.size; i++) if (!pool.shown[i]) s.push(score[i]!);
  s.sort((a, b) => b - a);
  const L = Math.min(options.lookahead.shortlist, s.length);
  if (s.length <= L) return Infinity;
  return Math.abs(s[L - 1]! - s[L]!) / Math.max(Math.abs(s[L - 1]!), 1e-12);
}

type Verdict = 'identical' | 'final near-tie' | 'shortlist near-tie' | 'beam-cut near-tie';

/** Compares a GPU plan with the CPU's; fails the test unless identical or explained by a float near-tie. */
function judge(instance: Instance, cpu: CpuPlanner, expected: BackendPlan, actual: BackendPlan): Verdict {
  const fused = cpu.scores;
  const checkValues = (plan: BackendPlan, reference: BackendPlan) => {
    plan.poolIndex.forEach((_, t) => {
      for (const field of ['score', 'reward', 'continueProb', 'reach'] as const) {
        expect(close(plan[field][t]!, reference[field][t]!), `${instance.label}: ${field}[${t}] ${plan[field][t]} vs ${reference[field][t]}`).toBe(true);
      }
    });
    expect(close(plan.value, reference.value), `${instance.label}: value ${plan.value} vs ${reference.value}`).toBe(true);
  };
  expect(actual.poolIndex.length, `${instance.label}: plan length`).toBe(expected.poolIndex.length);
  if (actual.poolIndex.every((i, t) => i === expected.poolIndex[t])) {
    checkValues(actual, expected);
    return 'identical';
  }
  // Different plans: the GPU's must still be a valid plan, and its reported figures right for it.
  expect(new Set(actual.poolIndex).size, `${instance.label}: distinct items`).toBe(actual.poolIndex.length);
  for (const i of actual.poolIndex) expect(instance.pool.shown[i], `${instance.label}: item ${i} was shown`).toBe(0);
  const list = cpu.shortlist(instance.pool, instance.u, instance.options);
  const tail = cpu.resolve(instance.pool, instance.options).lookahead.tail;
  const actualValue = sequenceValue(instance, fused.reward, actual.poolIndex, tail);
  const bestValue = expected.value;
  const describe = `${instance.label}: GPU plan [${actual.poolIndex}] (V=${actualValue}) vs CPU [${expected.poolIndex}] (V=${bestValue})`;
  expect(close(actual.value, actualValue), `${describe}: reported value ${actual.value}`).toBe(true);
  if (Math.abs(actualValue - bestValue) <= TIE_TOLERANCE * Math.abs(bestValue)) return 'final near-tie';
  if (smallestShortlistCut(instance, fused.score) <= TIE_TOLERANCE) return 'shortlist near-tie';
  if (smallestBeamCut(list, instance, fused.reward) <= TIE_TOLERANCE) return 'beam-cut near-tie';
  throw new Error(`not a float near-tie: ${describe}`);
}

describe.runIf(lane.hasWebGpu)('WebGPU backend parity with the CPU engine (f64)', () => {
  let backend: Backend;
  const verdicts = new Map<Verdict, string[]>();
  let instances = 0;
  const record = (v: Verdict, label: string) => {
    instances++;
    verdicts.set(v, [...(verdicts.get(v) ?? []), label]);
  };

  beforeAll(async () => {
    backend = await createWebGpuBackend();
  });
  afterAll(() => {
    backend?.dispose();
    const lines = [...verdicts].map(([v, labels]) => `  ${v}: ${labels.length}${v === 'identical' ? '' : ` (${labels.join('; ')})`}`);
    console.log(`parity over ${instances} instances:\n${lines.join('\n')}`);
  });

  async function check(instance: Instance): Promise<Verdict> {
    const cpu = new CpuPlanner();
    const expected = cpu.plan(instance.pool, instance.u, instance.last, instance.options);
    const actual = await backend.plan(instance.pool, instance.u, instance.last, instance.options);
    const verdict = judge(instance, cpu, expected, actual);
    record(verdict, instance.label);
    return verdict;
  }

  it('small pools (1 to 300), every fusion kind, embeddings 0/8/32/256, random limits', async () => {
    await requireAdapter();
    const dims = [0, 8, 32, 256];
    for (let n = 0; n < 160; n++) {
      const size = 1 + Math.floor(seededRandom(9000 + n)() * 300);
      await check(randomInstance(1000 + n, size, dims[n % 4]!, n % 4, n % 10 === 9 ? 'max' : n % 10 === 8 ? 'min' : 'random'));
    }
  });

  it('medium pools (1,000 to 12,000) with shortlist and beam limits', async () => {
    await requireAdapter();
    for (let n = 0; n < 32; n++) {
      const size = 1000 + Math.floor(seededRandom(7000 + n)() * 11000);
      await check(randomInstance(2000 + n, size, [8, 32][n % 2]!, n % 4, n % 4 === 3 ? 'max' : 'random'));
    }
  });

  it('large pools (up to the 65,536 limit)', async () => {
    await requireAdapter();
    await check(randomInstance(3000, 65_536, 8, 0, 'random'));
    await check(randomInstance(3001, 65_536, 32, 3, 'random'));
    await check(randomInstance(3002, 65_536, 8, 1, 'max'));
    await check(randomInstance(3003, 40_000, 256, 2, 'random'));
    await check(randomInstance(3004, 65_536, 0, 3, 'max'));
  });

  it("negative rewards, a session value of either sign or far above the rewards, rho 1: selectBeams' early stop stays exact", async () => {
    await requireAdapter();
    for (let n = 0; n < 12; n++) {
      const kind = 4 + (n % 2);
      const instance = randomInstance(6000 + n, [300, 3000, 1000][n % 3]!, [8, 32][n % 2]!, kind, 'random');
      const { depth, beamWidth, shortlist, phi } = instance.options.lookahead;
      instance.options = resolveOptions({
        embeddingDim: instance.pool.dim, fusion: FUSIONS[kind], personalization: false,
        // A tail far above the rewards makes r + q T cancel where rewards are negative.
        lookahead: { depth: Math.max(depth, 3), beamWidth, shortlist: Math.max(shortlist, depth, 3), rho: 1, phi, tail: n % 3 === 0 ? 'auto' : 5 + 20 * n },
      });
      await check(instance);
    }
  });

  it('edge sizes: pool smaller than the shortlist, than the depth, one candidate, all shown', async () => {
    await requireAdapter();
    for (let kind = 0; kind < 4; kind++) {
      // Pool smaller than the shortlist (and than the beam).
      expect(await check(randomInstance(4000 + kind, 20, 8, kind, 'max', false))).toBe('identical');
      // Pool smaller than the depth: the plan holds every item.
      const small = randomInstance(4010 + kind, 5, 8, kind, 'max', false);
      expect(await check(small)).toBe('identical');
      expect((await backend.plan(small.pool, small.u, small.last, small.options)).poolIndex).toHaveLength(5);
      // One candidate.
      const one = randomInstance(4020 + kind, 1, 8, kind, 'random', false);
      expect(await check(one)).toBe('identical');
    }
    // All shown: an empty plan with the CPU's value; then one item becomes eligible again in a new pool.
    const all = randomInstance(4030, 50, 8, 0, 'random');
    for (let i = 0; i < all.pool.size; i++) all.pool.markShown(i);
    const cpu = new CpuPlanner().plan(all.pool, all.u, all.last, all.options);
    const gpu = await backend.plan(all.pool, all.u, all.last, all.options);
    expect(gpu.poolIndex).toEqual([]);
    expect(gpu.value).toBe(cpu.value);
    // Ties everywhere: identical candidates are planned in pool order, as on the CPU.
    const twins = poolOf(Array.from({ length: 40 }, (_, i) => ({ id: `t${i}`, pCvr: 0.1, pVtr: 0.4, pSdr: 0.8 })), 0);
    for (let kind = 0; kind < 4; kind++) {
      const options = resolveOptions({ fusion: FUSIONS[kind], lookahead: { depth: 6, shortlist: 16, beamWidth: 8 } });
      const instance = { label: `twins ${FUSIONS[kind]!.kind}`, pool: twins, u: new Float64Array(0), last: null, options };
      expect(await check(instance)).toBe('identical');
    }
    // Ties in bulk: three score levels over 5,000 slots, so stage 1's threshold falls among
    // thousands of equal keys and the pool index alone decides who makes the shortlist.
    const levels = [0.1, 0.2, 0.3];
    const bulk = poolOf(Array.from({ length: 5000 }, (_, i) => ({ id: `b${i}`, pCvr: levels[(i * 7) % 3]!, pVtr: 0.4, pSdr: 0.8 })), 0);
    for (let i = 0; i < bulk.size; i += 11) bulk.markShown(i);
    for (const shortlist of [100, 1024]) {
      const options = resolveOptions({ fusion: FUSIONS[0], lookahead: { depth: 4, shortlist, beamWidth: 8 } });
      expect(await check({ label: `bulk ties L${shortlist}`, pool: bulk, u: new Float64Array(0), last: null, options })).toBe('identical');
    }
  });

  it('uploads candidate columns only when the pool changed', async () => {
    await requireAdapter();
    const instance = randomInstance(5000, 3000, 32, 0, 'random');
    await backend.plan(instance.pool, instance.u, instance.last, instance.options);
    const first = backend.stats!.bytesUploaded;
    await backend.plan(instance.pool, instance.u, instance.last, instance.options);
    const steady = backend.stats!.bytesUploaded;
    instance.pool.markShown(7);
    await check(instance);
    const shownOnly = backend.stats!.bytesUploaded;
    console.log(`bytes uploaded: new pool ${first}, same pool ${steady}, one item shown ${shownOnly}`);
    expect(first).toBeGreaterThan(3000 * (32 + 32 * 4));
    expect(steady).toBeLessThan(1024);
    expect(shownOnly - steady).toBe(Math.ceil(3000 / 32) * 4);
    expect(backend.stats).toMatchObject({ submits: 1, readbacks: 1 });
  });
});

describe.runIf(lane.hasWebGpu)('golden vectors on the WebGPU backend', () => {
  interface PlanCase { options: RerankerOptions; candidates: CandidateRow[]; expected: { ids: string[]; value: number } }
  interface FusionCase { kind: string; fusion: ClassicFusion; candidates: CandidateRow[]; expected: number[] }

  it('plans.json: ids and value (one case through the public API, in a worker)', async () => {
    await requireAdapter();
    const cases = (goldenPlans as { cases: PlanCase[] }).cases;
    const backend = await createWebGpuBackend();
    for (const c of cases) {
      const options = resolveOptions(c.options);
      const pool = poolOf(c.candidates, options.embeddingDim);
      const plan = await backend.plan(pool, new Float64Array(options.embeddingDim), null, options);
      expect(plan.poolIndex.map((i) => pool.ids[i])).toEqual(c.expected.ids);
      expect(close(plan.value, c.expected.value)).toBe(true);
    }
    backend.dispose();
    const c = cases[cases.length - 1]!;
    const ranker = await createReranker({ ...c.options, backend: 'webgpu' });
    const info = await ranker.info();
    expect(info).toMatchObject({ backend: 'webgpu', worker: true });
    console.log(`in a worker: backend ${info.backend}, adapter ${info.adapter}`);
    await ranker.ingest(c.candidates);
    const plan = await ranker.plan();
    expect(plan.backend).toBe('webgpu');
    expect(plan.items.map((item) => item.id)).toEqual(c.expected.ids);
    expect(close(plan.value, c.expected.value)).toBe(true);
    await ranker.dispose();
  });

  it('fusion.json: fused scores of every kind, the rank tie included', async () => {
    await requireAdapter();
    const backend = await createWebGpuBackend();
    for (const c of (goldenFusion as { cases: FusionCase[] }).cases) {
      const n = c.candidates.length;
      const pool = poolOf(c.candidates, 0);
      // Plan every candidate, so every fused score comes back.
      const options = resolveOptions({ fusion: c.fusion, personalization: false, lookahead: { depth: n, shortlist: n, beamWidth: 4 } });
      const plan = await backend.plan(pool, new Float64Array(0), null, options);
      expect(plan.poolIndex.slice().sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      plan.poolIndex.forEach((i, t) => expect(close(plan.score[t]!, c.expected[i]!), `${c.kind} candidate ${i}`).toBe(true));
    }
    backend.dispose();
  });
});
