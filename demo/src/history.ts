/** What the demo page remembers of its session in localStorage: the session id and what it showed. */
import { LIMITS } from 'swiperank';
import { CATALOG, SESSION_ID, type WireCandidate } from '../catalog.js';
import { candidateProblem } from './candidates.js';

/** Bounded like the SDK's own list of shown ids. */
const HISTORY_LIMIT = LIMITS.shownIds;
export const SESSION_KEY = 'swiperank-demo:session';

/**
 * localStorage, which may be disabled (then merely touching it throws) or full. Either only
 * costs the resume point: a new session per load, no item put back after a reload.
 */
export const storage = {
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

/** This tab's session id: the one saved, or a fresh one. */
export function sessionId(): string {
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
export class History {
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
