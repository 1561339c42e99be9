import { LIMITS, type Info, type Plan } from 'swiperank';
import type { WireCandidate } from '../catalog.js';
import type { LaneProgress } from './autopilot.js';
import type { DroppedRow } from './candidates.js';
import { percentile } from '../../sim/index.js';
import { drawLines, type Series } from './charts.js';
import { format, h } from './dom.js';
import { STRATEGIES, type DemoSettings, type FusionKind, type Strategy } from './settings.js';

const LATENCY_WINDOW = 100;
/** Dropped candidate rows listed in the panel (the count covers all of them). */
const DROPPED_SHOWN = 5;

interface NumberField {
  key: string;
  label: string;
  min?: number;
  max?: number;
  step: number;
  /** Fusion kinds the field applies to; all when absent. */
  kinds?: FusionKind[];
  get(s: DemoSettings): number;
  set(s: DemoSettings, v: number): void;
}

const objective = (group: 'weights' | 'alpha' | 'beta', name: 'cvr' | 'vtr' | 'sdr', kinds: FusionKind[], min?: number): NumberField => ({
  key: `${group}-${name}`, label: `${group}.${name}`, step: 0.05, kinds, ...(min === undefined ? {} : { min }),
  get: (s) => s.fusion[group][name],
  set: (s, v) => { s.fusion[group][name] = v; },
});

type RewardName = 'wCvr' | 'wView' | 'wSwipe' | 'gamma';

const reward = (name: RewardName, step: number, kinds?: FusionKind[]): NumberField => ({
  key: name, label: name, step, ...(kinds === undefined ? {} : { kinds }),
  // An 'auto' wSwipe shows as an empty field (a number input drops NaN); typing a number sets it.
  get: (s) => { const v = s.fusion[name]; return typeof v === 'number' ? v : NaN; },
  set: (s, v) => { s.fusion[name] = v; },
});

type LookaheadName = keyof DemoSettings['lookahead'];

const lookahead = (name: LookaheadName, label: string, min: number, max: number, step: number): NumberField => ({
  key: name, label, min, max, step,
  get: (s) => s.lookahead[name],
  set: (s, v) => { s.lookahead[name] = v; },
});

const CLASSIC: FusionKind[] = ['weighted-sum', 'product', 'rank'];

const FUSION_FIELDS: NumberField[] = [
  reward('wCvr', 0.05), reward('wView', 0.05), reward('wSwipe', 0.01, ['moc']), reward('gamma', 0.05),
  objective('weights', 'cvr', CLASSIC), objective('weights', 'vtr', CLASSIC), objective('weights', 'sdr', CLASSIC),
  objective('alpha', 'cvr', ['product', 'rank']), objective('alpha', 'vtr', ['product', 'rank']), objective('alpha', 'sdr', ['product', 'rank']),
  objective('beta', 'cvr', ['rank'], 0), objective('beta', 'vtr', ['rank'], 0), objective('beta', 'sdr', ['rank'], 0),
];

const LOOKAHEAD_FIELDS: NumberField[] = [
  lookahead('depth', 'depth', LIMITS.depth.min, LIMITS.depth.max, 1),
  lookahead('beamWidth', 'beam width', LIMITS.beamWidth.min, LIMITS.beamWidth.max, 1),
  lookahead('shortlist', 'shortlist', 1, LIMITS.shortlistMax, 1),
  lookahead('rho', 'rho (similar)', 0, 1, 0.05),
  lookahead('phi', 'phi (same category)', 0, 1, 0.05),
];

export interface PanelHandlers {
  /**
   * Settings changed in the form (already parsed as numbers). Resolves once the reranker took
   * them, and only then does the panel keep them; a rejection puts the field back and shows
   * the error's message next to it.
   */
  settings(next: DemoSettings): Promise<void>;
  autopilot(fast: boolean, sessions: number, backend: 'cpu' | 'auto'): void;
  stopAutopilot(): void;
  newSession(): void;
}

/** The review panel: settings in, plans, backend, latency and autopilot figures out. */
export class Panel {
  private plans = 0;
  private readonly latency: { roundTripMs: number; engineMs: number }[] = [];
  private readonly fields = new Map<string, { field: NumberField; input: HTMLInputElement; row: HTMLElement; error: HTMLElement }>();
  private readonly el: Record<string, HTMLElement> = {};
  private readonly lanes = new Map<Strategy, LaneProgress>();
  private laneViews = new Map<Strategy, { title: HTMLElement; figures: HTMLElement }>();
  private redraw = 0;
  private droppedCount = 0;
  /** Settings changes go to the reranker one at a time, each on top of the last one it took. */
  private changes: Promise<void> = Promise.resolve();

  constructor(private readonly root: HTMLElement, private settings: DemoSettings, private readonly on: PanelHandlers) {
    root.append(
      this.header(),
      this.backendSection(),
      this.strategySection(),
      this.fusionSection(),
      this.lookaheadSection(),
      this.planSection(),
      this.latencySection(),
      this.autopilotSection(),
    );
    this.syncFields();
    window.addEventListener('resize', () => this.draw());
  }

  /** A plan the feed received; `roundTripMs` is measured on the page, around the call. */
  recordPlan(plan: Plan, roundTripMs: number, byId: Map<string, WireCandidate>, note: string): void {
    this.plans++;
    this.el.planCount!.textContent = String(this.plans);
    this.latency.push({ roundTripMs, engineMs: plan.timings.totalMs });
    if (this.latency.length > LATENCY_WINDOW) this.latency.shift();
    this.showPlan(plan, byId, note);
    this.schedule();
  }

  showInfo(info: Info, session: string): void {
    this.el.backend!.textContent = info.backend;
    this.el.backend!.dataset.backend = info.backend;
    // While the CPU plans, the WebGPU adapter it is measured against is still worth showing.
    const measured = info.backend === 'cpu' && info.choice.adapter ? ` (WebGPU: ${info.choice.adapter})` : '';
    this.el.adapter!.textContent = info.adapter + measured;
    this.el.fallback!.textContent = info.fallbackReason ?? 'none';
    this.el.choice!.textContent = `${info.choice.mode}, ${info.choice.state}: ${info.choice.reason}`;
    this.el.pool!.textContent = `${info.poolSize} to plan, ${info.shownCount} shown, persistence ${info.persistence}`
      + (info.persistenceReason ? ` (${info.persistenceReason})` : '');
    this.el.session!.textContent = session;
  }

  error(message: string | null): void {
    this.el.error!.textContent = message ?? '';
    this.el.error!.hidden = message === null;
  }

  /** Candidate rows left out of a page: counted, and the latest listed with the reason (as text). */
  dropped(rows: DroppedRow[]): void {
    if (rows.length === 0) return;
    this.droppedCount += rows.length;
    const list = this.el.droppedList!;
    for (const r of rows) {
      const who = r.id === null ? `row ${r.row}` : `${JSON.stringify(r.id)} (row ${r.row})`;
      list.append(h('li', { 'data-id': r.id ?? '', text: `page ${r.page}, ${who}: ${r.reason}` }));
    }
    while (list.childElementCount > DROPPED_SHOWN) list.firstElementChild!.remove();
    this.el.droppedCount!.textContent = `Dropped ${this.droppedCount} candidate row${this.droppedCount === 1 ? '' : 's'} `
      + 'that could not be shown or that the reranker rejected; the rest of each page was kept.';
    this.el.dropped!.hidden = false;
  }

  lane(progress: LaneProgress): void {
    this.lanes.set(progress.strategy, progress);
    const view = this.laneViews.get(progress.strategy);
    if (view) {
      view.title.textContent = progress.item ? progress.item.title : progress.done ? 'done' : '…';
      const total = progress.finished.reduce((n, s) => n + s.purchases, 0) + (progress.item ? progress.current.purchases : 0);
      view.figures.textContent = `session ${progress.session + 1} · depth ${progress.current.depth} · ${total} bought · ${progress.backend}`;
    }
    this.schedule();
  }

  autopilotState(state: 'idle' | 'running' | 'done' | 'stopped' | 'failed', text: string): void {
    const status = this.el.autopilotStatus!;
    status.dataset.state = state;
    status.textContent = text;
    (this.el.autopilotRun as HTMLButtonElement).disabled = state === 'running';
    (this.el.autopilotStop as HTMLButtonElement).disabled = state !== 'running';
  }

  resetAutopilot(strategies: Strategy[]): void {
    this.lanes.clear();
    const lanes = this.el.lanes!;
    lanes.replaceChildren();
    this.laneViews = new Map();
    for (const id of strategies) {
      const s = STRATEGIES.find((x) => x.id === id)!;
      const title = h('p', { class: 'lane-item', text: '…' });
      const figures = h('p', { class: 'lane-figures', text: '' });
      lanes.append(h('div', { class: 'lane', testid: `lane-${id}`, style: `--lane:${s.color}` },
        h('p', { class: 'lane-name', text: s.label }), title, figures));
      this.laneViews.set(id, { title, figures });
    }
    this.schedule();
  }

  /** Per strategy: sessions, purchases, GMV, mean depth (what the autopilot showed). */
  autopilotSummary(): { strategy: Strategy; sessions: number; purchases: number; gmv: number; meanDepth: number }[] {
    const order = (lane: LaneProgress) => STRATEGIES.findIndex((s) => s.id === lane.strategy);
    return [...this.lanes.values()].sort((a, b) => order(a) - order(b)).map((lane) => {
      const sessions = lane.finished.length;
      const purchases = lane.finished.reduce((n, s) => n + s.purchases, 0);
      const gmv = lane.finished.reduce((n, s) => n + s.gmv, 0);
      const meanDepth = sessions ? lane.finished.reduce((n, s) => n + s.depth, 0) / sessions : 0;
      return { strategy: lane.strategy, sessions, purchases, gmv, meanDepth };
    });
  }

  private header(): HTMLElement {
    this.el.planCount = h('strong', { testid: 'plan-count', text: '0' });
    return h('header', { class: 'panel-header' },
      h('h1', { text: 'swiperank review' }),
      h('p', { class: 'counter' }, 'plans ', this.el.planCount),
      h('p', { class: 'intro', text: 'Every swipe reports dwell time and any purchase to the reranker in this page, which replans the next slots on the device. Tune it below; run the autopilot to compare strategies on simulated users.' }));
  }

  private backendSection(): HTMLElement {
    this.el.backend = h('strong', { testid: 'backend', text: '…' });
    this.el.adapter = h('span', { testid: 'adapter', text: '…' });
    this.el.fallback = h('span', { testid: 'fallback-reason', text: '…' });
    this.el.choice = h('span', { testid: 'backend-choice', text: '…' });
    this.el.pool = h('span', { testid: 'pool', text: '…' });
    this.el.session = h('code', { testid: 'session', text: '…' });
    this.el.error = h('p', { class: 'error', testid: 'panel-error', role: 'alert' });
    this.el.error.hidden = true;
    this.el.droppedCount = h('p', { class: 'note' });
    this.el.droppedList = h('ul', { class: 'dropped-list' });
    this.el.dropped = h('div', { class: 'dropped', testid: 'panel-dropped' }, this.el.droppedCount, this.el.droppedList);
    this.el.dropped.hidden = true;
    const fresh = h('button', { type: 'button', testid: 'new-session', text: 'New session' });
    fresh.addEventListener('click', () => this.on.newSession());
    return h('section', {},
      h('h2', { text: 'Backend' }),
      h('dl', { class: 'facts' },
        h('dt', { text: 'backend' }), h('dd', {}, this.el.backend),
        h('dt', { text: 'adapter' }), h('dd', {}, this.el.adapter),
        h('dt', { text: 'fallback' }), h('dd', {}, this.el.fallback),
        h('dt', { text: 'choice' }), h('dd', {}, this.el.choice),
        h('dt', { text: 'pool' }), h('dd', {}, this.el.pool),
        h('dt', { text: 'session' }), h('dd', {}, this.el.session, ' ', fresh)),
      this.el.error, this.el.dropped);
  }

  private strategySection(): HTMLElement {
    const select = h('select', { testid: 'strategy', 'aria-label': 'Strategy' });
    for (const s of STRATEGIES) if (!s.laneOnly) select.append(h('option', { value: s.id, text: s.label }));
    select.value = this.settings.strategy;
    const error = this.fieldError('strategy-error');
    select.addEventListener('change', () => {
      const strategy = select.value as Strategy;
      this.propose((s) => { s.strategy = strategy; }, () => { select.value = this.settings.strategy; }, error);
    });
    return h('section', {},
      h('h2', { text: 'Strategy' }), select, error,
      h('p', { class: 'note', text: 'Greedy shows the top fused score (depth 1, shortlist 1). Server order follows the server; the reranker\'s plan is still shown below for comparison.' }));
  }

  private fusionSection(): HTMLElement {
    const kind = h('select', { testid: 'fusion-kind', 'aria-label': 'Fusion kind' });
    for (const k of ['moc', 'weighted-sum', 'product', 'rank']) kind.append(h('option', { value: k, text: k }));
    kind.value = this.settings.fusion.kind;
    const error = this.fieldError('fusion-kind-error');
    kind.addEventListener('change', () => {
      const value = kind.value as FusionKind;
      this.propose((s) => { s.fusion.kind = value; }, () => { kind.value = this.settings.fusion.kind; }, error);
    });
    return h('section', {}, h('h2', { text: 'Fusion' }), h('label', { class: 'field' }, 'kind ', kind, error), this.grid('fusion', FUSION_FIELDS));
  }

  private lookaheadSection(): HTMLElement {
    return h('section', {}, h('h2', { text: 'Look-ahead' }), this.grid('lookahead', LOOKAHEAD_FIELDS));
  }

  private grid(prefix: string, fields: NumberField[]): HTMLElement {
    const grid = h('div', { class: 'fields' });
    for (const field of fields) {
      const input = h('input', {
        type: 'number', step: field.step, testid: `${prefix}-${field.key}`, 'aria-label': field.label,
        ...(field.min === undefined ? {} : { min: field.min }), ...(field.max === undefined ? {} : { max: field.max }),
      });
      const error = this.fieldError(`${prefix}-${field.key}-error`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      input.addEventListener('input', () => {
        clearTimeout(timer);
        // Typing "0." is not a number yet: apply once the value settles and parses.
        timer = setTimeout(() => this.apply(field, input, error), 250);
      });
      const row = h('label', { class: 'field' }, field.label, input, error);
      grid.append(row);
      this.fields.set(`${prefix}-${field.key}`, { field, input, row, error });
    }
    return grid;
  }

  private apply(field: NumberField, input: HTMLInputElement, error: HTMLElement): void {
    const value = input.valueAsNumber;
    if (!Number.isFinite(value)) return;
    this.propose((s) => field.set(s, value), () => { input.value = String(field.get(this.settings)); }, error);
  }

  /**
   * Offers `change` (on top of the settings the reranker last took) to the handler. Kept only
   * once it resolves; otherwise `revert` puts the control back and `error` shows why.
   */
  private propose(change: (s: DemoSettings) => void, revert: () => void, error: HTMLElement): void {
    this.changes = this.changes.then(async () => {
      const next = structuredClone(this.settings);
      change(next);
      try {
        await this.on.settings(structuredClone(next));
        this.settings = next;
        this.showFieldError(error, null);
      } catch (e) {
        revert();
        this.showFieldError(error, e instanceof Error ? e.message : String(e));
      }
      this.syncFields();
    });
  }

  /** The place next to a control for the reason a value was refused (text only). */
  private fieldError(testid: string): HTMLElement {
    const el = h('span', { class: 'field-error', testid, role: 'alert' });
    el.hidden = true;
    return el;
  }

  private showFieldError(el: HTMLElement, message: string | null): void {
    el.textContent = message ?? '';
    el.hidden = message === null;
  }

  /** Shows the fields of the current fusion kind and strategy, with their values. */
  private syncFields(): void {
    for (const [key, { field, input, row }] of this.fields) {
      const kindHides = field.kinds !== undefined && !field.kinds.includes(this.settings.fusion.kind);
      const greedyFixes = this.settings.strategy === 'greedy' && key.startsWith('lookahead-') && ['depth', 'beamWidth', 'shortlist'].includes(field.key);
      row.hidden = kindHides;
      input.disabled = greedyFixes;
      if (document.activeElement !== input) input.value = String(field.get(this.settings));
    }
  }

  private planSection(): HTMLElement {
    this.el.planBody = h('tbody', {});
    this.el.planNote = h('p', { class: 'note', testid: 'plan-note' });
    this.el.planValue = h('span', { testid: 'plan-value' });
    return h('section', {},
      h('h2', {}, 'Next planned ', h('span', { class: 'muted' }, 'value ', this.el.planValue)),
      this.el.planNote,
      h('table', { class: 'plan', testid: 'plan-table' },
        h('thead', {}, h('tr', {},
          h('th', { text: '#' }), h('th', { text: 'item' }), h('th', { text: 'reward' }),
          h('th', { text: 'continueProb' }), h('th', { text: 'reach' }))),
        this.el.planBody));
  }

  private showPlan(plan: Plan, byId: Map<string, WireCandidate>, note: string): void {
    this.el.planNote!.textContent = note;
    this.el.planValue!.textContent = `${format(plan.value)} · ${plan.backend} · generation ${plan.generation}`;
    const rows = plan.items.map((item, slot) => {
      const c = byId.get(item.id);
      const row = h('tr', { 'data-id': item.id },
        h('td', { text: slot + 1 }),
        h('td', { class: 'item', title: item.id, text: c ? `${c.title} (${c.categoryName}, $${c.price.toFixed(0)})` : item.id }),
        h('td', { class: 'num', text: format(item.reward) }),
        h('td', { class: 'num', text: format(item.continueProb) }),
        h('td', { class: 'num', text: format(item.reach) }));
      return row;
    });
    this.el.planBody!.replaceChildren(...rows);
    // The plan as data, for tests and for anyone inspecting the page.
    this.el.planBody!.dataset.plan = JSON.stringify(plan.items.map((i) => [i.id, i.reward, i.continueProb, i.reach]));
  }

  private latencySection(): HTMLElement {
    this.el.latencySummary = h('p', { class: 'note', testid: 'latency-summary', text: 'no plans yet' });
    this.el.latencyChart = h('canvas', { class: 'chart', testid: 'latency-chart', 'aria-label': 'Plan latency, last 100 plans' });
    return h('section', {}, h('h2', { text: 'Plan latency (last 100)' }), this.el.latencyChart, this.el.latencySummary);
  }

  private autopilotSection(): HTMLElement {
    const fast = h('input', { type: 'checkbox', testid: 'autopilot-fast' });
    const sessions = h('input', { type: 'number', min: 1, max: 200, step: 1, value: 20, testid: 'autopilot-sessions', 'aria-label': 'sessions per strategy' });
    const run = h('button', { type: 'button', class: 'primary', testid: 'autopilot-run', text: 'Run autopilot' });
    const stop = h('button', { type: 'button', testid: 'autopilot-stop', text: 'Stop', disabled: true });
    const backend = h('select', { testid: 'autopilot-backend', 'aria-label': 'Autopilot backend' },
      h('option', { value: 'cpu', text: 'CPU' }), h('option', { value: 'auto', text: 'as the feed (auto)' }));
    run.addEventListener('click', () => this.on.autopilot(fast.checked, Math.max(1, Math.min(200, sessions.valueAsNumber || 20)),
      backend.value === 'auto' ? 'auto' : 'cpu'));
    stop.addEventListener('click', () => this.on.stopAutopilot());
    this.el.autopilotRun = run;
    this.el.autopilotStop = stop;
    this.el.autopilotStatus = h('p', { class: 'note', testid: 'autopilot-status', 'data-state': 'idle', text: 'Simulated users swipe through sessions, one lane per strategy; session k of each lane meets the same user and server pages.' });
    this.el.lanes = h('div', { class: 'lanes', testid: 'autopilot-lanes' });
    this.el.purchases = h('canvas', { class: 'chart', testid: 'autopilot-purchases', 'aria-label': 'Cumulative purchases per strategy' });
    this.el.depth = h('canvas', { class: 'chart', testid: 'autopilot-depth', 'aria-label': 'Session depth per strategy' });
    this.el.autopilotTable = h('tbody', {});
    this.el.legend = h('p', { class: 'legend' }, ...STRATEGIES.map((s) => h('span', { style: `--lane:${s.color}`, text: s.label })));
    return h('section', {},
      h('h2', { text: 'Autopilot' }),
      h('div', { class: 'row' }, run, stop, h('label', {}, fast, ' fast'), h('label', {}, 'sessions ', sessions),
        h('label', {}, 'backend ', backend)),
      this.el.autopilotStatus, this.el.lanes, this.el.legend,
      h('h3', { text: 'Cumulative purchases' }), this.el.purchases,
      h('h3', { text: 'Session depth: mean items seen so far' }), this.el.depth,
      h('table', { class: 'plan', testid: 'autopilot-table' },
        h('thead', {}, h('tr', {}, h('th', { text: 'strategy' }), h('th', { text: 'sessions' }), h('th', { text: 'bought' }),
          h('th', { text: 'GMV' }), h('th', { text: 'mean depth' }))),
        this.el.autopilotTable));
  }

  /** Charts redraw at most once a frame, however many plans or swipes arrive. */
  private schedule(): void {
    if (this.redraw) return;
    this.redraw = requestAnimationFrame(() => {
      this.redraw = 0;
      this.draw();
    });
  }

  private draw(): void {
    if (this.root.hidden) return;
    this.drawLatency();
    this.drawAutopilot();
  }

  private drawLatency(): void {
    const roundTrip = this.latency.map((l) => l.roundTripMs);
    if (roundTrip.length === 0) return;
    const p50 = percentile(roundTrip, 0.5);
    const p95 = percentile(roundTrip, 0.95);
    const series: Series[] = [
      { label: 'round trip', color: '#6cb6ff', points: roundTrip.map((v, i) => [i, v]) },
      { label: 'engine', color: '#c39bff', points: this.latency.map((l, i) => [i, l.engineMs]) },
      { label: 'p50', color: '#3ddc97', points: [[0, p50]], level: true },
      { label: 'p95', color: '#ff7b72', points: [[0, p95]], level: true },
    ];
    drawLines(this.el.latencyChart as HTMLCanvasElement, series, { xLabel: 'plans', yUnit: ' ms', xMax: LATENCY_WINDOW - 1 });
    this.el.latencySummary!.textContent = `round trip p50 ${format(p50)} ms · p95 ${format(p95)} ms over ${roundTrip.length} plans `
      + `(engine p50 ${format(percentile(this.latency.map((l) => l.engineMs), 0.5))} ms)`;
  }

  private drawAutopilot(): void {
    if (this.lanes.size === 0) return;
    const lanes = [...this.lanes.values()];
    const color = (id: Strategy) => STRATEGIES.find((s) => s.id === id)!.color;
    const purchases: Series[] = lanes.map((lane) => {
      let total = 0;
      const points: [number, number][] = [[0, 0]];
      lane.finished.forEach((s, k) => points.push([k + 1, (total += s.purchases)]));
      if (!lane.done && lane.item) points.push([lane.finished.length + 0.5, total + lane.current.purchases]);
      return { label: lane.strategy, color: color(lane.strategy), points };
    });
    const sessions = Math.max(1, ...lanes.map((l) => l.finished.length));
    drawLines(this.el.purchases as HTMLCanvasElement, purchases, { xLabel: 'sessions', xMax: sessions });
    // Mean depth so far: per-session depths are too noisy to compare by eye, a running mean settles.
    const depth: Series[] = lanes.map((lane) => {
      let total = 0;
      return {
        label: lane.strategy, color: color(lane.strategy),
        points: lane.finished.map((s, k) => [k + 1, (total += s.depth) / (k + 1)] as [number, number]),
      };
    });
    drawLines(this.el.depth as HTMLCanvasElement, depth, { xLabel: 'sessions', xMax: sessions });
    this.el.autopilotTable!.replaceChildren(...this.autopilotSummary().map((row) => h('tr', { 'data-strategy': row.strategy },
      h('td', { text: STRATEGIES.find((s) => s.id === row.strategy)!.label }),
      h('td', { class: 'num', text: row.sessions }),
      h('td', { class: 'num', text: row.purchases }),
      h('td', { class: 'num', text: `$${row.gmv.toFixed(0)}` }),
      h('td', { class: 'num', text: row.meanDepth.toFixed(1) }))));
  }

  /** Redraws after the panel is shown (charts skip drawing while it is hidden). */
  shown(): void {
    this.draw();
  }
}
