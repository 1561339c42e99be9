import beamSource from '../../shaders/beam.wgsl?raw';
import commonSource from '../../shaders/common.wgsl?raw';
import fuseSource from '../../shaders/fuse.wgsl?raw';
import shortlistSource from '../../shaders/shortlist.wgsl?raw';
import sortSource from '../../shaders/sort.wgsl?raw';
import { SHADER_CONSTANTS, type BufferName, type KernelName } from './schedule.js';
import { assemble, formatMessage, type AssembledModule } from './wgsl.js';

type ModuleName = 'fuse' | 'sort' | 'shortlist' | 'beam';
type BindingType = 'uniform' | 'pass' | 'read' | 'write';

const SOURCES: Record<ModuleName, string> = {
  fuse: fuseSource, sort: sortSource, shortlist: shortlistSource, beam: beamSource,
};

/** The shared sizes as WGSL consts, ahead of common.wgsl in every module. */
const CONSTANTS = Object.entries(SHADER_CONSTANTS).map(([name, value]) => `const ${name}: u32 = ${value}u;`).join('\n');

function moduleSource(name: ModuleName): AssembledModule {
  return assemble([
    { file: 'constants (sdk/gpu/schedule.ts)', text: CONSTANTS },
    { file: 'common.wgsl', text: commonSource },
    { file: `${name}.wgsl`, text: SOURCES[name] },
  ]);
}

/** A binding of a kernel: its number in @group(0), its type, and the buffer bound by default. */
type Binding = readonly [binding: number, type: BindingType, buffer: BufferName];

interface KernelSpec {
  module: ModuleName;
  bindings: readonly Binding[];
}

/** Each kernel's entry point and exactly the bindings it uses (explicit layouts, no 'auto'). */
export const KERNELS: Record<KernelName, KernelSpec> = {
  fuse: {
    module: 'fuse',
    bindings: [[0, 'uniform', 'plan'], [1, 'read', 'slots'], [2, 'read', 'embedding'], [3, 'read', 'shown'],
      [4, 'read', 'vectors'], [5, 'write', 'fused'], [6, 'write', 'stageKeys'], [7, 'write', 'rankKeys']],
  },
  rankScatter: {
    module: 'fuse',
    bindings: [[0, 'uniform', 'plan'], [7, 'write', 'rankKeys'], [8, 'write', 'ranks']],
  },
  rankScore: {
    module: 'fuse',
    bindings: [[0, 'uniform', 'plan'], [3, 'read', 'shown'], [5, 'write', 'fused'], [6, 'write', 'stageKeys'],
      [8, 'write', 'ranks']],
  },
  radixCount: {
    module: 'sort',
    bindings: [[0, 'pass', 'passes'], [1, 'read', 'stageKeys'], [3, 'write', 'digitCounts']],
  },
  radixScan: { module: 'sort', bindings: [[0, 'pass', 'passes'], [3, 'write', 'digitCounts']] },
  radixScatter: {
    module: 'sort',
    bindings: [[0, 'pass', 'passes'], [1, 'read', 'stageKeys'], [2, 'write', 'sortScratch'], [3, 'write', 'digitCounts']],
  },
  gather: {
    module: 'shortlist',
    bindings: [[0, 'uniform', 'plan'], [1, 'read', 'slots'], [2, 'read', 'embedding'], [3, 'read', 'fused'],
      [4, 'read', 'stageKeys'], [5, 'write', 'shortlist'], [6, 'write', 'shortEmbedding'], [7, 'write', 'scalars']],
  },
  expand: {
    module: 'beam',
    bindings: [[0, 'pass', 'passes'], [1, 'uniform', 'plan'], [2, 'read', 'vectors'], [3, 'read', 'shortlist'],
      [4, 'read', 'shortEmbedding'], [5, 'read', 'scalars'], [6, 'write', 'beams'], [8, 'write', 'continuation'],
      [10, 'write', 'candidates'], [11, 'write', 'rowCache']],
  },
  prepareStep: {
    module: 'beam',
    bindings: [[0, 'pass', 'passes'], [1, 'uniform', 'plan'], [2, 'read', 'vectors'], [3, 'read', 'shortlist'],
      [4, 'read', 'shortEmbedding'], [6, 'write', 'beams'], [11, 'write', 'rowCache']],
  },
  keepBest: {
    module: 'beam',
    bindings: [[0, 'pass', 'passes'], [1, 'uniform', 'plan'], [7, 'write', 'beamTop'], [10, 'write', 'candidates']],
  },
  prune: {
    module: 'beam',
    bindings: [[0, 'pass', 'passes'], [1, 'uniform', 'plan'], [3, 'read', 'shortlist'], [6, 'write', 'beams'],
      [7, 'write', 'beamTop'], [8, 'write', 'continuation'], [11, 'write', 'rowCache']],
  },
  writePlan: {
    module: 'beam',
    bindings: [[1, 'uniform', 'plan'], [3, 'read', 'shortlist'], [5, 'read', 'scalars'], [6, 'write', 'beams'],
      [9, 'write', 'planOut']],
  },
};

export interface Kernel {
  spec: KernelSpec;
  layout: GPUBindGroupLayout;
  pipeline: GPUComputePipeline;
}

function layoutEntry([binding, type]: Binding): GPUBindGroupLayoutEntry {
  const buffer: GPUBufferBindingLayout = type === 'uniform' ? { type: 'uniform' }
    : type === 'pass' ? { type: 'uniform', hasDynamicOffset: true }
      : { type: type === 'read' ? 'read-only-storage' : 'storage' };
  return { binding, visibility: GPUShaderStage.COMPUTE, buffer };
}

/**
 * Compiles the four WGSL modules and every kernel's pipeline, concurrently and once per
 * device. A compile error is reported with the compiler's messages.
 */
export async function createKernels(device: GPUDevice): Promise<Record<KernelName, Kernel>> {
  const modules = {} as Record<ModuleName, GPUShaderModule>;
  const sources = {} as Record<ModuleName, AssembledModule>;
  for (const name of Object.keys(SOURCES) as ModuleName[]) {
    sources[name] = moduleSource(name);
    modules[name] = device.createShaderModule({ label: `swiperank.${name}.wgsl`, code: sources[name].code });
  }
  const names = Object.keys(KERNELS) as KernelName[];
  try {
    const built = await Promise.all(names.map(async (name): Promise<Kernel> => {
      const spec = KERNELS[name];
      const layout = device.createBindGroupLayout({ label: `swiperank.${name}.bindings`, entries: spec.bindings.map(layoutEntry) });
      const pipeline = await device.createComputePipelineAsync({
        label: `swiperank.${name}`,
        layout: device.createPipelineLayout({ label: `swiperank.${name}.layout`, bindGroupLayouts: [layout] }),
        compute: { module: modules[spec.module], entryPoint: name },
      });
      return { spec, layout, pipeline };
    }));
    return Object.fromEntries(names.map((name, i) => [name, built[i]!])) as Record<KernelName, Kernel>;
  } catch (e) {
    const messages: string[] = [];
    for (const name of Object.keys(modules) as ModuleName[]) {
      for (const m of (await modules[name].getCompilationInfo()).messages) {
        if (m.type === 'error') messages.push(formatMessage(sources[name], m));
      }
    }
    throw new Error(`WebGPU pipelines failed to build: ${(e as Error).message}${messages.length ? `\n${messages.join('\n')}` : ''}`);
  }
}
