import { details, SwiperankError, show } from './errors.js';
import { LIMITS } from './limits.js';
import type {
  BackendMode, ClassicFusion, LookaheadOptions, MocFusion, Objectives, PersonalizationOptions,
  RerankerOptions, ResolvedOptions,
} from './types.js';

export const DEFAULT_FUSION: MocFusion = { kind: 'moc', wCvr: 1, wView: 0.25, wSwipe: 'auto', gamma: 0.5 };
export const DEFAULT_LOOKAHEAD: LookaheadOptions = {
  depth: 4, beamWidth: 8, shortlist: 64, rho: 0.5, phi: 0.35, tail: 'auto',
};
export const DEFAULT_PERSONALIZATION: PersonalizationOptions = {
  strength: 1, decay: 0.9, rate: 0.2, satiation: 1, satiationDecay: 0.75, skipMs: 1_500, longViewMs: 4_000,
};
export const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * Plannable candidates kept before the oldest unshown ones are evicted: a plan's cost grows with
 * the pool, and a feed of pages of 200 reaches this after about 50 pages.
 */
export const DEFAULT_MAX_POOL_SIZE = 10_000;

const ONES: Objectives = { cvr: 1, vtr: 1, sdr: 1 };
const ZEROS: Objectives = { cvr: 0, vtr: 0, sdr: 0 };

function bad(field: string, value: unknown, rule: string): never {
  throw new SwiperankError('BAD_OPTION', `options.${field} ${rule}, got ${show(value)}`,
    details({ field: `options.${field}`, value, rule }));
}

function finite(field: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) bad(field, value, 'must be a finite number');
  if (value < min || value > max) bad(field, value, `must be in [${min}, ${max}]`);
  return value;
}

function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) bad(field, value, 'must be an integer');
  if (value < min || value > max) {
    throw new SwiperankError('LIMIT_EXCEEDED', `options.${field} must be in [${min}, ${max}], got ${show(value)}`,
      details({ field: `options.${field}`, value, rule: `must be in [${min}, ${max}]` }));
  }
  return value;
}

function objectives(field: string, value: unknown, fallback: Objectives, min = -Infinity): Objectives {
  if (value === undefined) return { ...fallback };
  if (typeof value !== 'object' || value === null) bad(field, value, 'must be { cvr, vtr, sdr }');
  const o = object(field, value, OBJECTIVE_KEYS) as Partial<Objectives>;
  return {
    cvr: finite(`${field}.cvr`, o.cvr ?? fallback.cvr, min),
    vtr: finite(`${field}.vtr`, o.vtr ?? fallback.vtr, min),
    sdr: finite(`${field}.sdr`, o.sdr ?? fallback.sdr, min),
  };
}

function object(field: string, value: unknown, known?: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(field, value, 'must be an object');
  // A misspelt key (`lookahead: { dept: 6 }`) would otherwise be a silent default.
  for (const key of known ? Object.keys(value) : []) {
    if (!known!.includes(key)) bad(field ? `${field}.${key}` : key, (value as Record<string, unknown>)[key], `is not an option (known: ${known!.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

const OBJECTIVE_KEYS = ['cvr', 'vtr', 'sdr'];
/** Every top-level option; the `satisfies` keeps the list in step with `RerankerOptions`. */
const OPTION_KEYS = Object.keys({
  backend: 1, worker: 1, embeddingDim: 1, fusion: 1, lookahead: 1, personalization: 1, persistence: 1,
  workerUrl: 1, createWorker: 1, timeoutMs: 1, maxPoolSize: 1, lowWater: 1,
} satisfies Record<keyof RerankerOptions, 1>);
const MOC_KEYS = Object.keys(DEFAULT_FUSION);
const CLASSIC_KEYS = [...MOC_KEYS.filter((k) => k !== 'wSwipe'), 'weights', 'alpha', 'beta'];

function resolveFusion(value: unknown): ResolvedOptions['fusion'] {
  const f = object('fusion', value);
  const kind = f.kind ?? 'moc';
  object('fusion', value, kind === 'moc' ? MOC_KEYS : CLASSIC_KEYS);
  const reward = {
    wCvr: finite('fusion.wCvr', f.wCvr ?? DEFAULT_FUSION.wCvr),
    wView: finite('fusion.wView', f.wView ?? DEFAULT_FUSION.wView),
    gamma: finite('fusion.gamma', f.gamma ?? DEFAULT_FUSION.gamma),
  };
  if (kind === 'moc') {
    const wSwipe = f.wSwipe ?? DEFAULT_FUSION.wSwipe;
    return { kind, ...reward, wSwipe: wSwipe === 'auto' ? 'auto' : finite('fusion.wSwipe', wSwipe) };
  }
  if (kind !== 'weighted-sum' && kind !== 'product' && kind !== 'rank') {
    bad('fusion.kind', kind, "must be 'moc', 'weighted-sum', 'product' or 'rank'");
  }
  if (f.weights === undefined) bad('fusion.weights', undefined, `is required for kind ${show(kind)}`);
  // product raises (1 + w p) to a real power, so a negative base must be impossible.
  const weights = objectives('fusion.weights', f.weights, ONES, kind === 'product' ? 0 : -Infinity);
  const resolved: Required<ClassicFusion> = {
    kind,
    weights,
    alpha: objectives('fusion.alpha', f.alpha, ONES),
    beta: objectives('fusion.beta', f.beta, ZEROS, 0),
    ...reward,
  };
  return resolved;
}

function resolveLookahead(value: unknown): LookaheadOptions {
  const l = object('lookahead', value, Object.keys(DEFAULT_LOOKAHEAD));
  const depth = integer('lookahead.depth', l.depth ?? DEFAULT_LOOKAHEAD.depth, LIMITS.depth.min, LIMITS.depth.max);
  const beamWidth = integer('lookahead.beamWidth', l.beamWidth ?? DEFAULT_LOOKAHEAD.beamWidth,
    LIMITS.beamWidth.min, LIMITS.beamWidth.max);
  const shortlist = integer('lookahead.shortlist', l.shortlist ?? Math.max(DEFAULT_LOOKAHEAD.shortlist, depth),
    depth, LIMITS.shortlistMax);
  const tail = l.tail ?? DEFAULT_LOOKAHEAD.tail;
  return {
    depth, beamWidth, shortlist,
    rho: finite('lookahead.rho', l.rho ?? DEFAULT_LOOKAHEAD.rho, 0, 1),
    phi: finite('lookahead.phi', l.phi ?? DEFAULT_LOOKAHEAD.phi, 0, 1),
    tail: tail === 'auto' ? 'auto' : finite('lookahead.tail', tail, 0),
  };
}

function resolvePersonalization(value: unknown): PersonalizationOptions | false {
  if (value === false) return false;
  const p = object('personalization', value, Object.keys(DEFAULT_PERSONALIZATION));
  const skipMs = finite('personalization.skipMs', p.skipMs ?? DEFAULT_PERSONALIZATION.skipMs, 0);
  return {
    strength: finite('personalization.strength', p.strength ?? DEFAULT_PERSONALIZATION.strength),
    decay: finite('personalization.decay', p.decay ?? DEFAULT_PERSONALIZATION.decay, 0, 1),
    rate: finite('personalization.rate', p.rate ?? DEFAULT_PERSONALIZATION.rate, 0),
    satiation: finite('personalization.satiation', p.satiation ?? DEFAULT_PERSONALIZATION.satiation, 0),
    satiationDecay: finite('personalization.satiationDecay', p.satiationDecay ?? DEFAULT_PERSONALIZATION.satiationDecay, 0, 1),
    skipMs,
    longViewMs: finite('personalization.longViewMs',
      p.longViewMs ?? Math.max(DEFAULT_PERSONALIZATION.longViewMs, skipMs), skipMs),
  };
}

function resolveBackend(value: unknown): BackendMode {
  if (value !== 'auto' && value !== 'webgpu' && value !== 'cpu') bad('backend', value, "must be 'auto', 'webgpu' or 'cpu'");
  return value;
}

/** Validates options and fills in every default; throws BAD_OPTION or LIMIT_EXCEEDED naming the field. */
export function resolveOptions(options: RerankerOptions = {}): ResolvedOptions {
  const o = object('', options, OPTION_KEYS) as RerankerOptions;
  const backend = resolveBackend(o.backend ?? 'auto');
  let persistence: ResolvedOptions['persistence'] = false;
  if (o.persistence !== undefined && o.persistence !== false) {
    const name = object('persistence', o.persistence, ['name']).name;
    if (typeof name !== 'string' || name.length === 0) bad('persistence.name', name, 'must be a non-empty string');
    persistence = { name };
  }
  return {
    backend,
    embeddingDim: integer('embeddingDim', o.embeddingDim ?? 0, 0, LIMITS.embeddingDim),
    fusion: resolveFusion(o.fusion),
    lookahead: resolveLookahead(o.lookahead),
    personalization: resolvePersonalization(o.personalization),
    persistence,
    timeoutMs: finite('timeoutMs', o.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1),
    maxPoolSize: integer('maxPoolSize', o.maxPoolSize ?? DEFAULT_MAX_POOL_SIZE, 1, LIMITS.poolSize),
  };
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
}

/**
 * Every option as `createReranker({})` resolves it (read-only): what a field left out takes.
 * A classic fusion kind has no default `weights`; its `alpha` and `beta` default to 1 and 0.
 */
export const DEFAULT_OPTIONS: Readonly<ResolvedOptions> = /* @__PURE__ */ deepFreeze(resolveOptions());

/** The options `configure()` may change on a live reranker. */
export type TunableOptions = Pick<RerankerOptions, 'backend' | 'fusion' | 'lookahead' | 'personalization'>;

/** Applies a `configure()` patch: given sections replace the current ones, field by field for lookahead. */
export function reconfigure(current: ResolvedOptions, patch: TunableOptions): ResolvedOptions {
  const p = object('', patch) as TunableOptions;
  for (const key of Object.keys(p)) {
    if (key !== 'backend' && key !== 'fusion' && key !== 'lookahead' && key !== 'personalization') {
      bad(key, (p as Record<string, unknown>)[key], 'cannot be changed by configure()');
    }
  }
  return {
    ...current,
    backend: p.backend !== undefined ? resolveBackend(p.backend) : current.backend,
    fusion: p.fusion !== undefined ? resolveFusion(p.fusion) : current.fusion,
    lookahead: p.lookahead !== undefined
      ? resolveLookahead({ ...current.lookahead, ...object('lookahead', p.lookahead) })
      : current.lookahead,
    personalization: p.personalization !== undefined
      ? resolvePersonalization(p.personalization)
      : current.personalization,
  };
}
