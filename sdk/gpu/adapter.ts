/** How `info()` names a WebGPU adapter. */
export interface AdapterName {
  /** Vendor, architecture, device and description where the browser gives them; never empty. */
  description: string;
  /**
   * A software or otherwise limited adapter the browser offers when no real GPU qualifies
   * (Firefox on lavapipe reports this, with empty info strings).
   */
  isFallbackAdapter: boolean;
}

/**
 * Names an adapter honestly: its info strings where there are any, and what it is where the
 * browser leaves them empty, e.g. "fallback adapter (no vendor info)".
 */
export function describeAdapter(adapter: GPUAdapter): AdapterName {
  const info = adapter.info;
  // `GPUAdapter.isFallbackAdapter` is the older place for the flag; some engines have only that.
  const isFallbackAdapter = Boolean(info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const named = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ');
  const kind = isFallbackAdapter ? 'fallback adapter' : 'adapter';
  const description = named ? (isFallbackAdapter ? `${kind}: ${named}` : named) : `${kind} (no vendor info)`;
  return { description, isFallbackAdapter };
}
