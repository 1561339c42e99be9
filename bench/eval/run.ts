/**
 * `npm run eval`: does look-ahead beat greedy, and by how much? Closed-loop sessions of every
 * strategy against the same simulated users, a sensitivity grid, and the plan-level
 * optimality gap of beam search. Prints markdown; writes bench/eval/results/latest.{json,md}.
 * `EVAL_SCALE=0.1 npm run eval` runs a tenth of the sessions, for a quick look.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createReranker } from '../../sdk/index.js';
import { CpuPlanner } from '../../sdk/model/planner.js';
import type { LastShown } from '../../sdk/model/lookahead.js';
import { validateBatch } from '../../sdk/model/validate.js';
import { resolveOptions } from '../../sdk/options.js';
import { randomRows } from '../../sdk/testing/instances.js';
import { planExhaustive } from '../../sdk/testing/oracle.js';
import { poolOf } from '../../sdk/testing/pool.js';
import { runSession, STRATEGIES, type SessionConfig, type Strategy } from './session.js';
import {
  candidateRow, DEFAULT_USER, estimate, EVAL_CATALOG, EVAL_PAGES, makeCatalog, mean, mixSeed, pairedLift, percentile, seededRandom, type Estimate,
} from '../../sim/index.js';

const scale = Number(process.env.EVAL_SCALE ?? 1);
const sessionsOf = (n: number) => Math.max(50, Math.round(n * scale));

const CATALOG = EVAL_CATALOG;
const SESSIONS = sessionsOf(5_000);
const USER_SEED = 7;
const SESSION_SHAPE = { ...EVAL_PAGES, maxSlots: 200 };
const USER = { similarityPenalty: DEFAULT_USER.similarityPenalty, categoryPenalty: DEFAULT_USER.categoryPenalty };
/** Rows of the grid: the user's true fatigue. The first row has none at all (a check that look-ahead's penalties do no harm). */
const FATIGUE = [
  { similarityPenalty: 0, categoryPenalty: 0 },
  { similarityPenalty: 0, categoryPenalty: USER.categoryPenalty },
  { similarityPenalty: 0.4, categoryPenalty: USER.categoryPenalty },
  { similarityPenalty: 0.8, categoryPenalty: USER.categoryPenalty },
];
const SENSITIVITY = { fatigue: FATIGUE, scoreNoise: [0.25, 0.5, 1], sessions: sessionsOf(2_000) };
const GAP = { instances: 1_000, candidates: 10, depth: 4, beamWidths: [1, 2, 4, 8], embeddingDim: 8 };

const METRICS = ['purchases', 'longViews', 'depth', 'value'] as const;
type Metric = (typeof METRICS)[number];
const METRIC_LABEL: Record<Metric, string> = {
  purchases: 'purchases / session', longViews: 'long views / session', depth: 'depth (items seen)', value: 'session value (sum of prices bought)',
};

interface StrategyRun {
  samples: Record<Metric, Float64Array>;
  rerankerMs: number;
  slots: number;
  capped: number;
  wallMs: number;
}

const userSeeds = (n: number) => Array.from({ length: n }, (_, s) => mixSeed(USER_SEED, s));

async function runStrategy(strategy: Strategy, config: SessionConfig, seeds: number[]): Promise<StrategyRun> {
  const start = performance.now();
  const samples = Object.fromEntries(METRICS.map((m) => [m, new Float64Array(seeds.length)])) as Record<Metric, Float64Array>;
  let rerankerMs = 0, slots = 0, capped = 0;
  for (let s = 0; s < seeds.length; s++) {
    const r = await runSession(strategy, seeds[s]!, config);
    for (const m of METRICS) samples[m][s] = r[m];
    rerankerMs += r.rerankerMs;
    slots += r.depth;
    if (r.depth >= config.maxSlots) capped++;
  }
  return { samples, rerankerMs, slots, capped, wallMs: performance.now() - start };
}

function sessionConfig(scoreNoise: number, fatigue: typeof USER): SessionConfig {
  const catalog = makeCatalog({ ...CATALOG, scoreNoise });
  return {
    catalog, rows: catalog.map(candidateRow), embeddingDim: CATALOG.embeddingDim,
    ...SESSION_SHAPE, user: fatigue,
  };
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
const withCi = (e: Estimate, digits = 3) => `${fmt(e.mean, digits)} [${fmt(e.lo, digits)}, ${fmt(e.hi, digits)}]`;
const liftCi = (e: Estimate) => `${pct(e.mean)} [${pct(e.lo)}, ${pct(e.hi)}]`;
const significant = (e: Estimate) => (e.lo > 0 ? 'up' : e.hi < 0 ? 'down' : 'n.s.');

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
 * Beam search against exhaustive search on small random instances (DESIGN.md section 2's
 * oracle). Half the instances plan after a last shown item, so the context penalty matters.
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

  // Main comparison.
  const config = sessionConfig(CATALOG.scoreNoise, USER);
  const seeds = userSeeds(SESSIONS);
  const runs = new Map<string, StrategyRun>();
  for (const strategy of STRATEGIES) runs.set(strategy.name, await runStrategy(strategy, config, seeds));
  const greedy = runs.get('greedy')!;

  print('### Session quality: closed loop against simulated users');
  print();
  print(`${SESSIONS.toLocaleString('en-US')} sessions per strategy, the same users and pages for every strategy (paired). ` +
    `Catalog of ${CATALOG.size.toLocaleString('en-US')} items, ${CATALOG.categories} categories, embedding ${CATALOG.embeddingDim}, ` +
    `server-score noise ${CATALOG.scoreNoise} (logit sd); pages of ${SESSION_SHAPE.pageSize}, next page under ${SESSION_SHAPE.refillBelow} unseen; ` +
    `cap ${SESSION_SHAPE.maxSlots} slots. User: similarity penalty ${USER.similarityPenalty}, category penalty ${USER.categoryPenalty}, ` +
    `purchase ends the session with probability ${DEFAULT_USER.buyExit} on top. Mean [95% CI].`);
  print();
  print(`| strategy | ${METRICS.map((m) => METRIC_LABEL[m]).join(' | ')} | reranker ms / slot |`);
  print(`|:---|${METRICS.map(() => '---:').join('|')}|---:|`);
  for (const strategy of STRATEGIES) {
    const run = runs.get(strategy.name)!;
    const cells = METRICS.map((m) => withCi(estimate(run.samples[m]), m === 'value' ? 2 : 3));
    const perSlot = strategy.options === null ? '—' : fmt(run.rerankerMs / run.slots, 3);
    print(`| ${strategy.name}: ${strategy.description} | ${cells.join(' | ')} | ${perSlot} |`);
  }
  print();
  print('Relative lift over greedy, paired 95% CI (delta method); "up" / "down" where the interval excludes 0:');
  print();
  print(`| strategy | ${METRICS.map((m) => m).join(' | ')} |`);
  print(`|:---|${METRICS.map(() => '---:').join('|')}|`);
  const lifts: Record<string, Record<Metric, Estimate>> = {};
  for (const strategy of STRATEGIES) {
    if (strategy.name === 'greedy') continue;
    const run = runs.get(strategy.name)!;
    lifts[strategy.name] = Object.fromEntries(METRICS.map((m) => [m, pairedLift(run.samples[m], greedy.samples[m])])) as Record<Metric, Estimate>;
    print(`| ${strategy.name} | ${METRICS.map((m) => `${liftCi(lifts[strategy.name]![m])} ${significant(lifts[strategy.name]![m])}`).join(' | ')} |`);
  }
  const look = runs.get('lookahead')!;
  const lookVsOneStep = Object.fromEntries(METRICS.map((m) => [m, pairedLift(look.samples[m], runs.get('one-step')!.samples[m])]));
  const lookVsServer = Object.fromEntries(METRICS.map((m) => [m, pairedLift(look.samples[m], runs.get('server')!.samples[m])]));
  print();
  print(`Look-ahead over one-step: ${METRICS.map((m) => `${m} ${liftCi(lookVsOneStep[m]!)}`).join('; ')}.`);
  print(`Look-ahead over server order: ${METRICS.map((m) => `${m} ${liftCi(lookVsServer[m]!)}`).join('; ')}.`);

  // Sensitivity grid.
  const freshMs = await freshRerankerCost(200);
  const lookahead = STRATEGIES.find((s) => s.name === 'lookahead')!;
  const greedyStrategy = STRATEGIES.find((s) => s.name === 'greedy')!;
  const unpersonalized = STRATEGIES.find((s) => s.name === 'lookahead-nopers')!;
  const personalization: { similarityPenalty: number; categoryPenalty: number; lift: Record<Metric, Estimate> }[] = [];
  const cellSeeds = userSeeds(SENSITIVITY.sessions);
  const cells: { similarityPenalty: number; categoryPenalty: number; scoreNoise: number; lift: Record<Metric, Estimate>; greedy: Record<Metric, number>; lookahead: Record<Metric, number> }[] = [];
  const sensitivityStart = performance.now();
  for (const scoreNoise of SENSITIVITY.scoreNoise) {
    for (const fatigue of SENSITIVITY.fatigue) {
      const cellConfig = sessionConfig(scoreNoise, fatigue);
      const g = await runStrategy(greedyStrategy, cellConfig, cellSeeds);
      const l = await runStrategy(lookahead, cellConfig, cellSeeds);
      if (scoreNoise === CATALOG.scoreNoise) {
        const off = await runStrategy(unpersonalized, cellConfig, cellSeeds);
        personalization.push({
          ...fatigue,
          lift: Object.fromEntries(METRICS.map((m) => [m, pairedLift(l.samples[m], off.samples[m])])) as Record<Metric, Estimate>,
        });
      }
      cells.push({
        ...fatigue, scoreNoise,
        lift: Object.fromEntries(METRICS.map((m) => [m, pairedLift(l.samples[m], g.samples[m])])) as Record<Metric, Estimate>,
        greedy: Object.fromEntries(METRICS.map((m) => [m, mean(g.samples[m])])) as Record<Metric, number>,
        lookahead: Object.fromEntries(METRICS.map((m) => [m, mean(l.samples[m])])) as Record<Metric, number>,
      });
    }
  }
  const sensitivityMs = performance.now() - sensitivityStart;
  print();
  print('### Sensitivity: lift of look-ahead over greedy');
  print();
  print(`${SENSITIVITY.sessions.toLocaleString('en-US')} paired sessions per cell; rows: the user's true similarity / category penalty ` +
    '(the planner keeps rho = 0.5, phi = 0.35 throughout); columns: server-score noise (logit sd). ' +
    'Each cell: lift [95% CI] (greedy -> look-ahead means).');
  for (const m of ['purchases', 'depth', 'value'] as const) {
    print();
    print(`**${METRIC_LABEL[m]}**`);
    print();
    print(`| similarity / category penalty | ${SENSITIVITY.scoreNoise.map((n) => `noise ${n}`).join(' | ')} |`);
    print(`|---:|${SENSITIVITY.scoreNoise.map(() => ':---:').join('|')}|`);
    for (const f of SENSITIVITY.fatigue) {
      const row = SENSITIVITY.scoreNoise.map((n) => {
        const c = cells.find((x) => x.scoreNoise === n && x.similarityPenalty === f.similarityPenalty && x.categoryPenalty === f.categoryPenalty)!;
        const d = m === 'value' ? 1 : 2;
        return `${liftCi(c.lift[m])} (${fmt(c.greedy[m], d)} -> ${fmt(c.lookahead[m], d)})`;
      });
      print(`| ${f.similarityPenalty} / ${f.categoryPenalty} | ${row.join(' | ')} |`);
    }
  }

  print();
  print(`**Personalisation: look-ahead with it over look-ahead without**, noise ${CATALOG.scoreNoise}, same ${SENSITIVITY.sessions.toLocaleString('en-US')} paired sessions per row`);
  print();
  print(`| similarity / category penalty | ${METRICS.join(' | ')} |`);
  print(`|---:|${METRICS.map(() => '---:').join('|')}|`);
  for (const row of personalization) {
    print(`| ${row.similarityPenalty} / ${row.categoryPenalty} | ${METRICS.map((m) => `${liftCi(row.lift[m])} ${significant(row.lift[m])}`).join(' | ')} |`);
  }

  // Optimality gap.
  const gapStart = performance.now();
  const gap = optimalityGap();
  const gapMs = performance.now() - gapStart;
  print();
  print('### Plan-level optimality gap of beam search');
  print();
  print(`${GAP.instances.toLocaleString('en-US')} random instances (\`randomRows\`), ${GAP.candidates} candidates = shortlist ${GAP.candidates}, depth ${GAP.depth}, ` +
    'default rho / phi / tail, half of them planned after a last shown item; gap = (optimum - beam) / optimum of the plan value V against exhaustive search.');
  print();
  print('| beam width | mean gap | p95 gap | max gap | exactly optimal | same first item |');
  print('|---:|---:|---:|---:|---:|---:|');
  for (const g of gap) {
    const share = (x: number) => `${(100 * x).toFixed(2)}%`;
    print(`| ${g.beamWidth} | ${share(g.meanGap)} | ${share(g.p95Gap)} | ${share(g.maxGap)} | ${(100 * g.shareOptimal).toFixed(1)}% | ${(100 * g.shareSameFirstItem).toFixed(1)}% |`);
  }

  const totalS = (performance.now() - started) / 1000;
  const mainS = STRATEGIES.reduce((s, x) => s + runs.get(x.name)!.wallMs, 0) / 1000;
  print();
  print(`Machine: ${machine}. Whole run ${totalS.toFixed(1)} s, one thread (sessions ${mainS.toFixed(1)} s, sensitivity ${(sensitivityMs / 1000).toFixed(1)} s, ` +
    `gap ${(gapMs / 1000).toFixed(1)} s). A fresh reranker per session (create + dispose, CPU backend, inline) costs ${freshMs.toFixed(3)} ms. ` +
    `Sessions at the ${SESSION_SHAPE.maxSlots}-slot cap: ${STRATEGIES.map((s) => runs.get(s.name)!.capped).reduce((a, b) => a + b, 0)}. ` +
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`);

  const json = {
    generatedAt: new Date().toISOString(),
    machine, runSeconds: totalS, scale,
    config: { catalog: CATALOG, sessions: SESSIONS, userSeed: USER_SEED, session: SESSION_SHAPE, user: { ...DEFAULT_USER, ...USER } },
    strategies: STRATEGIES.map((s) => {
      const run = runs.get(s.name)!;
      return {
        name: s.name, description: s.description, options: s.options,
        metrics: Object.fromEntries(METRICS.map((m) => [m, estimate(run.samples[m])])),
        liftOverGreedy: lifts[s.name] ?? null,
        rerankerMsPerSlot: s.options === null ? null : run.rerankerMs / run.slots,
        cappedSessions: run.capped,
      };
    }),
    lookaheadOverOneStep: lookVsOneStep,
    lookaheadOverServer: lookVsServer,
    sensitivity: { sessionsPerCell: SENSITIVITY.sessions, cells, personalizationOnOverOff: personalization },
    optimalityGap: { ...GAP, rows: gap },
    freshRerankerMs: freshMs,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(new URL('./results/latest.md', import.meta.url), `${out.join('\n')}\n`);
}

await main();
