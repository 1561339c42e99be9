/** Starts the worker inlined in the package (a `blob:` URL): loaded, as its own chunk, only when first needed. */
export async function startBundledWorker(): Promise<Worker> {
  const { default: BundledWorker } = await import('./worker.ts?worker&inline');
  return new BundledWorker({ name: 'swiperank' });
}
