/**
 * Runs in the page (Playwright's `evaluate`, webdriverio's `execute`): the ids the SDK has
 * stored as shown for the demo session `session`; empty until its batched write lands.
 * Self-contained, as the drivers send its source text.
 */
export function storedShownIds(session: string | null): Promise<string[]> {
  return new Promise<string[]>((resolve) => {
    const open = indexedDB.open(`swiperank:demo-${session}`);
    open.onerror = () => resolve([]);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('state')) return resolve([]);
      const get = db.transaction('state').objectStore('state').get('session');
      get.onsuccess = () => resolve((get.result as { shownIds?: string[] } | undefined)?.shownIds ?? []);
      get.onerror = () => resolve([]);
    };
  });
}
