/**
 * Runs in the page (Playwright's `evaluate`, webdriverio's `execute`): how many ids the SDK
 * has stored as shown for the demo session `session` (as 32-bit hashes, one per id); 0 until
 * its batched write lands. Self-contained, as the drivers send its source text.
 */
export function storedShownCount(session: string | null): Promise<number> {
  return new Promise<number>((resolve) => {
    const open = indexedDB.open(`swiperank:demo-${session}`);
    open.onerror = () => resolve(0);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('state')) return resolve(0);
      const get = db.transaction('state').objectStore('state').get('session');
      get.onsuccess = () => resolve((get.result as { shown?: Uint32Array } | undefined)?.shown?.length ?? 0);
      get.onerror = () => resolve(0);
    };
  });
}
