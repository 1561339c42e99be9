/** Every failure the SDK reports carries one of these codes. */
export type SwiperankErrorCode =
  | 'INVALID_CANDIDATE'
  | 'DUPLICATE_ID'
  | 'ALREADY_SHOWN'
  | 'LIMIT_EXCEEDED'
  | 'BAD_OPTION'
  | 'WEBGPU_UNAVAILABLE'
  | 'WORKER_FAILED'
  | 'TIMEOUT'
  | 'DISPOSED';

const CODES: ReadonlySet<string> = new Set<SwiperankErrorCode>([
  'INVALID_CANDIDATE', 'DUPLICATE_ID', 'ALREADY_SHOWN', 'LIMIT_EXCEEDED', 'BAD_OPTION',
  'WEBGPU_UNAVAILABLE', 'WORKER_FAILED', 'TIMEOUT', 'DISPOSED',
]);

/**
 * What a program needs to act on an error without reading its message: the candidate's `id`
 * and batch `row`, the `field` (`pCvr`, `embedding[3]`, `options.lookahead.depth`), the
 * offending `value` and the `rule` it broke. Long strings are cut to {@link MAX_SHOWN_CHARS} characters.
 */
export interface SwiperankErrorDetails {
  id?: string;
  row?: number;
  field?: string;
  value?: unknown;
  /** What `field` must be, in words: `must be in [0, 1]`. */
  rule?: string;
}

/** Strings in messages and details are cut to this many characters: a 1 MB id makes no 1 MB message. */
export const MAX_SHOWN_CHARS = 200;

/** The one error type of the SDK: `code` says what went wrong, `details` where, the message both in words. */
export class SwiperankError extends Error {
  readonly code: SwiperankErrorCode;
  readonly details: SwiperankErrorDetails;
  constructor(code: SwiperankErrorCode, message: string, details: SwiperankErrorDetails = {}) {
    super(message);
    this.name = 'SwiperankError';
    this.code = code;
    this.details = details;
  }
}

/** True for a SwiperankError, or for an error rebuilt from one after crossing a worker boundary. */
export function isSwiperankError(e: unknown): e is SwiperankError {
  return e instanceof Error && CODES.has((e as { code?: string }).code ?? '');
}

function clip(s: string): string {
  return s.length > MAX_SHOWN_CHARS ? `${s.slice(0, MAX_SHOWN_CHARS)}… (${s.length} chars)` : s;
}

/** A value as `details` carries it: primitives as they are (strings cut), anything else as its `show()` text. */
export function detailValue(value: unknown): unknown {
  if (typeof value === 'string') return clip(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return value;
  return show(value);
}

/** Details with the id cut to size and the value made cloneable. */
export function details(d: SwiperankErrorDetails): SwiperankErrorDetails {
  const out: SwiperankErrorDetails = {};
  if (typeof d.id === 'string') out.id = clip(d.id);
  if (d.row !== undefined) out.row = d.row;
  if (d.field !== undefined) out.field = d.field;
  if ('value' in d) out.value = detailValue(d.value);
  if (d.rule !== undefined) out.rule = d.rule;
  return out;
}

/** Formats a value for an error message: strings quoted and cut, numbers as written, long arrays shortened. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > MAX_SHOWN_CHARS
      ? `${JSON.stringify(value.slice(0, MAX_SHOWN_CHARS))}… (${value.length} chars)`
      : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const list = value as ArrayLike<unknown>;
    const head = Array.from({ length: Math.min(4, list.length) }, (_, i) => list[i]);
    return `[${head.map(show).join(', ')}${list.length > 4 ? `, … (${list.length} items)` : ''}]`;
  }
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}… (${text.length} chars)` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
