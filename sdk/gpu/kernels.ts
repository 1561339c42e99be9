import beamSource from '../../shaders/beam.wgsl?raw';
import commonSource from '../../shaders/common.wgsl?raw';
import fuseSource from '../../shaders/fuse.wgsl?raw';
import selectSource from '../../shaders/select.wgsl?raw';
import shortlistSource from '../../shaders/shortlist.wgsl?raw';
import sortSource from '../../shaders/sort.wgsl?raw';
import { elementName } from './layout.js';
import {
  BUFFER_SPECS, MODULE_BINDINGS, PASS, STRUCTS, type Access, type BindingSpec, type ModuleName,
} from './resources.js';
import { SHADER_CONSTANTS, type KernelName } from './schedule.js';
import { assemble, formatMessage, type AssembledModule, type SourcePart } from './wgsl.js';

/** Each module's own files, after the generated declarations and common.wgsl. */
const SOURCES: Record<ModuleName, SourcePart[]> = {
  fuse: [{ file: 'fuse.wgsl', text: fuseSource }],
  sort: [{ file: 'sort.wgsl', text: sortSource }],
  shortlist: [{ file: 'shortlist.wgsl', text: shortlistSource }, { file: 'select.wgsl', text: selectSource }],
  beam: [{ file: 'beam.wgsl', text: beamSource }],
};

type BindingName<M extends ModuleName> = keyof (typeof MODULE_BINDINGS)[M] & string;

/** A kernel: its module, and the module bindings its entry point uses (explicit layouts, no 'auto'). */
interface KernelSpec {
  module: ModuleName;
  uses: readonly string[];
}

/** Checks each name against the module's binding table. */
const kernel = <M extends ModuleName>(module: M, uses: readonly BindingName<M>[]): KernelSpec => ({ module, uses });

export const KERNELS: Record<KernelName, KernelSpec> = {
  fuse: kernel('fuse', ['plan', 'slots', 'embedding', 'shown', 'vectors', 'fused', 'stageKeys', 'rankKeys', 'selectScratch']),
  rankScatter: kernel('fuse', ['plan', 'rankKeys', 'ranks']),
  rankScore: kernel('fuse', ['plan', 'shown', 'fused', 'stageKeys', 'ranks', 'selectScratch']),
  radixCount: kernel('sort', ['sortPass', 'source', 'digitCounts']),
  radixScan: kernel('sort', ['sortPass', 'digitCounts']),
  radixScatter: kernel('sort', ['sortPass', 'source', 'sorted', 'digitCounts']),
  selectShortlist: kernel('shortlist', [
    'plan', 'slots', 'embedding', 'fused', 'keys', 'shortlist', 'shortEmbedding', 'selectScratch']),
  expandFirst: kernel('beam', [
    'plan', 'vectors', 'shortlist', 'shortEmbedding', 'beams', 'rowCache', 'candidates', 'continuation']),
  expandFill: kernel('beam', [
    'plan', 'shortlist', 'shortEmbedding', 'beams', 'rowCache', 'candidates', 'continuation']),
  expand: kernel('beam', [
    'beamPass', 'plan', 'vectors', 'shortlist', 'shortEmbedding', 'beams', 'rowCache', 'candidates', 'continuation']),
  selectBeams: kernel('beam', [
    'beamPass', 'plan', 'shortlist', 'shortEmbedding', 'beams', 'rowCache', 'candidates', 'continuation', 'planOut']),
};

/** A binding of one module: its number (its place in the module's table) and how it is declared. */
export interface Binding extends BindingSpec {
  name: string;
  binding: number;
}

export function moduleBindings(module: ModuleName): Binding[] {
  return Object.entries(MODULE_BINDINGS[module] as Record<string, BindingSpec>)
    .map(([name, spec], binding) => ({ name, binding, ...spec }));
}

const ADDRESS_SPACE: Record<Access, string> = {
  uniform: 'uniform', pass: 'uniform', read: 'storage, read', write: 'storage, read_write', atomic: 'storage, read_write',
};

function declaredType({ access, buffer }: Binding): string {
  const spec = BUFFER_SPECS[buffer];
  if (access === 'pass') return PASS.name;
  if (access === 'atomic') return 'array<atomic<u32>>';
  if (access === 'uniform' || spec.single) return elementName(spec.element);
  return `array<${elementName(spec.element)}>`;
}

/** The `@binding` declarations of a module, from its table. */
export function bindingDeclarations(module: ModuleName): string {
  return moduleBindings(module).map((b) => `${b.doc ? `// ${b.doc}\n` : ''}`
    + `@group(0) @binding(${b.binding}) var<${ADDRESS_SPACE[b.access]}> ${b.name}: ${declaredType(b)};`).join('\n');
}

/** The shared sizes as WGSL consts, then every struct. */
const DECLARATIONS = [
  ...Object.entries(SHADER_CONSTANTS).map(([name, value]) => `const ${name}: u32 = ${value}u;`),
  ...STRUCTS.map((s) => s.wgsl),
].join('\n');

export function moduleSource(name: ModuleName): AssembledModule {
  return assemble([
    { file: 'declarations (sdk/gpu/resources.ts, schedule.ts)', text: DECLARATIONS },
    { file: 'common.wgsl', text: commonSource },
    { file: `bindings of ${name} (sdk/gpu/resources.ts)`, text: bindingDeclarations(name) },
    ...SOURCES[name],
  ]);
}

export interface Kernel {
  /** The bindings the kernel's layout holds, in binding order. */
  bindings: Binding[];
  layout: GPUBindGroupLayout;
  pipeline: GPUComputePipeline;
}

function layoutEntry({ binding, access }: Binding): GPUBindGroupLayoutEntry {
  const buffer: GPUBufferBindingLayout = access === 'uniform' ? { type: 'uniform' }
    : access === 'pass' ? { type: 'uniform', hasDynamicOffset: true }
      : { type: access === 'read' ? 'read-only-storage' : 'storage' };
  return { binding, visibility: GPUShaderStage.COMPUTE, buffer };
}

/**
 * Compiles the WGSL modules and every kernel's pipeline with createComputePipelineAsync,
 * concurrently and once per device, so that building them never blocks the worker. A
 * compile error is reported with the compiler's messages, at the file and line they name.
 */
export async function createKernels(device: GPUDevice): Promise<Record<KernelName, Kernel>> {
  const names = Object.keys(SOURCES) as ModuleName[];
  const sources = Object.fromEntries(names.map((name) => [name, moduleSource(name)])) as Record<ModuleName, AssembledModule>;
  const modules = Object.fromEntries(names.map((name) => [
    name, device.createShaderModule({ label: `swiperank.${name}.wgsl`, code: sources[name].code }),
  ])) as Record<ModuleName, GPUShaderModule>;
  const kernels = Object.keys(KERNELS) as KernelName[];
  try {
    const built = await Promise.all(kernels.map(async (name): Promise<Kernel> => {
      const spec = KERNELS[name];
      const uses = new Set<string>(spec.uses);
      const bindings = moduleBindings(spec.module).filter((b) => uses.has(b.name));
      const layout = device.createBindGroupLayout({ label: `swiperank.${name}.bindings`, entries: bindings.map(layoutEntry) });
      const pipeline = await device.createComputePipelineAsync({
        label: `swiperank.${name}`,
        layout: device.createPipelineLayout({ label: `swiperank.${name}.layout`, bindGroupLayouts: [layout] }),
        compute: { module: modules[spec.module], entryPoint: name },
      });
      return { bindings, layout, pipeline };
    }));
    return Object.fromEntries(kernels.map((name, i) => [name, built[i]!])) as Record<KernelName, Kernel>;
  } catch (e) {
    const messages: string[] = [];
    for (const name of names) {
      for (const m of (await modules[name].getCompilationInfo()).messages) {
        if (m.type === 'error') messages.push(formatMessage(sources[name], m));
      }
    }
    throw new Error(`WebGPU pipelines failed to build: ${(e as Error).message}${messages.length ? `\n${messages.join('\n')}` : ''}`);
  }
}
