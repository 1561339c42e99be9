// `npm run bench`: builds the bench page (Vite), serves it on 127.0.0.1, drives it in
// headless Chromium with WebGPU on SwiftShader, and writes bench/results/latest.{json,md}.
// Progress goes to stderr; the markdown tables go to stdout.
//
// Knobs (environment): BENCH_BUDGET_S (whole run, default 540), BENCH_PLANS (measured
// plans per row, default 200, the floor), BENCH_WARMUP (default 20), BENCH_POOLS and
// BENCH_ROWS (comma lists, to run a subset), BENCH_COLD_REPS (cold starts per backend mode,
// default 3; 0 skips them), CHROMIUM_PATH; BENCH_RENDER=<report.json> only writes latest.md from it.
// Run through tsx: the launch flags and the static server are the tests' own TypeScript modules.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumArgs, chromiumPath } from '../tools/browsers.ts';
import { serveStatic } from '../tools/static-server.ts';

const started = Date.now();
const benchDir = dirname(fileURLToPath(import.meta.url));
const distDir = join(benchDir, 'dist');
const resultsDir = join(benchDir, 'results');

const env = process.env;
const budgetMs = Number(env.BENCH_BUDGET_S ?? 540) * 1000;
const plans = Math.max(200, Number(env.BENCH_PLANS ?? 200));
const warmup = Number(env.BENCH_WARMUP ?? 20);
const deadline = started + budgetMs;
const log = (...a) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s]`, ...a);

const POOLS = (env.BENCH_POOLS ? env.BENCH_POOLS.split(',').map(Number) : [1_000, 10_000, 65_536]);
const SHAPES = [
  { shortlist: 64, beamWidth: 8, depth: 4 },
  { shortlist: 256, beamWidth: 16, depth: 6 },
];
const ALL_ROWS = ['swiperank-webgpu', 'swiperank-cpu', 'swiperank-auto', 'naive-js', 'tfjs-webgpu', 'tfjs-cpu'];
const coldReps = Number(env.BENCH_COLD_REPS ?? 3);
/** Cold starts: a first page of 1,000 at the default look-ahead, and the issue's reference cell. */
const COLD_CELLS = [
  { pool: 1_000, shortlist: 64, beamWidth: 8, depth: 4, embeddingDim: 32, seed: 0x51e + 1_000 },
  { pool: 10_000, shortlist: 256, beamWidth: 16, depth: 6, embeddingDim: 32, seed: 0x51e + 10_000 },
];
const rowFilter = env.BENCH_ROWS ? new Set(env.BENCH_ROWS.split(',')) : null;
// The CPU backend runs first in every cell: it records the feedback script and the plans
// every other row is checked against. Cheaper rows go first so leftover time flows to the
// expensive ones.
const RUN_ORDER = ['swiperank-cpu', 'swiperank-auto', 'swiperank-webgpu', 'naive-js', 'tfjs-cpu', 'tfjs-webgpu']
  .filter((r) => r === 'swiperank-cpu' || !rowFilter || rowFilter.has(r));
/**
 * Shares of the time budget. Each row gets its weight's share of the time still left, so
 * rows that finish early hand their time on; the SDK's WebGPU row gets the most because its
 * 200 plans are the point of the run, and the peers are the ones that may time out.
 */
const WEIGHT = { 'swiperank-cpu': 0.5, 'swiperank-auto': 0.5, 'swiperank-webgpu': 3, 'naive-js': 1, 'tfjs-cpu': 1.5, 'tfjs-webgpu': 1.5 };
const LABEL = {
  'swiperank-webgpu': 'swiperank WebGPU',
  'swiperank-cpu': 'swiperank CPU',
  'swiperank-auto': "swiperank 'auto'",
  'naive-js': 'naive JS peer',
  'tfjs-webgpu': 'tfjs WebGPU peer',
  'tfjs-cpu': 'tfjs CPU peer',
};

async function buildPage() {
  const { build } = await import('vite');
  const t = Date.now();
  await build({ configFile: join(benchDir, 'vite.config.ts'), logLevel: 'warn' });
  log(`built the page in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/** bench/dist, cross-origin isolated: performance.now() gets 5 µs resolution instead of 100 µs. */
function serve() {
  return serveStatic({
    root: distDir,
    headers: () => ({ 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }),
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${Math.round(ms / 1000)} s`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

async function openPage(browser, url) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => log('page error:', e.message));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log(`page ${m.type()}:`, m.text().slice(0, 300)); });
  await page.goto(url);
  await page.waitForFunction(() => 'swiperankBench' in window, null, { timeout: 30_000 });
  return page;
}

function cpuModel() {
  const cpus = os.cpus();
  return { model: cpus[0]?.model?.trim() ?? 'unknown', logicalCores: cpus.length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1) };
}

// ---------- formatting ----------

const ms = (x) => (x === undefined || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (a, b) => (a && b && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : '—');
const count = (x) => (x === undefined ? '—' : Number.isInteger(x) ? String(x) : x.toFixed(1));
const bytes = (x) => (x === undefined ? '—' : x >= 1024 * 1024 ? `${(x / 2 ** 20).toFixed(2)} MiB` : x >= 1024 ? `${(x / 1024).toFixed(1)} KiB` : `${Math.round(x)} B`);
const shapeLabel = (c) => `${c.shortlist} / ${c.beamWidth} / ${c.depth}`;

function checkLabel(r) {
  if (r.row === 'swiperank-cpu') return 'reference';
  const c = r.check;
  if (!c || c.compared === 0) return '—';
  const differ = Math.max(c.idMismatches, c.valueMismatches);
  if (differ === 0) return `same ${c.compared}/${c.compared}`;
  return `**${c.idMismatches} ids, ${c.valueMismatches} values differ** of ${c.compared} (max rel. value err ${c.maxRelValueError.toExponential(1)})`;
}

function statusLabel(r) {
  if (r.status === 'ok') return String(r.plans);
  if (r.status === 'timed-out') return `${r.plans} (timed out)`;
  return r.status;
}

function markdown(report) {
  const lines = [];
  const m = report.machine;
  const a = m.adapter;
  lines.push('### Plan latency per swipe');
  lines.push('');
  lines.push(`${m.cpu.model}, ${m.cpu.logicalCores} logical cores (shared), ${m.browser}, headless; `
    + `WebGPU adapter: ${a ? `${a.vendor || '?'} / ${a.architecture || '?'}${a.description ? ` (${a.description})` : ''}` : `none (${m.adapterError ?? 'no navigator.gpu'})`}. `
    + 'SwiftShader runs "GPU" work on the CPU cores, so WebGPU rows here measure overheads and emulated compute, not a real GPU. '
    + `Embedding 32; ${report.settings.plans} measured swipes per row after warm-up (fewer where a row timed out); `
    + `${new Date(report.generatedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC, whole run ${report.durationS.toFixed(0)} s.`);
  lines.push('');
  lines.push('*engine*: plan time measured where the plan is computed (`plan.timings.totalMs` in the SDK worker; '
    + 'the peers\' own plan time on the main thread, readback included). *page*: wall time around `await swipe(...)` on the page '
    + '(feedback + replan; for the SDK this adds the worker round trip). Ratios are page p50 over the WebGPU / CPU backend\'s page p50 in the same cell '
    + '(above 1 = slower; the \'auto\' row\'s *vs CPU* is against the CPU twin it ran side by side with, see Backend \'auto\'). *plans check*: ids and value of every plan against the CPU backend\'s plan after the same swipes.');
  lines.push('');
  lines.push('| pool | shortlist / beam / depth | row | engine p50 | p95 | max | page p50 | p95 | max | vs WebGPU | vs CPU | swipes | plans check |');
  lines.push('|---:|:---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|');
  for (const cell of report.cells) {
    const byRow = Object.fromEntries(cell.rows.map((r) => [r.row, r]));
    const gpuP50 = byRow['swiperank-webgpu']?.wall?.p50;
    const cpuP50 = byRow['swiperank-cpu']?.wall?.p50;
    for (const name of ALL_ROWS) {
      const r = byRow[name];
      if (!r) continue;
      const usable = r.status === 'ok' || r.status === 'timed-out';
      const cells = usable
        ? [ms(r.inner?.p50), ms(r.inner?.p95), ms(r.inner?.max), ms(r.wall?.p50), ms(r.wall?.p95), ms(r.wall?.max),
          ratio(r.wall?.p50, gpuP50), ratio(r.wall?.p50, r.pairedCpu?.wall?.p50 ?? cpuP50), statusLabel(r), checkLabel(r)]
        : ['—', '—', '—', '—', '—', '—', '—', '—', r.status, (r.reason ?? '').replace(/\|/g, '/').slice(0, 120)];
      lines.push(`| ${cell.cell.pool.toLocaleString('en-US')} | ${shapeLabel(cell.cell)} | ${LABEL[name]} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('');
  lines.push('### Where the WebGPU backend spends its time');
  lines.push('');
  lines.push('From the WebGPU row above: the backend\'s figures for each plan (`info().gpu`, read after each measured swipe, '
    + 'outside the timed region), as mean (max) per plan. *create*: `createReranker()` (worker, adapter, device, pipelines); '
    + '*first plan*: the first plan after ingest, cold pipelines and first upload of the pool (in the engine; on the page); '
    + '*worker hop*: page p50 − engine p50 (comlink round trip plus the feedback update).');
  lines.push('');
  lines.push('| pool | shortlist / beam / depth | create ms | first plan ms | warm engine p50 | GPU ms p50 | worker hop p50 | dispatches | submits | readbacks | uploaded | read back | GPU buffers |');
  lines.push('|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const both = (s, f) => (s ? (s.max !== s.mean ? `${f(s.mean)} (${f(s.max)})` : f(s.mean)) : '—');
  for (const cell of report.cells) {
    const r = cell.rows.find((x) => x.row === 'swiperank-webgpu');
    const lead = `| ${cell.cell.pool.toLocaleString('en-US')} | ${shapeLabel(cell.cell)} |`;
    if (!r || (r.status !== 'ok' && r.status !== 'timed-out')) {
      lines.push(`${lead} ${r ? `${r.status}: ${(r.reason ?? '').replace(/\|/g, '/').slice(0, 100)}` : 'not run'} | | | | | | | | | | |`);
      continue;
    }
    const c = r.gpuCounters?.perPlan ?? {};
    const first = r.gpuCounters?.afterFirstPlan;
    const hop = r.wall && r.inner ? r.wall.p50 - r.inner.p50 : undefined;
    const firstPlan = `${ms(first?.firstPlanMs ?? r.firstPlan?.innerMs)}; ${ms(r.firstPlan?.wallMs)}`;
    const last = r.gpuCounters?.last;
    lines.push(`${lead} ${ms(r.createMs)} | ${firstPlan} | ${ms(r.inner?.p50)} | ${ms(r.gpu?.p50)} | ${ms(hop)} | `
      + `${both(c.dispatches, count)} | ${both(c.submits, count)} | ${both(c.readbacks, count)} | `
      + `${both(c.bytesUploaded, bytes)} | ${both(c.bytesReadBack, bytes)} | `
      + `${last ? `${last.buffers}, ${bytes(last.bufferBytes)}` : '—'} |`);
  }
  lines.push('');
  lines.push(...autoSection(report));
  return lines.join('\n');
}

/** p50 ratio to the paired CPU twin, and the mean ratio (p50s move in 5 µs timer steps). */
const paired = (r, key) => (r.pairedCpu ? `${ratio(r[key]?.p50, r.pairedCpu[key]?.p50)} (mean ${ratio(r[key]?.mean, r.pairedCpu[key]?.mean)})` : '—');

/** What `backend: 'auto'` chose in each cell, and the cold starts of each backend mode. */
function autoSection(report) {
  const lines = ['### Backend \'auto\'', ''];
  lines.push('What `\'auto\'` decided in each cell (`info().choice` at the end of its row), and its engine and page p50 '
    + 'once decided, against a `backend: \'cpu\'` reranker (its own worker) swiped with the same script side by side, swipe by swipe, '
    + 'in alternating order (*paired*; the CPU row of the cell, run before, in the last two columns): its warm-up swipes dwell 200 ms '
    + 'each as a user does, and the last waits for the decision and one more second. What the measurement costs while it runs is in the cold-start table.');
  lines.push('');
  lines.push('| pool | shortlist / beam / depth | chose | decided after | CPU p50 (measured) | WebGPU p50 (measured) | readback floor | engine p50 vs CPU (paired) | page p50 vs CPU (paired) | engine / page p50 vs the CPU row | reason |');
  lines.push('|---:|:---:|:---|---:|---:|---:|---:|---:|---:|---:|:---|');
  for (const cell of report.cells) {
    const r = cell.rows.find((x) => x.row === 'swiperank-auto');
    const cpuRow = cell.rows.find((x) => x.row === 'swiperank-cpu');
    if (!r?.choice) continue;
    const c = r.choice;
    const chose = c.state === 'decided' ? c.backend : `${c.backend} (${c.state})`;
    lines.push(`| ${cell.cell.pool.toLocaleString('en-US')} | ${shapeLabel(cell.cell)} | ${chose} | ${c.decidedAfterMs === undefined ? '—' : `${ms(c.decidedAfterMs)} ms`} | `
      + `${ms(c.p50Ms.cpu)} | ${ms(c.p50Ms.webgpu)} | ${ms(c.readbackFloorMs)} | ${paired(r, 'inner')} | ${paired(r, 'wall')} | ${ratio(r.inner?.p50, cpuRow?.inner?.p50)} / ${ratio(r.wall?.p50, cpuRow?.wall?.p50)} | `
      + `${c.reason.replace(/\|/g, '/')} |`);
  }
  lines.push('');
  if (report.coldStarts?.length) {
    const cs = report.coldStarts;
    lines.push('### Cold start');
    lines.push('');
    lines.push(`From the call to \`createReranker\` on a loaded page (after one untimed start), embedding 32, ${coldReps} starts per mode; `
      + 'median (min–max). *first plan*: `createReranker`, `ingest` of the pool, `plan()`. *decision*: until `info().choice` reads decided; '
      + 'for \'auto\' the page swipes every 50 ms meanwhile (WebGPU opens in the background, then shadow plans run between swipes), '
      + 'and *while measuring* is the engine / page p50 of those swipes.');
    lines.push('');
    lines.push('| pool | shortlist / beam / depth | mode | createReranker | first plan | first plan on | decision | swipes to decision | while measuring | chose |');
    lines.push('|---:|:---:|:---|---:|---:|:---|---:|---:|---:|:---|');
    const spread = (xs) => { const s = xs.slice().sort((a, b) => a - b); return `${ms(s[Math.floor(s.length / 2)])} (${ms(s[0])}–${ms(s.at(-1))})`; };
    for (const cell of COLD_CELLS) {
      for (const mode of ['auto', 'cpu', 'webgpu']) {
        const lead = `| ${cell.pool.toLocaleString('en-US')} | ${shapeLabel(cell)} | ${mode} |`;
        const mine = cs.filter((x) => x.mode === mode && x.pool === cell.pool);
        const runs = mine.filter((x) => !x.error);
        if (runs.length === 0) {
          lines.push(`${lead} ${(mine[0]?.error ?? 'not run').split('\n')[0].replace(/\|/g, '/')} | | | | | | |`);
          continue;
        }
        const last = runs.at(-1);
        const measuring = runs.filter((x) => x.whileMeasuring);
        lines.push(`${lead} ${spread(runs.map((x) => x.createMs))} | ${spread(runs.map((x) => x.firstPlanMs))} | `
          + `${[...new Set(runs.map((x) => x.firstPlanBackend))].join(', ')} | ${spread(runs.map((x) => x.decisionMs))} | `
          + `${spread(runs.map((x) => x.swipesToDecision)).replace(/\.0+\b/g, '')} | `
          + `${measuring.length ? `${spread(measuring.map((x) => x.whileMeasuring.engineP50))} / ${spread(measuring.map((x) => x.whileMeasuring.pageP50))}` : '—'} | `
          + `${last.choice.backend}${mode === 'auto' ? `: ${last.choice.reason.replace(/\|/g, '/')}` : ''} |`);
      }
    }
    lines.push('');
  }
  return lines;
}

/** Cold starts per backend mode, after one untimed start so the page and worker code are loaded. */
async function coldStarts(page) {
  if (coldReps <= 0) return [];
  const run = (mode, cell) => withTimeout(page.evaluate((s) => window.swiperankBench.coldStart(s), { mode, cell, budgetMs: 60_000 }), 90_000, `cold start ${mode}`);
  const out = [];
  for (const cell of COLD_CELLS) {
    await run('cpu', cell);
    for (let rep = 0; rep < coldReps; rep++) {
      for (const mode of ['auto', 'cpu', 'webgpu']) {
        try {
          const r = await run(mode, cell);
          out.push({ pool: cell.pool, ...r });
          log(`cold start ${cell.pool} ${mode}: createReranker ${ms(r.createMs)} ms, first plan ${ms(r.firstPlanMs)} ms on ${r.firstPlanBackend}, `
            + `decision ${ms(r.decisionMs)} ms after ${r.swipesToDecision} swipes: ${r.choice.reason}`);
        } catch (e) {
          log(`cold start ${cell.pool} ${mode} failed: ${e.message}`);
          out.push({ pool: cell.pool, mode, error: e.message });
        }
      }
    }
  }
  return out;
}

// ---------- driving ----------

async function main() {
  if (env.BENCH_RENDER) {
    // Writes the markdown again from a JSON report (after a change to the tables), without running.
    const { readFile } = await import('node:fs/promises');
    const md = markdown(JSON.parse(await readFile(env.BENCH_RENDER, 'utf8')));
    await writeFile(join(resultsDir, 'latest.md'), md);
    process.stdout.write(md);
    return;
  }
  await buildPage();
  const server = await serve();
  const url = `${server.origin}/`;
  const { chromium } = await import('playwright');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  let page = await openPage(browser, url);
  const pageInfo = await page.evaluate(() => window.swiperankBench.pageInfo());
  const cpu = cpuModel();
  const machine = {
    cpu,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    browser: `Chromium ${browser.version()}`,
    userAgent: pageInfo.userAgent,
    hardwareConcurrency: pageInfo.hardwareConcurrency,
    adapter: pageInfo.adapter,
    adapterError: pageInfo.adapterError,
    loadAverage: os.loadavg(),
  };
  log(`${machine.browser}; adapter ${JSON.stringify(pageInfo.adapter ? { vendor: pageInfo.adapter.vendor, architecture: pageInfo.adapter.architecture } : pageInfo.adapterError)}`);

  const coldStartResults = await coldStarts(page);
  const cells = [];
  for (const pool of POOLS) for (const shape of SHAPES) cells.push({ pool, ...shape, embeddingDim: 32, seed: 0x51e + pool });
  const results = [];
  let weightLeft = cells.length * RUN_ORDER.reduce((sum, r) => sum + WEIGHT[r], 0);
  for (const cell of cells) {
    const cellResult = { cell, rows: [] };
    results.push(cellResult);
    let pageLost = false;
    for (const row of RUN_ORDER) {
      const remaining = deadline - Date.now() - 5_000;
      const share = remaining * WEIGHT[row] / weightLeft;
      weightLeft -= WEIGHT[row];
      const isReference = row === 'swiperank-cpu';
      // Fair share of what is left; the reference row must finish, so it is not boxed tightly.
      const box = Math.max(isReference ? 120_000 : 10_000, Math.min(180_000, share));
      if (pageLost) {
        cellResult.rows.push({ row, status: 'failed', reason: 'page restarted after a hang', plans: 0, warmup: 0 });
        continue;
      }
      const spec = { cell, row, plans, warmup, slowWarmup: isReference || row === 'swiperank-auto' ? warmup : 3, slowMs: 100, budgetMs: box };
      log(`pool ${cell.pool} ${shapeLabel(cell)} ${row}: time box ${(box / 1000).toFixed(0)} s`);
      try {
        const r = await withTimeout(page.evaluate((s) => window.swiperankBench.runRow(s), spec), box + 90_000, row);
        cellResult.rows.push(r);
        log(`  ${r.status} ${r.plans} plans, page p50 ${ms(r.wall?.p50)} ms, engine p50 ${ms(r.inner?.p50)} ms, `
          + `first plan ${ms(r.firstPlan?.wallMs)} ms, ${(r.elapsedMs / 1000).toFixed(1)} s${r.reason ? ` (${r.reason})` : ''}`
          + `${r.check ? `; check: ${checkLabel(r)}` : ''}`);
      } catch (e) {
        log(`  failed: ${e.message}`);
        cellResult.rows.push({ row, status: 'failed', reason: e.message, plans: 0, warmup: 0 });
        if (isReference || /no answer/.test(e.message)) {
          pageLost = true;
          await page.close().catch(() => {});
          page = await openPage(browser, url);
        }
      }
    }
  }
  await browser.close();
  await server.close();

  const report = {
    generatedAt: new Date().toISOString(),
    command: 'npm run bench',
    durationS: (Date.now() - started) / 1000,
    settings: { plans, warmup, budgetS: budgetMs / 1000, chromiumArgs, chromiumPath },
    machine,
    coldStarts: coldStartResults,
    cells: results.map((c) => ({
      ...c,
      rows: c.rows.map((r) => {
        const gpu = c.rows.find((x) => x.row === 'swiperank-webgpu');
        // 'auto' is compared with the CPU twin it ran beside, as in the markdown.
        const cpuRow = r.pairedCpu ?? c.rows.find((x) => x.row === 'swiperank-cpu');
        return {
          ...r,
          ratios: {
            pageP50VsWebgpu: r.wall && gpu?.wall ? r.wall.p50 / gpu.wall.p50 : null,
            pageP50VsCpu: r.wall && cpuRow?.wall ? r.wall.p50 / cpuRow.wall.p50 : null,
            engineP50VsWebgpu: r.inner && gpu?.inner ? r.inner.p50 / gpu.inner.p50 : null,
            engineP50VsCpu: r.inner && cpuRow?.inner ? r.inner.p50 / cpuRow.inner.p50 : null,
          },
        };
      }),
    })),
  };
  const md = markdown(report);
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 1)}\n`);
  await writeFile(join(resultsDir, 'latest.md'), md);
  process.stdout.write(md);
  log(`done in ${report.durationS.toFixed(0)} s; wrote bench/results/latest.json and latest.md`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
