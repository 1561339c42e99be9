// Side-by-side CPU engine timing of two source trees in one process, as ratios, with the
// plans checked identical: `npx tsx bench/cpu-ab.ts <baseRoot> [pools] [swipes]`, e.g.
//   git worktree add --detach /tmp/perf-base main && ln -s "$PWD/node_modules" /tmp/perf-base/
//   npx tsx bench/cpu-ab.ts /tmp/perf-base 10000,65536 300
// Each tree runs an inline CPU reranker (`worker: false`) over the same pool and the same
// feedback script; rounds alternate between the trees so machine load falls on both alike.
// Knobs: AB_SHAPE=default (the DEFAULT_OPTIONS look-ahead; otherwise 256 / 16 / 6), AB_ROUNDS (3).
// For a profile: node --cpu-prof --import tsx bench/cpu-ab.ts . 10000 2000
import { resolve } from 'node:path';
import type * as Sdk from '../sdk/index.js';
import type * as Instances from '../sdk/testing/instances.js';

const [baseArg = '.', poolsArg = '10000,65536', swipesArg = '300'] = process.argv.slice(2);
const roots = [...new Set([resolve('.'), resolve(baseArg)])];
const pools = poolsArg.split(',').map(Number);
const swipes = Number(swipesArg);
const rounds = Number(process.env.AB_ROUNDS ?? 3);
const lookahead = process.env.AB_SHAPE === 'default' ? {} : { lookahead: { shortlist: 256, beamWidth: 16, depth: 6 } };

/** Plan times (ms, after 20 warm-up swipes) and every plan as text, for one tree and pool. */
async function run(root: string, pool: number): Promise<{ ms: number[]; plans: string[] }> {
  const sdk = (await import(`${root}/sdk/index.ts`)) as typeof Sdk;
  const { randomRows, seededRandom } = (await import(`${root}/sdk/testing/instances.ts`)) as typeof Instances;
  const r = await sdk.createReranker({ backend: 'cpu', worker: false, embeddingDim: 32, maxPoolSize: Math.max(pool, 10_000), ...lookahead });
  await r.ingest(randomRows(seededRandom(7), { size: pool, embeddingDim: 32 }));
  const random = seededRandom(99);
  let plan = await r.plan();
  const ms: number[] = [], plans: string[] = [];
  for (let s = 0; s < swipes; s++) {
    const x = random();
    plan = await r.swipe({ id: plan.items[0]!.id, dwellMs: x < 0.3 ? 300 : x < 0.8 ? 2_500 : 9_000, converted: x > 0.97 });
    if (s >= 20) ms.push(plan.timings.totalMs);
    plans.push(`${plan.items.map((i) => `${i.id}:${i.score}:${i.reward}:${i.reach}`).join(',')}|${plan.value}`);
  }
  await r.dispose();
  return { ms, plans };
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const pool of pools) {
  const ms = roots.map(() => [] as number[]);
  let same = true;
  for (let round = 0; round < rounds; round++) {
    const results: { ms: number[]; plans: string[] }[] = [];
    for (const root of roots) results.push(await run(root, pool));
    results.forEach((res, k) => ms[k]!.push(...res.ms));
    same &&= results.every((res) => res.plans.join('\n') === results[0]!.plans.join('\n'));
  }
  const line = roots.map((root, k) => `${k === 0 ? 'this tree' : root} p50 ${p50(ms[k]!).toFixed(3)} ms`).join(', ');
  const ratio = roots.length > 1 ? `, ratio ${(p50(ms[0]!) / p50(ms[1]!)).toFixed(2)}` : '';
  console.log(`pool ${pool}: ${line}${ratio}; plans ${same ? 'identical' : 'DIFFER'}`);
}
