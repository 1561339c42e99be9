import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { PersistenceStatus } from './types.js';

/** What survives a reload: the interest state and the most recent shown ids. */
export interface SessionSnapshot {
  version: 1;
  embeddingDim: number;
  interest: number[];
  shownIds: string[];
  last: { embedding: number[]; category: number; hasCategory: boolean } | null;
}

/** Saves snapshots in one idb-keyval store, batched; degrades to memory on any IndexedDB fault. */
export interface SessionStore {
  readonly status: PersistenceStatus;
  readonly reason?: string;
  load(): Promise<SessionSnapshot | null>;
  /** Schedules a write of the latest snapshot; writes are coalesced. */
  save(snapshot: () => SessionSnapshot): void;
  /** Writes what is pending now. */
  flush(): Promise<void>;
}

const FLUSH_DELAY_MS = 400;

function isSnapshot(x: unknown, dim: number): x is SessionSnapshot {
  const s = x as SessionSnapshot;
  return typeof s === 'object' && s !== null && s.version === 1 && s.embeddingDim === dim
    && Array.isArray(s.interest) && s.interest.length === dim && s.interest.every(Number.isFinite)
    && Array.isArray(s.shownIds) && s.shownIds.every((id) => typeof id === 'string')
    && (s.last === null || (typeof s.last === 'object' && Array.isArray(s.last.embedding)
      && s.last.embedding.length === dim && typeof s.last.category === 'number'));
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

/** A store named `name` in IndexedDB, or memory where IndexedDB is missing or fails. */
export function indexedDbStore(name: string, embeddingDim: number): SessionStore {
  let store: UseStore | null = null;
  let status: PersistenceStatus = 'indexeddb';
  let reason: string | undefined;
  let pending: (() => SessionSnapshot) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let writing: Promise<void> = Promise.resolve();
  const key = 'session';

  const degrade = (why: string) => {
    status = 'memory';
    reason = why;
    store = null;
    pending = null;
  };

  try {
    if (typeof indexedDB === 'undefined') degrade('IndexedDB is not available here');
    else store = createStore(`swiperank:${name}`, 'state');
  } catch (e) {
    degrade(`IndexedDB failed to open: ${(e as Error).message}`);
  }

  const flush = async (): Promise<void> => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const next = pending;
    pending = null;
    if (!next || !store) return writing;
    const target = store;
    writing = writing.then(() => set(key, next(), target)).catch((e: Error) => {
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
        const raw: unknown = await get(key, store);
        if (raw === undefined) return null;
        if (!isSnapshot(raw, embeddingDim)) {
          degrade('IndexedDB held a corrupt or incompatible session; starting fresh in memory');
          return null;
        }
        return raw;
      } catch (e) {
        degrade(`IndexedDB read failed (${(e as Error).name}): ${(e as Error).message}`);
        return null;
      }
    },
    save(snapshot) {
      if (!store) return;
      pending = snapshot;
      timer ??= setTimeout(() => void flush(), FLUSH_DELAY_MS);
    },
    flush,
  };
}
