import {
  createReranker, DEFAULT_OPTIONS, type BackendChoiceInfo, type BackendMode, type Feedback, type GpuStats, type Reranker, type RerankerOptions,
} from 'swiperank';
import { createNaivePeer } from '../peers/naive.js';
import type { Peer, PeerOptions } from '../peers/peer.js';
import { createTfjsPeer, useTfjsBackend, type TfjsBackendName } from '../peers/tfjs.js';
import { seededRandom } from '../../sim/index.js';
import { behaviour, copyPool, type PoolColumns } from './data.js';
import { summarise, type Summary } from './stats.js';

export type RowName = 'swiperank-webgpu' | 'swiperank-cpu' | 'swiperank-auto' | 'naive-js' | 'tfjs-webgpu' | 'tfjs-cpu';

export interface CellSpec {
  pool: number;
  shortlist: number;
  beamWidth: number;
  depth: number;
  embeddingDim: number;
  seed: number;
}

export interface RowSpec {
  cell: CellSpec;
  row: RowName;
  /** Measured plans after warm-up. */
  plans: number;
  warmup: number;
  /** Warm-up is cut to `slowWarmup` swipes when the first swipe takes longer than `slowMs`. */
  slowWarmup: number;
  slowMs: number;
  /** Time box for the whole row (start, warm-up and measured plans). */
  budgetMs: number;
}

/** One plan as observed by the bench. */
interface Observed {
  ids: string[];
  value: number;
  /** Inside: `plan.timings.totalMs` for the SDK (measured in the engine), `planMs` for a peer. */
  innerMs: number;
  /** Page side: wall time around the awaited call. */
  wallMs: number;
  gpuMs?: number;
}

/** What every row runs: create, ingest, plan; then swipe after swipe. */
interface Subject {
  description: string;
  /** The backend's figures for the plan just made (`info().gpu`), read outside the timed region. */
  lastPlanCounters?: () => Promise<GpuStats | undefined>;
  plan(): Promise<Observed>;
  swipe(event: Feedback): Promise<Observed>;
  /** How the SDK chose its backend, read at the end of the row. */
  choice?: () => Promise<Chosen>;
  dispose(): Promise<void>;
}

/** The CPU backend's plans and the feedback script every other row replays. */
export interface Reference {
  script: Feedback[];
  plans: { ids: string[]; value: number }[];
}

export interface Check {
  compared: number;
  /** Plans whose item ids (in order) differ from the CPU backend's. */
  idMismatches: number;
  /** Plans whose value differs by more than the row's tolerance. */
  valueMismatches: number;
  tolerance: number;
  maxRelValueError: number;
  firstMismatch?: { step: number; ids: string[]; value: number; expectedIds: string[]; expectedValue: number };
}

export interface RowResult {
  row: RowName;
  status: 'ok' | 'timed-out' | 'unavailable' | 'failed';
  reason?: string;
  description?: string;
  createMs?: number;
  ingestMs?: number;
  /** The first plan after ingest: cold pipelines and first upload for the GPU rows. */
  firstPlan?: { wallMs: number; innerMs: number };
  warmup: number;
  plans: number;
  poolAtStart?: number;
  poolAtEnd?: number;
  inner?: Summary;
  wall?: Summary;
  gpu?: Summary;
  samples?: { innerMs: number[]; wallMs: number[] };
  /** WebGPU backend figures (`info().gpu`): after the first plan, and per measured plan. */
  gpuCounters?: {
    afterFirstPlan?: GpuStats;
    perPlan: Record<string, Summary>;
    last?: GpuStats;
  };
  check?: Check;
  /** SDK rows: `info().choice` at the end of the row (what `'auto'` decided, and why). */
  choice?: Chosen;
  /**
   * The `'auto'` row only: a `backend: 'cpu'` reranker swiped with the same script alongside it,
   * measured swipe by swipe in alternating order, so the two are compared side by side rather
   * than a row apart (a later row in one page can run slower or faster for reasons of its own).
   */
  pairedCpu?: { inner: Summary; wall: Summary };
  elapsedMs: number;
}

/** `T` for every bench row: about what `'auto'` gives on the bench's pools. */
const BENCH_SESSION_VALUE = 2;

/** `info().choice` with the backend planning at that moment. */
export type Chosen = BackendChoiceInfo & { backend: string };

const chosen = async (ranker: Reranker): Promise<Chosen> => {
  const info = await ranker.info();
  return { backend: info.backend, ...info.choice };
};

export function rerankerOptions(cell: CellSpec, backend: BackendMode): RerankerOptions {
  return {
    backend,
    embeddingDim: cell.embeddingDim,
    // A fixed T: the peers implement the planner, not the session-value estimate.
    fusion: { wSwipe: BENCH_SESSION_VALUE },
    // The peers personalise by taste alone.
    personalization: { satiation: 0 },
    lookahead: { shortlist: cell.shortlist, beamWidth: cell.beamWidth, depth: cell.depth, tail: BENCH_SESSION_VALUE },
    timeoutMs: 120_000,
    // The cell's whole pool is planned over; the default maxPoolSize would evict most of a 65,536 pool.
    maxPoolSize: Math.max(cell.pool, 1),
  };
}

const now = () => performance.now();

async function sdkSubject(cell: CellSpec, cols: PoolColumns, backend: BackendMode): Promise<Subject & { createMs: number; ingestMs: number }> {
  let t = now();
  const ranker: Reranker = await createReranker(rerankerOptions(cell, backend));
  const createMs = now() - t;
  t = now();
  await ranker.ingest(copyPool(cols));
  const ingestMs = now() - t;
  const info = await ranker.info();
  if (backend !== 'auto' && info.backend !== backend) {
    await ranker.dispose();
    throw new Error(`asked for ${backend}, got ${info.backend}: ${info.fallbackReason ?? ''}`);
  }
  const observe = async (call: () => ReturnType<Reranker['plan']>): Promise<Observed> => {
    const start = now();
    const plan = await call();
    const wallMs = now() - start;
    const o: Observed = { ids: plan.items.map((i) => i.id), value: plan.value, innerMs: plan.timings.totalMs, wallMs };
    if (plan.timings.gpuMs !== undefined) o.gpuMs = plan.timings.gpuMs;
    return o;
  };
  return {
    description: backend === 'auto' ? "swiperank backend 'auto' in a worker" : `swiperank ${info.backend} backend in a worker (${info.adapter})`,
    createMs, ingestMs,
    plan: () => observe(() => ranker.plan()),
    swipe: (event) => observe(() => ranker.swipe(event)),
    choice: () => chosen(ranker),
    dispose: () => ranker.dispose(),
    // Read after every measured plan: only where the figures exist, so 'auto' is timed as a user runs it.
    ...(backend === 'webgpu' ? { lastPlanCounters: async () => (await ranker.info()).gpu } : {}),
  };
}

async function peerSubject(peer: Peer, cols: PoolColumns, description: string): Promise<Subject & { createMs: number; ingestMs: number }> {
  const t = now();
  await peer.ingest(cols);
  const ingestMs = now() - t;
  const observe = async (call: () => ReturnType<Peer['plan']>): Promise<Observed> => {
    const start = now();
    const plan = await call();
    return { ids: plan.ids, value: plan.value, innerMs: plan.planMs, wallMs: now() - start };
  };
  return {
    description, createMs: 0, ingestMs,
    plan: () => observe(() => peer.plan()),
    swipe: (event) => observe(() => peer.swipe(event)),
    dispose: async () => peer.dispose(),
  };
}

/** What the SDK runs a cell with, every default filled in, for the peers to follow. */
function peerOptions(cell: CellSpec): PeerOptions {
  const { embeddingDim, fusion, personalization, lookahead, timeoutMs } = rerankerOptions(cell, 'cpu');
  return {
    ...DEFAULT_OPTIONS, backend: 'cpu', embeddingDim: embeddingDim!, timeoutMs: timeoutMs!,
    fusion: { ...DEFAULT_OPTIONS.fusion, ...fusion },
    personalization: { ...DEFAULT_OPTIONS.personalization, ...personalization },
    lookahead: { ...DEFAULT_OPTIONS.lookahead, ...lookahead },
  } as PeerOptions;
}

async function startSubject(spec: RowSpec, cols: PoolColumns) {
  const { cell } = spec;
  switch (spec.row) {
    case 'swiperank-webgpu': return sdkSubject(cell, cols, 'webgpu');
    case 'swiperank-cpu': return sdkSubject(cell, cols, 'cpu');
    case 'swiperank-auto': return sdkSubject(cell, cols, 'auto');
    case 'naive-js': return peerSubject(createNaivePeer(peerOptions(cell)), cols, 'arrays of objects, Array.prototype.sort per step, main thread');
    case 'tfjs-webgpu':
    case 'tfjs-cpu': {
      const name: TfjsBackendName = spec.row === 'tfjs-webgpu' ? 'webgpu' : 'cpu';
      const t = now();
      const active = await useTfjsBackend(name);
      const initMs = now() - t;
      const s = await peerSubject(createTfjsPeer(peerOptions(cell)), cols, `TensorFlow.js ${active} backend, main thread`);
      return { ...s, createMs: initMs };
    }
  }
}

/**
 * `'auto'` decides while a user looks at items: its warm-up swipes dwell 200 ms each, and the
 * last waits for the decision (up to `ms`) and one more dwell of a second, so the measured plans
 * show the decided backend in its steady state. What measuring costs is in the cold-start table.
 */
async function dwellForChoice(choice: () => Promise<Chosen>, last: boolean, ms: number): Promise<void> {
  const sleep = (t: number) => new Promise((resolve) => setTimeout(resolve, t));
  await sleep(200);
  if (!last) return;
  const until = now() + ms;
  while (now() < until && (await choice()).state === 'measuring') await sleep(50);
  await sleep(1000);
}

/** The tolerance a row's plan values are held to: float64 rows must agree to rounding. */
function toleranceOf(row: RowName): number {
  return row === 'swiperank-cpu' || row === 'naive-js' ? 1e-9 : 1e-4;
}

/**
 * Runs one row of one cell. The CPU backend row (`reference` null) records the feedback
 * script and its plans; every other row replays that script and is checked against them.
 */
export async function runRow(spec: RowSpec, cols: PoolColumns, reference: Reference | null): Promise<{ result: RowResult; reference?: Reference }> {
  const began = now();
  const deadline = began + spec.budgetMs;
  const result: RowResult = { row: spec.row, status: 'ok', warmup: 0, plans: 0, elapsedMs: 0 };
  const recording: Reference | null = reference ? null : { script: [], plans: [] };
  const tolerance = toleranceOf(spec.row);
  const check: Check = { compared: 0, idMismatches: 0, valueMismatches: 0, tolerance, maxRelValueError: 0 };
  const compare = (step: number, o: Observed) => {
    if (recording) {
      recording.plans.push({ ids: o.ids, value: o.value });
      return;
    }
    const expected = reference!.plans[step];
    if (!expected) return;
    check.compared++;
    const sameIds = o.ids.length === expected.ids.length && o.ids.every((id, i) => id === expected.ids[i]);
    const rel = Math.abs(o.value - expected.value) / Math.max(Math.abs(expected.value), 1e-12);
    check.maxRelValueError = Math.max(check.maxRelValueError, rel);
    if (!sameIds) check.idMismatches++;
    if (rel > tolerance) check.valueMismatches++;
    if ((!sameIds || rel > tolerance) && !check.firstMismatch) {
      check.firstMismatch = { step, ids: o.ids, value: o.value, expectedIds: expected.ids, expectedValue: expected.value };
    }
  };

  let subject: Awaited<ReturnType<typeof startSubject>>;
  try {
    subject = await startSubject(spec, cols);
  } catch (e) {
    result.status = 'unavailable';
    result.reason = e instanceof Error ? e.message : String(e);
    result.elapsedMs = now() - began;
    return { result };
  }
  result.description = subject.description;
  result.createMs = subject.createMs;
  result.ingestMs = subject.ingestMs;
  const inner: number[] = [], wall: number[] = [], gpu: number[] = [];
  const twinInner: number[] = [], twinWall: number[] = [];
  let twin: Awaited<ReturnType<typeof startSubject>> | null = null;
  try {
    if (spec.row === 'swiperank-auto') {
      twin = await sdkSubject(spec.cell, cols, 'cpu');
      await twin.plan();
    }
    const first = await subject.plan();
    result.firstPlan = { wallMs: first.wallMs, innerMs: first.innerMs };
    compare(0, first);
    const counters: Record<string, number[]> = {};
    let lastCounters: GpuStats | undefined;
    if (subject.lastPlanCounters) {
      lastCounters = await subject.lastPlanCounters();
      result.gpuCounters = { afterFirstPlan: lastCounters, perPlan: {} };
    }
    let previous = first;
    const random = seededRandom(spec.cell.seed ^ 0x5eed);
    let warmup = spec.warmup;
    const total = () => warmup + spec.plans;
    result.poolAtStart = spec.cell.pool - warmup - 1;
    for (let step = 1; step <= total(); step++) {
      let event: Feedback;
      if (recording) {
        event = behaviour(random, previous.ids[0]!);
        recording.script.push(event);
      } else {
        const scripted = reference!.script[step - 1];
        if (!scripted) {
          result.status = 'timed-out';
          result.reason = `the reference run stopped at ${reference!.script.length} swipes`;
          break;
        }
        event = scripted;
      }
      let o: Observed;
      if (twin) {
        // Alternate which goes first, so neither always gets the warmer caches.
        const t = step % 2 === 0 ? await twin.swipe(event) : null;
        o = await subject.swipe(event);
        const u = t ?? await twin.swipe(event);
        if (step > warmup) {
          twinInner.push(u.innerMs);
          twinWall.push(u.wallMs);
        }
      } else {
        o = await subject.swipe(event);
      }
      compare(step, o);
      previous = o;
      if (subject.choice && step <= warmup) await dwellForChoice(subject.choice, step === warmup, Math.min(20_000, deadline - now()));
      if (step === 1 && o.wallMs > spec.slowMs && spec.slowWarmup < warmup) {
        // Slow cell: spend the time box on measured plans rather than warm-up.
        warmup = Math.max(1, spec.slowWarmup);
        result.poolAtStart = spec.cell.pool - warmup - 1;
      }
      if (step > warmup) {
        inner.push(o.innerMs);
        wall.push(o.wallMs);
        if (o.gpuMs !== undefined) gpu.push(o.gpuMs);
        if (subject.lastPlanCounters) {
          lastCounters = await subject.lastPlanCounters();
          for (const [k, v] of Object.entries(lastCounters ?? {})) if (typeof v === 'number') (counters[k] ??= []).push(v);
        }
      }
      if (now() > deadline && step < total()) {
        result.status = 'timed-out';
        result.reason = `time box of ${(spec.budgetMs / 1000).toFixed(0)} s reached after ${wall.length} measured plans`;
        break;
      }
    }
    result.warmup = warmup;
    if (result.gpuCounters) {
      result.gpuCounters.perPlan = Object.fromEntries(Object.entries(counters).map(([k, v]) => [k, summarise(v)]));
      result.gpuCounters.last = lastCounters;
    }
    result.poolAtEnd = spec.cell.pool - warmup - wall.length;
    if (subject.choice) result.choice = await subject.choice();
  } catch (e) {
    result.status = 'failed';
    result.reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } finally {
    await subject.dispose().catch(() => {});
    await twin?.dispose().catch(() => {});
  }
  if (twinWall.length) result.pairedCpu = { inner: summarise(twinInner), wall: summarise(twinWall) };
  result.plans = wall.length;
  result.inner = summarise(inner);
  result.wall = summarise(wall);
  if (gpu.length) result.gpu = summarise(gpu);
  result.samples = { innerMs: inner.map(round3), wallMs: wall.map(round3) };
  if (!recording) result.check = check;
  result.elapsedMs = now() - began;
  return recording ? { result, reference: recording } : { result };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** One start of the SDK, timed from the call to `createReranker` (the page already loaded). */
export interface ColdStart {
  mode: BackendMode;
  /** `createReranker` resolved. */
  createMs: number;
  /** The first plan resolved, after ingesting the cell's pool. */
  firstPlanMs: number;
  firstPlanBackend: string;
  /** `info().choice` first read as decided (for `'auto'`: swiping back to back until then). */
  decisionMs: number;
  swipesToDecision: number;
  /** Swipes made while `'auto'` measured, back to back: engine and page p50, in ms. */
  whileMeasuring?: { engineP50: number; pageP50: number };
  choice: Chosen;
}

/** Cold starts swipe this often while `'auto'` measures (a user dwells seconds). */
export const SWIPE_EVERY_MS = 50;

/** Starts a reranker in `mode`, plans, and swipes until the backend choice is decided. */
export async function coldStart(mode: BackendMode, cell: CellSpec, cols: PoolColumns, budgetMs: number): Promise<ColdStart> {
  const pool = copyPool(cols);
  const t0 = now();
  const ranker = await createReranker(rerankerOptions(cell, mode));
  const createMs = now() - t0;
  try {
    let info = await ranker.info();
    let decisionMs = info.choice.state === 'decided' ? now() - t0 : NaN;
    await ranker.ingest(pool);
    let plan = await ranker.plan();
    const firstPlanMs = now() - t0;
    const firstPlanBackend = plan.backend;
    const engine: number[] = [], page: number[] = [];
    while (info.choice.state !== 'decided') {
      if (now() - t0 > budgetMs) throw new Error(`no decision in ${budgetMs} ms: ${JSON.stringify(info.choice)}`);
      if (plan.items.length === 0) throw new Error(`the pool ran out before a decision: ${JSON.stringify(info.choice)}`);
      // A fast user: a swipe every SWIPE_EVERY_MS; the engine is idle in between.
      await new Promise((resolve) => setTimeout(resolve, SWIPE_EVERY_MS));
      const start = now();
      plan = await ranker.swipe({ id: plan.items[0]!.id, dwellMs: 3000 });
      page.push(now() - start);
      engine.push(plan.timings.totalMs);
      info = await ranker.info();
      if (info.choice.state === 'decided') decisionMs = now() - t0;
    }
    const result: ColdStart = {
      mode, createMs, firstPlanMs, firstPlanBackend, decisionMs, swipesToDecision: page.length, choice: await chosen(ranker),
    };
    if (page.length) result.whileMeasuring = { engineP50: summarise(engine).p50, pageP50: summarise(page).p50 };
    return result;
  } finally {
    await ranker.dispose();
  }
}
