import { createReranker, isSwiperankError, type Plan, type Reranker } from '../../sdk/index.js';
import { CATALOG, REFILL_BELOW, SESSION_ID, type WireCandidate } from '../catalog.js';
import { runAutopilot } from './autopilot.js';
import { candidateProblem, CandidateSource } from './candidates.js';
import { Feed } from './feed.js';
import { Panel } from './panel.js';
import { defaultSettings, STRATEGIES, tunable, type DemoSettings } from './settings.js';

/** Bounded like the SDK's own list of shown ids. */
const HISTORY_LIMIT = 5_000;
const SESSION_KEY = 'swiperank-demo:session';

/**
 * localStorage, which may be disabled (then merely touching it throws) or full. Either only
 * costs the resume point: a new session per load, no item put back after a reload.
 */
const storage = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): void {
    try {
      localStorage.setItem(key, value);
    } catch {
      // Disabled or over quota: see above.
    }
  },
  remove(key: string): void {
    try {
      localStorage.removeItem(key);
    } catch {
      // Disabled: there is nothing stored to remove.
    }
  },
};

function sessionId(): string {
  const saved = storage.get(SESSION_KEY);
  if (saved && SESSION_ID.test(saved)) return saved;
  const fresh = `s-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
  storage.set(SESSION_KEY, fresh);
  return fresh;
}

/**
 * The page's own record of the session: what it showed (the server-order strategy must skip
 * those) and the item on screen, which a reload puts back instead of drawing a new one. The
 * reranker's shown ids and interest state persist on their own, in IndexedDB.
 */
class History {
  private readonly key: string;
  readonly shown: Set<string>;
  onScreen: WireCandidate | null;

  /**
   * Nothing stored is trusted: a corrupt or edited record (or another version's) only loses
   * the resume point; the reranker still knows what was shown.
   */
  constructor(session: string) {
    this.key = `swiperank-demo:${session}:history`;
    let saved: unknown = null;
    try {
      saved = JSON.parse(storage.get(this.key) ?? 'null');
    } catch {
      // Not JSON: as if nothing were stored.
    }
    const record = typeof saved === 'object' && saved !== null ? saved as { shown?: unknown; onScreen?: unknown } : {};
    const shown = Array.isArray(record.shown) ? record.shown.filter((id): id is string => typeof id === 'string' && id.length > 0) : [];
    this.shown = new Set(shown.slice(-HISTORY_LIMIT));
    // Every field is checked as a page's rows are: the item is shown (as text) after a reload.
    const onScreen = record.onScreen;
    this.onScreen = candidateProblem(onScreen, CATALOG.embeddingDim) === null && !this.shown.has((onScreen as WireCandidate).id)
      ? onScreen as WireCandidate
      : null;
  }

  save(): void {
    const shown = [...this.shown].slice(-HISTORY_LIMIT);
    storage.set(this.key, JSON.stringify({ shown, onScreen: this.onScreen }));
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The SDK already has this id as shown (a report that got through before, e.g. before a reload). */
const alreadyShown = (e: unknown) => isSwiperankError(e) && e.code === 'INVALID_CANDIDATE' && /already reported as shown/.test(e.message);

async function main(): Promise<void> {
  const feedRoot = document.getElementById('feed')!;
  const panelRoot = document.getElementById('panel')!;
  const toggle = document.getElementById('panel-toggle')!;
  let settings: DemoSettings = defaultSettings();
  const session = sessionId();
  const history = new History(session);
  const source = new CandidateSource(session, CATALOG.embeddingDim);
  let ranker!: Reranker;
  let poolLeft = 0;
  let stopAutopilot = false;

  const panel = new Panel(panelRoot, settings, {
    settings: (next) => applySettings(next),
    autopilot: (fast, sessions, backend) => void autopilot(fast, sessions, backend),
    stopAutopilot: () => { stopAutopilot = true; },
    newSession: () => {
      storage.remove(SESSION_KEY);
      location.reload();
    },
  });

  const setPanelOpen = (open: boolean) => {
    panelRoot.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    document.body.classList.toggle('panel-open', open);
    if (open) panel.shown();
  };
  toggle.addEventListener('click', () => setPanelOpen(panelRoot.hidden));
  // Reviewers on a desktop see the panel at once; on a phone the feed comes first.
  setPanelOpen(window.matchMedia('(min-width: 900px)').matches);

  const showInfo = async () => {
    try {
      const info = await ranker.info();
      panel.showInfo(info, session);
      // WebGPU opens in the background: look again until it is open or ruled out.
      if (info.choice.state === 'measuring' && !info.choice.adapter) setTimeout(() => void showInfo(), 300);
    } catch (e) {
      panel.error(`could not read the reranker's info: ${message(e)}`);
    }
  };

  /** Fetches and ingests pages until enough candidates are left to plan. */
  let filling: Promise<void> | null = null;
  const fill = () => {
    filling ??= (async () => {
      try {
        while (poolLeft < REFILL_BELOW && !source.exhausted) {
          const page = await source.next((rows) => ranker.ingest(rows));
          if (page?.ingested) poolLeft = page.ingested.poolSize;
          if (page?.dropped.length) panel.dropped(page.dropped);
        }
      } finally {
        filling = null;
      }
    })();
    return filling;
  };

  const notes = {
    server: 'The feed follows server order; this is what the reranker would show instead.',
    reranked: 'Slot 1 is on screen now; the rest is the planned continuation, replanned at every swipe.',
    configured: 'Replanned with the new settings (slot 1 is what they would show now); the feed uses them from the next swipe.',
  };

  const timed = async (call: () => Promise<Plan>, note: string, start = performance.now()): Promise<Plan> => {
    const plan = await call();
    panel.recordPlan(plan, performance.now() - start, source.byId, note);
    return plan;
  };

  /** The item to show after `plan`: the plan's first, or the server's next unseen one. */
  const pick = (plan: Plan): WireCandidate | null => {
    if (settings.strategy === 'server') {
      const id = source.serverOrder.find((candidate) => !history.shown.has(candidate) && candidate !== feed.currentId);
      return id === undefined ? null : source.byId.get(id) ?? null;
    }
    const first = plan.items[0];
    return first ? source.byId.get(first.id) ?? null : null;
  };

  /** Set while the panel shows why the last swipe failed; the next good swipe clears it. */
  let swipeFailed = false;

  /**
   * A swipe in two steps. The report (`feedback`) either records the id as shown or changes
   * nothing, so a failed report is simply sent again by the next swipe. Once it is recorded
   * the id is never sent again (the SDK would reject it for good): if planning or the refill
   * after it fails, the item stays on screen and the next swipe only replans and refills.
   */
  const feed = new Feed(feedRoot, async () => {
    const leaving = feed.currentId!;
    const note = settings.strategy === 'server' ? notes.server : notes.reranked;
    const start = performance.now();
    if (!history.shown.has(leaving)) {
      try {
        await ranker.feedback({ id: leaving, dwellMs: Math.round(start - feed.shownAt), converted: feed.bought });
      } catch (e) {
        if (!alreadyShown(e)) {
          swipeFailed = true;
          panel.error(`the swipe was not recorded: ${message(e)}`);
          throw e;
        }
      }
      history.shown.add(leaving);
      poolLeft--;
      history.save();
    }
    try {
      let plan = await timed(() => ranker.plan(), note, start);
      if (plan.items.length === 0 && !source.exhausted) {
        await fill();
        plan = await timed(() => ranker.plan(), note);
      } else if (poolLeft < REFILL_BELOW) {
        void fill().catch((e: unknown) => panel.error(`could not fetch candidates: ${message(e)}`));
      }
      const next = pick(plan);
      history.onScreen = next;
      history.save();
      if (swipeFailed) panel.error(null);
      swipeFailed = false;
      void showInfo();
      return next;
    } catch (e) {
      swipeFailed = true;
      panel.error(`the swipe was recorded, but the next item could not be loaded: ${message(e)}`);
      void showInfo();
      throw e;
    }
  });

  /**
   * The feed takes new settings only once the reranker has: a refusal (the SDK's BAD_OPTION
   * naming the field) rejects, and the panel puts the field back with that message.
   */
  async function applySettings(next: DemoSettings): Promise<void> {
    if (ranker === undefined) throw new Error('the reranker is still starting');
    await ranker.configure(tunable(next));
    settings = next;
    try {
      await timed(() => ranker.plan(), next.strategy === 'server' ? notes.server : notes.configured);
      await showInfo();
    } catch (e) {
      panel.error(`replanning with the new settings failed: ${message(e)}`);
    }
  }

  async function autopilot(fast: boolean, sessions: number, backend: 'cpu' | 'auto'): Promise<void> {
    stopAutopilot = false;
    const strategies = STRATEGIES.map((s) => s.id);
    panel.resetAutopilot(strategies);
    panel.autopilotState('running', `running ${sessions} sessions per strategy (${backend === 'cpu' ? 'CPU backend' : 'the feed\'s backend'})…`);
    const start = performance.now();
    try {
      await runAutopilot({
        strategies, sessions, settings, backend,
        maxSlots: fast ? 40 : 200,
        swipeDelayMs: fast ? 0 : 60,
      }, (progress) => panel.lane(progress), () => stopAutopilot);
      const figures = panel.autopilotSummary();
      const text = figures.map((f) => `${f.strategy}: ${f.purchases} bought ($${f.gmv.toFixed(0)}), mean depth ${f.meanDepth.toFixed(1)}`).join('; ');
      panel.autopilotState(stopAutopilot ? 'stopped' : 'done',
        `${stopAutopilot ? 'stopped' : 'done'} in ${((performance.now() - start) / 1000).toFixed(1)} s: ${text}`);
    } catch (e) {
      panel.autopilotState('failed', `autopilot failed: ${message(e)}`);
    }
  }

  ranker = await createReranker({
    embeddingDim: CATALOG.embeddingDim,
    persistence: { name: `demo-${session}` },
    ...tunable(settings),
  });
  try {
    await fill();
  } catch (e) {
    // Candidates already ingested still make a feed; the next swipes refill.
    if (poolLeft === 0) throw e;
    panel.error(`could not fetch candidates: ${message(e)}`);
  }
  await showInfo();
  const plan = await timed(() => ranker.plan(), notes.reranked);
  // The item a reload puts back, as the server sends it now if this page has it again.
  const resumed = history.onScreen && (source.byId.get(history.onScreen.id) ?? history.onScreen);
  const first = resumed ?? pick(plan);
  if (!first) {
    feed.status('No candidates to show.');
    return;
  }
  history.onScreen = first;
  history.save();
  feed.showFirst(first);
  document.body.dataset.ready = 'true';
}

main().catch((e: unknown) => {
  const status = document.querySelector('.feed-status') ?? document.getElementById('feed')!.appendChild(document.createElement('p'));
  status.className = 'feed-status';
  status.textContent = `The feed could not start: ${message(e)}`;
});
