/**
 * The benchmark page. `bench/run.mjs` drives it through `window.swiperankBench`, one row
 * of one cell per call, so the driver can print progress and enforce the time budget.
 */
import { generatePool, type PoolColumns } from './data.js';
import { coldStart, runRow, type CellSpec, type ColdStart, type Reference, type RowResult, type RowSpec } from './rows.js';

export interface PageInfo {
  userAgent: string;
  hardwareConcurrency: number;
  webgpu: boolean;
  adapter?: {
    vendor: string; architecture: string; device: string; description: string;
    isFallbackAdapter?: boolean; features: string[]; limits: Record<string, number>;
  };
  adapterError?: string;
}

export interface BenchApi {
  pageInfo(): Promise<PageInfo>;
  runRow(spec: RowSpec): Promise<RowResult>;
  coldStart(spec: { mode: ColdStart['mode']; cell: CellSpec; budgetMs: number }): Promise<ColdStart>;
}

/** The cell whose pool is in memory, with its CPU reference once recorded; one at a time (65,536 x 32 is 16 MB). */
let current: { key: string; cols: PoolColumns; reference: Reference | null } | null = null;

function cellData(cell: CellSpec) {
  const key = JSON.stringify(cell);
  if (current?.key !== key) current = { key, cols: generatePool(cell.pool, cell.embeddingDim, cell.seed), reference: null };
  return current;
}

const LIMIT_NAMES = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension',
] as const;

const api: BenchApi = {
  async pageInfo() {
    const info: PageInfo = {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      webgpu: 'gpu' in navigator,
    };
    try {
      const adapter = await navigator.gpu?.requestAdapter();
      if (adapter) {
        const a = adapter.info;
        info.adapter = {
          vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description,
          isFallbackAdapter: (a as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter,
          features: Array.from(adapter.features).sort(),
          limits: Object.fromEntries(LIMIT_NAMES.map((n) => [n, adapter.limits[n]])),
        };
      } else {
        info.adapterError = 'requestAdapter() returned null';
      }
    } catch (e) {
      info.adapterError = String(e);
    }
    return info;
  },

  coldStart: ({ mode, cell, budgetMs }) => coldStart(mode, cell, cellData(cell).cols, budgetMs),

  async runRow(spec) {
    const data = cellData(spec.cell);
    if (spec.row !== 'swiperank-cpu' && !data.reference) {
      throw new Error('run the swiperank-cpu row of a cell first: it records the reference plans');
    }
    const { result, reference } = await runRow(spec, data.cols, spec.row === 'swiperank-cpu' ? null : data.reference);
    if (reference) data.reference = reference;
    return result;
  },
};

declare global {
  interface Window {
    swiperankBench: BenchApi;
  }
}

window.swiperankBench = api;
document.getElementById('status')!.textContent = 'ready';
