import { createStore, get, update, type UseStore } from 'idb-keyval';
import { LIMITS } from './limits.js';
import { idHash } from './model/shown.js';
import type { SessionSnapshot } from './model/session.js';
import type { PersistenceStatus } from './types.js';

export type { SessionSnapshot } from './model/session.js';

/**
 * Saves snapshots in one idb-keyval store, at most one write per `FLUSH_DELAY_MS` (the first
 * after a quiet spell at once); degrades to memory on any IndexedDB fault.
 */
export interface SessionStore {
  readonly status: PersistenceStatus;
  /** Why persistence degraded to memory, or what it repaired on load. */
  readonly reason?: string;
  load(): Promise<SessionSnapshot | null>;
  /**
   * Schedules a write of the latest snapshot; writes are coalesced. Shown ids already stored
   * (another tab's) are merged in, unless `replace` (a reset that drops the shown ids).
   */
  save(snapshot: () => SessionSnapshot, replace?: boolean): void;
  /** Writes what is pending now. */
  flush(): Promise<void>;
}

const FLUSH_DELAY_MS = 400;
/** Persistence is optional: an IndexedDB that does not answer in this time is given up for memory. */
export const OPEN_TIMEOUT_MS = 1_000;
const WRITE_TIMEOUT_MS = 5_000;
const KEY = 'session';

const isFiniteArray = (a: unknown, length: number): a is ArrayLike<number> =>
  (Array.isArray(a) || a instanceof Float64Array) && a.length === length
  && Array.prototype.every.call(a, (x: unknown) => typeof x === 'number' && Number.isFinite(x));

const isCategory = (c: unknown): c is number => typeof c === 'number' && Number.isInteger(c) && c >= 0 && c <= 0xffff_ffff;

/**
 * Reads a stored record, checking every number. Shown ids are kept whenever they are readable,
 * even if the interest state is not (an `embeddingDim` change, a NaN): they are what keeps a
 * returning user from seeing an item again. Version 1 (ids as strings) is read too.
 */
export function parseSnapshot(raw: unknown, dim: number): { snapshot: SessionSnapshot | null; problem?: string } {
  if (typeof raw !== 'object' || raw === null) return { snapshot: null, problem: 'a corrupt session record' };
  const r = raw as Record<string, unknown>;
  let shown: Uint32Array;
  if (r.version === 2 && r.shown instanceof Uint32Array) shown = r.shown;
  else if (r.version === 1 && Array.isArray(r.shownIds) && r.shownIds.every((id) => typeof id === 'string')) {
    shown = Uint32Array.from(r.shownIds as string[], idHash);
  } else return { snapshot: null, problem: 'a corrupt session record' };
  if (shown.length > LIMITS.shownIds) shown = shown.slice(shown.length - LIMITS.shownIds);
  const empty: SessionSnapshot = { version: 2, embeddingDim: dim, interest: new Float64Array(dim), shown, last: null };
  if (r.embeddingDim !== dim) {
    return { snapshot: empty, problem: `a session of embeddingDim ${String(r.embeddingDim)}, not ${dim}: its shown ids were kept, its interest state dropped` };
  }
  const last = r.last as Record<string, unknown> | null;
  const interestOk = isFiniteArray(r.interest, dim)
    && Math.hypot(...Array.from(r.interest as ArrayLike<number>)) <= 1 + 1e-9;
  const lastOk = last === null || (typeof last === 'object' && isFiniteArray(last.embedding, dim)
    && isCategory(last.category) && typeof last.hasCategory === 'boolean');
  if (!interestOk || !lastOk) {
    return { snapshot: empty, problem: 'a session record with a bad interest state: its shown ids were kept' };
  }
  return {
    snapshot: {
      ...empty,
      interest: Float64Array.from(r.interest as ArrayLike<number>),
      ...(isFiniteArray(r.satiation, dim) ? { satiation: Float64Array.from(r.satiation as ArrayLike<number>) } : {}),
      last: last && { embedding: Float64Array.from(last.embedding as ArrayLike<number>), category: last.category as number, hasCategory: last.hasCategory as boolean },
    },
  };
}

/**
 * Another tab with the same persistence name may have written since: its shown ids are kept
 * (older first), ours are added after them, and the newest `LIMITS.shownIds` stay.
 */
function mergeShown(stored: unknown, ours: SessionSnapshot): SessionSnapshot {
  const theirs = parseSnapshot(stored, ours.embeddingDim).snapshot?.shown;
  if (!theirs || theirs.length === 0) return ours;
  const mine = new Set(ours.shown);
  const extra = theirs.filter((h) => !mine.has(h));
  if (extra.length === 0) return ours;
  const all = new Uint32Array(extra.length + ours.shown.length);
  all.set(extra);
  all.set(ours.shown, extra.length);
  return { ...ours, shown: all.length > LIMITS.shownIds ? all.slice(all.length - LIMITS.shownIds) : all };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** No persistence asked for. */
export function memoryStore(status: PersistenceStatus = 'off', reason?: string): SessionStore {
  return {
    status, reason,
    load: async () => null,
    save: () => {},
    flush: async () => {},
  };
}

/** A store named `name` in IndexedDB, or memory where IndexedDB is missing, slow or fails. */
export function indexedDbStore(name: string, embeddingDim: number): SessionStore {
  let store: UseStore | null = null;
  let status: PersistenceStatus = 'indexeddb';
  let reason: string | undefined;
  let pending: (() => SessionSnapshot) | null = null;
  let replacing = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastWrite = -Infinity;
  let writing: Promise<void> = Promise.resolve();

  const degrade = (why: string) => {
    status = 'memory';
    reason = `${why}; the session is kept in memory`;
    store = null;
    pending = null;
  };

  // idb-keyval opens the database lazily, on the first read.
  if (typeof indexedDB === 'undefined') degrade('IndexedDB is not available here');
  else store = createStore(`swiperank:${name}`, 'state');

  const flush = async (): Promise<void> => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const next = pending;
    const replace = replacing;
    pending = null;
    replacing = false;
    if (!next || !store) return writing;
    lastWrite = Date.now();
    const target = store;
    // Read-merge-write in one transaction, so two tabs' shown ids end up in the record.
    const write = () => within(update(KEY, (stored) => (replace ? next() : mergeShown(stored, next())), target),
      WRITE_TIMEOUT_MS, 'an IndexedDB write');
    writing = writing.then(write).catch((e: Error) => {
      degrade(`IndexedDB write failed (${e.name}): ${e.message}`);
    });
    return writing;
  };

  return {
    get status() { return status; },
    get reason() { return reason; },
    async load() {
      if (!store) return null;
      try {
        const raw: unknown = await within(Promise.resolve().then(() => get(KEY, store!)), OPEN_TIMEOUT_MS, 'IndexedDB open');
        if (raw === undefined) return null;
        const { snapshot, problem } = parseSnapshot(raw, embeddingDim);
        // The record is replaced on the next save, so one bad record does not turn persistence off for good.
        if (problem) reason = `IndexedDB held ${problem}; it is replaced on the next save`;
        return snapshot;
      } catch (e) {
        degrade(`IndexedDB failed to open or read (${(e as Error).name}): ${(e as Error).message}`);
        return null;
      }
    },
    save(snapshot, replace = false) {
      if (!store) return;
      pending = snapshot;
      replacing ||= replace;
      // A write at once unless one started within the window: a reload kills the worker before a
      // pagehide flush commits, so a swipe must not wait out the window after a quiet spell.
      timer ??= setTimeout(() => void flush(), Math.max(0, lastWrite + FLUSH_DELAY_MS - Date.now()));
    },
    flush,
  };
}
