/** Every failure the SDK reports carries one of these codes. */
export type SwiperankErrorCode =
  | 'INVALID_CANDIDATE'
  | 'DUPLICATE_ID'
  | 'LIMIT_EXCEEDED'
  | 'BAD_OPTION'
  | 'WEBGPU_UNAVAILABLE'
  | 'WORKER_FAILED'
  | 'TIMEOUT'
  | 'DISPOSED';

const CODES: ReadonlySet<string> = new Set<SwiperankErrorCode>([
  'INVALID_CANDIDATE', 'DUPLICATE_ID', 'LIMIT_EXCEEDED', 'BAD_OPTION',
  'WEBGPU_UNAVAILABLE', 'WORKER_FAILED', 'TIMEOUT', 'DISPOSED',
]);

/** The one error type of the SDK: `code` says what went wrong, the message names the id, field and value. */
export class SwiperankError extends Error {
  readonly code: SwiperankErrorCode;
  constructor(code: SwiperankErrorCode, message: string) {
    super(message);
    this.name = 'SwiperankError';
    this.code = code;
  }
}

/** True for a SwiperankError, or for an error rebuilt from one after crossing a worker boundary. */
export function isSwiperankError(e: unknown): e is SwiperankError {
  return e instanceof Error && CODES.has((e as { code?: string }).code ?? '');
}

/** Formats a value for an error message: strings quoted, numbers as written, long arrays shortened. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const arr = Array.from(value as ArrayLike<unknown>);
    return `[${arr.slice(0, 4).map(show).join(', ')}${arr.length > 4 ? `, … (${arr.length} items)` : ''}]`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
