import { createReranker, isSwiperankError, type Plan, type Reranker } from 'swiperank';
import { CATALOG, REFILL_BELOW, type WireCandidate } from '../catalog.js';
import { runAutopilot } from './autopilot.js';
import { CandidateSource } from './candidates.js';
import { Feed } from './feed.js';
import { History, SESSION_KEY, storage } from './history.js';
import { Panel } from './panel.js';
import { defaultSettings, STRATEGIES, tunable, type DemoSettings } from './settings.js';

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The SDK already has this id as shown (a report that got through before, e.g. before a reload). */
const alreadyShown = (e: unknown) => isSwiperankError(e) && e.code === 'ALREADY_SHOWN';

/** What the panel says under a plan, by where it came from. */
const NOTES = {
  server: 'The feed follows server order; this is what the reranker would show instead.',
  reranked: 'Slot 1 is on screen now; the rest is the planned continuation, replanned at every swipe.',
  configured: 'Replanned with the new settings (slot 1 is what they would show now); the feed uses them from the next swipe.',
};

/**
 * The demo page: a swipe feed the reranker plans, the review panel beside it, and the
 * session's history. `start()` creates the reranker and shows the first item.
 */
export class FeedApp {
  private settings: DemoSettings = defaultSettings();
  private readonly history: History;
  private readonly source: CandidateSource;
  private readonly panel: Panel;
  private readonly feed: Feed;
  private ranker: Reranker | undefined;
  /** Candidates the reranker has left to plan from, as its last ingest said (less those shown since). */
  private poolLeft = 0;
  private filling: Promise<void> | null = null;
  private stopAutopilot = false;
  /** Set while the panel shows why the last swipe failed; the next good swipe clears it. */
  private swipeFailed = false;

  constructor(
    private readonly session: string,
    feedRoot: HTMLElement,
    private readonly panelRoot: HTMLElement,
    private readonly toggle: HTMLElement,
  ) {
    this.history = new History(session);
    this.source = new CandidateSource(session, CATALOG.embeddingDim);
    this.panel = new Panel(panelRoot, this.settings, {
      settings: (next) => this.applySettings(next),
      autopilot: (fast, sessions, backend) => void this.autopilot(fast, sessions, backend),
      stopAutopilot: () => { this.stopAutopilot = true; },
      newSession: () => {
        storage.remove(SESSION_KEY);
        location.reload();
      },
    });
    this.feed = new Feed(feedRoot, () => this.swipe());
    toggle.addEventListener('click', () => this.setPanelOpen(panelRoot.hidden));
    // Reviewers on a desktop see the panel at once; on a phone the feed comes first.
    this.setPanelOpen(window.matchMedia('(min-width: 900px)').matches);
  }

  /** Creates the reranker, fills its pool and shows the first item (the one a reload puts back, if any). */
  async start(): Promise<void> {
    this.ranker = await createReranker({
      embeddingDim: CATALOG.embeddingDim,
      persistence: { name: `demo-${this.session}` },
      ...tunable(this.settings),
    });
    try {
      await this.fill();
    } catch (e) {
      // Candidates already ingested still make a feed; the next swipes refill.
      if (this.poolLeft === 0) throw e;
      this.panel.error(`could not fetch candidates: ${message(e)}`);
    }
    await this.showInfo();
    const plan = await this.timed(() => this.unshownPlan(), NOTES.reranked);
    // The item a reload puts back, as the server sends it now if this page has it again.
    const { onScreen } = this.history;
    const resumed = onScreen && (this.source.byId.get(onScreen.id) ?? onScreen);
    const first = resumed ?? this.pick(plan);
    if (!first) {
      this.feed.status('No candidates to show.');
      return;
    }
    this.history.onScreen = first;
    this.history.save();
    this.feed.showFirst(first);
    document.body.dataset.ready = 'true';
  }

  private get reranker(): Reranker {
    if (this.ranker === undefined) throw new Error('the reranker is still starting');
    return this.ranker;
  }

  private setPanelOpen(open: boolean): void {
    this.panelRoot.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    document.body.classList.toggle('panel-open', open);
    if (open) this.panel.shown();
  }

  private async showInfo(): Promise<void> {
    try {
      const info = await this.reranker.info();
      this.panel.showInfo(info, this.session);
      // WebGPU opens in the background: look again until it is open or ruled out.
      if (info.choice.state === 'measuring' && !info.choice.adapter) setTimeout(() => void this.showInfo(), 300);
    } catch (e) {
      this.panel.error(`could not read the reranker's info: ${message(e)}`);
    }
  }

  /** Fetches and ingests pages until enough candidates are left to plan (one fill at a time). */
  private fill(): Promise<void> {
    this.filling ??= (async () => {
      try {
        while (this.poolLeft < REFILL_BELOW && !this.source.exhausted) {
          const page = await this.source.next((rows) => this.reranker.ingest(rows));
          if (page?.ingested) this.poolLeft = page.ingested.poolSize;
          if (page?.dropped.length) this.panel.dropped(page.dropped);
        }
      } finally {
        this.filling = null;
      }
    })();
    return this.filling;
  }

  /** A plan, recorded in the panel with its round trip from `start`. */
  private async timed(call: () => Promise<Plan>, note: string, start = performance.now()): Promise<Plan> {
    const plan = await call();
    this.panel.recordPlan(plan, performance.now() - start, this.source.byId, note);
    return plan;
  }

  /**
   * A plan with no id this page already showed. The reranker can lose its last batched write
   * when a page is closed (WebKit ends the worker before the write on pagehide lands) and would
   * plan those ids again: they are reported again (their dwell is lost: 0 ms) and planned anew.
   */
  private async unshownPlan(): Promise<Plan> {
    let plan = await this.reranker.plan();
    for (let round = 0; round < 16; round++) {
      const stale = plan.items.filter((item) => this.history.shown.has(item.id));
      if (stale.length === 0) break;
      for (const { id } of stale) {
        await this.reranker.feedback({ id, dwellMs: 0, converted: false }).catch((e: unknown) => {
          if (!alreadyShown(e)) throw e;
        });
      }
      plan = await this.reranker.plan();
    }
    return plan;
  }

  /** The item to show after `plan`: the plan's first, or the server's next unseen one. */
  private pick(plan: Plan): WireCandidate | null {
    if (this.settings.strategy === 'server') {
      const id = this.source.serverOrder.find((candidate) => !this.history.shown.has(candidate) && candidate !== this.feed.currentId);
      return id === undefined ? null : this.source.byId.get(id) ?? null;
    }
    const first = plan.items[0];
    return first ? this.source.byId.get(first.id) ?? null : null;
  }

  /**
   * A swipe in two steps. The report (`feedback`) either records the id as shown or changes
   * nothing, so a failed report is simply sent again by the next swipe. Once it is recorded
   * the id is never sent again (the SDK would reject it for good): if planning or the refill
   * after it fails, the item stays on screen and the next swipe only replans and refills.
   */
  private async swipe(): Promise<WireCandidate | null> {
    const start = performance.now();
    await this.reportShown(this.feed.currentId!, start);
    try {
      const next = await this.nextItem(start);
      this.history.onScreen = next;
      this.history.save();
      if (this.swipeFailed) this.panel.error(null);
      this.swipeFailed = false;
      void this.showInfo();
      return next;
    } catch (e) {
      this.swipeFailed = true;
      this.panel.error(`the swipe was recorded, but the next item could not be loaded: ${message(e)}`);
      void this.showInfo();
      throw e;
    }
  }

  /** Step one: tells the reranker how long `leaving` was watched, once. */
  private async reportShown(leaving: string, start: number): Promise<void> {
    if (this.history.shown.has(leaving)) return;
    try {
      await this.reranker.feedback({ id: leaving, dwellMs: Math.round(start - this.feed.shownAt), converted: this.feed.bought });
    } catch (e) {
      if (!alreadyShown(e)) {
        this.swipeFailed = true;
        this.panel.error(`the swipe was not recorded: ${message(e)}`);
        throw e;
      }
    }
    this.history.shown.add(leaving);
    this.poolLeft--;
    this.history.save();
  }

  /** Step two: replans, refilling first if the pool ran dry, and in the background when it runs low. */
  private async nextItem(start: number): Promise<WireCandidate | null> {
    const note = this.settings.strategy === 'server' ? NOTES.server : NOTES.reranked;
    let plan = await this.timed(() => this.unshownPlan(), note, start);
    if (plan.items.length === 0 && !this.source.exhausted) {
      await this.fill();
      plan = await this.timed(() => this.unshownPlan(), note);
    } else if (this.poolLeft < REFILL_BELOW) {
      void this.fill().catch((e: unknown) => this.panel.error(`could not fetch candidates: ${message(e)}`));
    }
    return this.pick(plan);
  }

  /**
   * The feed takes new settings only once the reranker has: a refusal (the SDK's BAD_OPTION
   * naming the field) rejects, and the panel puts the field back with that message.
   */
  private async applySettings(next: DemoSettings): Promise<void> {
    await this.reranker.configure(tunable(next));
    this.settings = next;
    try {
      await this.timed(() => this.reranker.plan(), next.strategy === 'server' ? NOTES.server : NOTES.configured);
      await this.showInfo();
    } catch (e) {
      this.panel.error(`replanning with the new settings failed: ${message(e)}`);
    }
  }

  private async autopilot(fast: boolean, sessions: number, backend: 'cpu' | 'auto'): Promise<void> {
    this.stopAutopilot = false;
    const strategies = STRATEGIES.map((s) => s.id);
    this.panel.resetAutopilot(strategies);
    this.panel.autopilotState('running', `running ${sessions} sessions per strategy (${backend === 'cpu' ? 'CPU backend' : 'the feed\'s backend'})…`);
    const start = performance.now();
    try {
      await runAutopilot({
        strategies, sessions, settings: this.settings, backend,
        maxSlots: fast ? 40 : 200,
        swipeDelayMs: fast ? 0 : 60,
      }, (progress) => this.panel.lane(progress), () => this.stopAutopilot);
      const figures = this.panel.autopilotSummary();
      const text = figures.map((f) => `${f.strategy}: ${f.purchases} bought ($${f.gmv.toFixed(0)}), mean depth ${f.meanDepth.toFixed(1)}`).join('; ');
      const state = this.stopAutopilot ? 'stopped' : 'done';
      this.panel.autopilotState(state, `${state} in ${((performance.now() - start) / 1000).toFixed(1)} s: ${text}`);
    } catch (e) {
      this.panel.autopilotState('failed', `autopilot failed: ${message(e)}`);
    }
  }
}
