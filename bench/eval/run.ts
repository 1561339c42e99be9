/**
 * `npm run eval`: does swiperank earn more over a session than what an engineer writes by
 * hand? Closed-loop sessions of swiperank and of hand-written policies (baselines.ts) against
 * the same simulated users in several worlds (how users tire, whether buyers leave, how
 * taste drifts), with paired 95% CIs; then the plan-level optimality gap of beam search.
 * Prints markdown; writes bench/eval/results/latest.{json,md}.
 * `EVAL_SCALE=0.1 npm run eval` runs a tenth of the sessions, for a quick look;
 * `EVAL_SWIPERANK='{"lookahead":{"depth":6}}'` runs the swiperank row with other options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createReranker, type RerankerOptions } from 'swiperank';
// The beam-optimality gap is a white-box check of the planner against the exhaustive oracle:
// it needs the engine's internals and the test oracle, which the package does not export.
import { CpuPlanner } from '../../sdk/model/planner.js';
import type { LastShown } from '../../sdk/model/lookahead.js';
import { validateBatch } from '../../sdk/model/validate.js';
import { resolveOptions } from '../../sdk/options.js';
import { randomRows } from '../../sdk/testing/instances.js';
import { planExhaustive } from '../../sdk/testing/oracle.js';
import { poolOf } from '../../sdk/testing/pool.js';
import { runBaselineSession, runSession, STRATEGIES, type SessionConfig, type SessionResult, type Strategy } from './session.js';
import {
  BASELINES, candidateRow, DEFAULT_USER, estimate, EVAL_CATALOG, EVAL_PAGES, makeCatalog, mean, mixSeed, pairedLift, percentile, seededRandom,
  type Estimate, type UserOptions,
} from '../../sim/index.js';

const scale = Number(process.env.EVAL_SCALE ?? 1);
const override: RerankerOptions = JSON.parse(process.env.EVAL_SWIPERANK ?? '{}') as RerankerOptions;
const CATALOG = EVAL_CATALOG;
const SESSIONS = Math.max(50, Math.round(12_000 * scale));
const USER_SEED = 7;
const SESSION_SHAPE = { ...EVAL_PAGES, maxSlots: 200 };
const GAP = { instances: 1_000, candidates: 10, depth: 4, beamWidths: [1, 2, 4, 8], embeddingDim: 8 };

/** Worlds that differ in how users tire, whether buyers leave, and how taste drifts. */
const WORLDS: { name: string; description: string; user: Omit<UserOptions, 'seed'> }[] = [
  {
    name: 'default',
    description: 'tires of items like the last 3 seen (weights 1, 0.5, 0.25; similarity 0.4, category 0.3); 30% of buyers leave; taste drifts 0.15',
    user: { similarityPenalty: DEFAULT_USER.similarityPenalty, categoryPenalty: DEFAULT_USER.categoryPenalty },
  },
  {
    name: 'long-memory',
    description: 'tires over the last 6 seen (weights 0.8^k), buyers never leave, taste almost fixed (drift 0.05)',
    user: { similarityPenalty: 0.4, categoryPenalty: 0.3, memory: 6, memoryDecay: 0.8, buyExit: 0, drift: 0.05 },
  },
  {
    name: 'drifting',
    description: 'tires of the category more than of similar items (similarity 0.2, category 0.45); 60% of buyers leave; taste drifts fast (0.4)',
    user: { similarityPenalty: 0.2, categoryPenalty: 0.45, buyExit: 0.6, drift: 0.4 },
  },
];

const METRICS = ['reward', 'purchases', 'value', 'depth', 'longViews'] as const;
type Metric = (typeof METRICS)[number];
const METRIC_LABEL: Record<Metric, string> = {
  reward: 'session reward (objective)', purchases: 'purchases', value: 'GMV', depth: 'depth (items seen)', longViews: 'long views',
};
/** The done criteria: against the best hand-written baseline, and against every other one. */
const BEST_FLOOR = -0.02;
const JUDGED: Metric[] = ['reward', 'purchases'];

interface Run {
  name: string;
  description: string;
  samples: Record<Metric, Float64Array>;
  rerankerMs: number;
  slots: number;
  wallMs: number;
}

const userSeeds = (n: number) => Array.from({ length: n }, (_, s) => mixSeed(USER_SEED, s));

async function collect(name: string, description: string, seeds: number[], one: (seed: number) => Promise<SessionResult> | SessionResult): Promise<Run> {
  const start = performance.now();
  const samples = Object.fromEntries(METRICS.map((m) => [m, new Float64Array(seeds.length)])) as Record<Metric, Float64Array>;
  let rerankerMs = 0, slots = 0;
  for (let s = 0; s < seeds.length; s++) {
    const r = await one(seeds[s]!);
    for (const m of METRICS) samples[m][s] = r[m];
    rerankerMs += r.rerankerMs;
    slots += r.depth;
  }
  return { name, description, samples, rerankerMs, slots, wallMs: performance.now() - start };
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
const withCi = (e: Estimate, digits = 3) => `${fmt(e.mean, digits)} [${fmt(e.lo, digits)}, ${fmt(e.hi, digits)}]`;
const liftCi = (e: Estimate) => `${pct(e.mean)} [${pct(e.lo)}, ${pct(e.hi)}]`;
const lifts = (a: Run, b: Run) => Object.fromEntries(METRICS.map((m) => [m, pairedLift(a.samples[m], b.samples[m])])) as Record<Metric, Estimate>;

/** Fresh-reranker overhead: a new reranker per session is the clean way to reset shown ids. */
async function freshRerankerCost(n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const ranker = await createReranker({ backend: 'cpu', worker: false, embeddingDim: CATALOG.embeddingDim });
    await ranker.dispose();
  }
  return (performance.now() - start) / n;
}

/**
 * Beam search against exhaustive search on small random instances (the oracle of
 * docs/MODEL.md#stage-2-the-beam-search). Half the instances plan after a last shown
 * item, so the context penalty matters.
 */
function optimalityGap() {
  const planner = new CpuPlanner();
  const gaps = GAP.beamWidths.map(() => new Float64Array(GAP.instances));
  const sameFirst = GAP.beamWidths.map(() => 0);
  for (let n = 0; n < GAP.instances; n++) {
    const random = seededRandom(mixSeed(0x6a9, n));
    const rows = randomRows(random, { size: GAP.candidates + 1, embeddingDim: GAP.embeddingDim, idPrefix: `g${n}_` });
    const pool = poolOf(rows.slice(0, GAP.candidates), GAP.embeddingDim);
    let last: LastShown | null = null;
    if (n % 2 === 1) {
      const shown = validateBatch(rows.slice(GAP.candidates), GAP.embeddingDim);
      last = { embedding: Float64Array.from(shown.embedding), category: shown.category[0]!, hasCategory: shown.hasCategory[0] === 1 };
    }
    const u = new Float64Array(GAP.embeddingDim);
    const base = { embeddingDim: GAP.embeddingDim, lookahead: { depth: GAP.depth, shortlist: GAP.candidates } };
    const optimum = planExhaustive(planner, pool, u, last, resolveOptions(base));
    GAP.beamWidths.forEach((beamWidth, w) => {
      const found = planner.plan(pool, u, last, resolveOptions({ ...base, lookahead: { ...base.lookahead, beamWidth } }));
      gaps[w]![n] = Math.max(0, (optimum.value - found.value) / optimum.value);
      if (found.poolIndex[0] === optimum.poolIndex[0]) sameFirst[w]!++;
    });
  }
  return GAP.beamWidths.map((beamWidth, w) => {
    const g = gaps[w]!;
    let exact = 0;
    for (const x of g) if (x <= 1e-12) exact++;
    return {
      beamWidth, meanGap: mean(g), p95Gap: percentile(g, 0.95), maxGap: percentile(g, 1),
      shareOptimal: exact / g.length, shareSameFirstItem: sameFirst[w]! / g.length,
    };
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const out: string[] = [];
  const print = (line = '') => {
    out.push(line);
    console.log(line);
  };
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${cpu}, ${os.cpus().length} logical cores (shared), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
  const catalog = makeCatalog(CATALOG);
  const rows = catalog.map(candidateRow);
  const seeds = userSeeds(SESSIONS);
  const strategies: Strategy[] = STRATEGIES.map((s) => (s.name === 'swiperank' && Object.keys(override).length > 0
    ? { ...s, description: `swiperank, ${JSON.stringify(override)}`, options: override } : s));

  print('### Session quality: swiperank against hand-written policies, in three worlds');
  print();
  print(`${SESSIONS.toLocaleString('en-US')} sessions per policy and world, the same users and pages for every policy (paired). ` +
    `Catalog of ${CATALOG.size.toLocaleString('en-US')} items, ${CATALOG.categories} categories, embedding ${CATALOG.embeddingDim}, ` +
    `server-score noise ${CATALOG.scoreNoise} (logit sd); pages of ${SESSION_SHAPE.pageSize}, next page under ${SESSION_SHAPE.refillBelow} unseen; ` +
    `cap ${SESSION_SHAPE.maxSlots} slots. Session reward is the objective as earned: sqrt(price) per purchase + 0.25 per long view without one ` +
    '(the MOC reward with its default weights). Hand-written policies (hw-*) use the same reward and the server\'s scores only; ' +
    `"best" is the hand-written policy with the highest mean session reward in that world. Mean [95% CI]; lifts are paired (delta method).`);

  const worlds = [];
  for (const world of WORLDS) {
    const config: SessionConfig = { catalog, rows, embeddingDim: CATALOG.embeddingDim, ...SESSION_SHAPE, user: world.user };
    const runs: Run[] = [];
    for (const s of strategies) runs.push(await collect(s.name, s.description, seeds, (seed) => runSession(s, seed, config)));
    for (const b of BASELINES) runs.push(await collect(b.name, b.description, seeds, (seed) => runBaselineSession(b, seed, config)));
    const swiperank = runs.find((r) => r.name === 'swiperank')!;
    const handWritten = runs.filter((r) => r.name === 'server' || r.name.startsWith('hw-'));
    const best = handWritten.reduce((a, b) => (mean(b.samples.reward) > mean(a.samples.reward) ? b : a));
    print();
    print(`#### World "${world.name}": ${world.description}`);
    print();
    print(`| policy | ${METRICS.map((m) => METRIC_LABEL[m]).join(' | ')} | reranker ms / slot |`);
    print(`|:---|${METRICS.map(() => '---:').join('|')}|---:|`);
    for (const run of runs) {
      const perSlot = run.rerankerMs > 0 ? fmt(run.rerankerMs / run.slots, 3) : '—';
      print(`| ${run.name}: ${run.description} | ${METRICS.map((m) => withCi(estimate(run.samples[m]), m === 'value' ? 2 : 3)).join(' | ')} | ${perSlot} |`);
    }
    print();
    print('Lift of swiperank (defaults) over each policy, paired 95% CI:');
    print();
    print(`| over | ${METRICS.map((m) => METRIC_LABEL[m]).join(' | ')} | verdict |`);
    print(`|:---|${METRICS.map(() => '---:').join('|')}|:---|`);
    const verdicts: Record<string, boolean> = {};
    const table: Record<string, Record<Metric, Estimate>> = {};
    for (const run of runs) {
      if (run === swiperank) continue;
      const l = lifts(swiperank, run);
      table[run.name] = l;
      const isBest = run === best;
      const judged = handWritten.includes(run);
      const ok = JUDGED.every((m) => l[m].lo > (isBest ? BEST_FLOOR : 0));
      if (judged) verdicts[run.name] = ok;
      const verdict = !judged ? '' : isBest ? `best hand-written: ${ok ? 'pass' : 'FAIL'} (lower bounds > -2%)` : `${ok ? 'pass' : 'FAIL'} (lower bounds > 0)`;
      print(`| ${run.name} | ${METRICS.map((m) => liftCi(l[m])).join(' | ')} | ${verdict} |`);
    }
    worlds.push({
      ...world, best: best.name, verdicts, liftsOfSwiperank: table,
      policies: runs.map((r) => ({
        name: r.name, description: r.description,
        metrics: Object.fromEntries(METRICS.map((m) => [m, estimate(r.samples[m])])),
        rerankerMsPerSlot: r.rerankerMs > 0 ? r.rerankerMs / r.slots : null, wallMs: r.wallMs,
      })),
    });
  }

  print();
  print('#### Summary: swiperank (defaults) against the hand-written policies');
  print();
  print('| world | best hand-written | reward over best | purchases over best | every criterion |');
  print('|:---|:---|---:|---:|:---|');
  for (const w of worlds) {
    const l = w.liftsOfSwiperank[w.best]!;
    const failed = Object.entries(w.verdicts).filter(([, ok]) => !ok).map(([n]) => n);
    print(`| ${w.name} | ${w.best} | ${liftCi(l.reward)} | ${liftCi(l.purchases)} | ${failed.length === 0 ? 'pass' : `FAIL: ${failed.join(', ')}`} |`);
  }
  print();
  print('**Personalisation: swiperank with it (defaults) over swiperank without**, same paired sessions');
  print();
  print(`| world | ${METRICS.map((m) => METRIC_LABEL[m]).join(' | ')} |`);
  print(`|:---|${METRICS.map(() => '---:').join('|')}|`);
  for (const w of worlds) print(`| ${w.name} | ${METRICS.map((m) => liftCi(w.liftsOfSwiperank['swiperank-nopers']![m])).join(' | ')} |`);

  // Optimality gap.
  const gapStart = performance.now();
  const gap = optimalityGap();
  const gapMs = performance.now() - gapStart;
  print();
  print('### Plan-level optimality gap of beam search');
  print();
  print(`${GAP.instances.toLocaleString('en-US')} random instances (\`randomRows\`), ${GAP.candidates} candidates = shortlist ${GAP.candidates}, depth ${GAP.depth}, ` +
    'default rho / phi and tail (T of the instance), half of them planned after a last shown item; gap = (optimum - beam) / optimum of the plan value V against exhaustive search.');
  print();
  print('| beam width | mean gap | p95 gap | max gap | exactly optimal | same first item |');
  print('|---:|---:|---:|---:|---:|---:|');
  for (const g of gap) {
    const share = (x: number) => `${(100 * x).toFixed(2)}%`;
    print(`| ${g.beamWidth} | ${share(g.meanGap)} | ${share(g.p95Gap)} | ${share(g.maxGap)} | ${(100 * g.shareOptimal).toFixed(1)}% | ${(100 * g.shareSameFirstItem).toFixed(1)}% |`);
  }

  const freshMs = await freshRerankerCost(200);
  const totalS = (performance.now() - started) / 1000;
  print();
  print(`Machine: ${machine}. Whole run ${totalS.toFixed(1)} s, one thread (gap ${(gapMs / 1000).toFixed(1)} s). ` +
    `A fresh reranker per session (create + dispose, CPU backend, inline) costs ${freshMs.toFixed(3)} ms. ` +
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`);

  const json = {
    generatedAt: new Date().toISOString(),
    machine, runSeconds: totalS, scale,
    config: { catalog: CATALOG, sessions: SESSIONS, userSeed: USER_SEED, session: SESSION_SHAPE, swiperankOptions: override },
    worlds,
    optimalityGap: { ...GAP, rows: gap },
    freshRerankerMs: freshMs,
  };
  if (process.env.EVAL_NO_WRITE) return;
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(new URL('./results/latest.md', import.meta.url), `${out.join('\n')}\n`);
}

await main();
