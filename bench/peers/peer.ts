import type { Feedback, PersonalizationOptions, ResolvedOptions } from 'swiperank';
import type { PoolColumns } from '../src/data.js';

/** A plan as a peer computes it: ids first to show first, the sequence value, and its own timing. */
export interface PeerPlan {
  ids: string[];
  value: number;
  /** Time spent computing the plan (readback included), without the feedback update. */
  planMs: number;
}

/** A re-implementation of the swiperank model that the bench races against the SDK. */
export interface Peer {
  ingest(columns: PoolColumns): Promise<void>;
  plan(): Promise<PeerPlan>;
  /** Records the feedback (interest update, marks shown), then replans: the SDK's `swipe`. */
  swipe(event: Feedback): Promise<PeerPlan>;
  dispose(): void;
}

/** Peers plan with a fixed numeric `tail` and `wSwipe` (the bench's cells set them), so they need not re-derive `T`. */
export type PeerOptions = ResolvedOptions & { fusion: { kind: 'moc'; wSwipe: number }; lookahead: { tail: number } };

/** Feedback signal of docs/MODEL.md#personalisation: +2 convert, +1 long view, +0.25 view, -0.5 skip. */
export function feedbackSignal(event: Feedback, p: PersonalizationOptions): number {
  if (event.converted) return 2;
  if (event.longView ?? event.dwellMs >= p.longViewMs) return 1;
  return event.dwellMs < p.skipMs ? -0.5 : 0.25;
}

/** `u <- decay u + rate signal e`, then clipped to `|u| <= 1`; the same arithmetic order as the SDK. */
export function moveInterest(u: Float64Array, e: ArrayLike<number>, signal: number, p: PersonalizationOptions): void {
  const step = p.rate * signal;
  let norm2 = 0;
  for (let k = 0; k < u.length; k++) {
    u[k] = p.decay * u[k]! + step * e[k]!;
    norm2 += u[k]! * u[k]!;
  }
  if (norm2 > 1) {
    const inv = 1 / Math.sqrt(norm2);
    for (let k = 0; k < u.length; k++) u[k]! *= inv;
  }
}

/** Stored embeddings are L2-normalised as the SDK's validation does it (multiply by 1/|e|). */
export function normalised(src: Float64Array, offset: number, dim: number): number[] {
  let norm2 = 0;
  for (let d = 0; d < dim; d++) norm2 += src[offset + d]! * src[offset + d]!;
  const e = Array.from(src.subarray(offset, offset + dim));
  if (norm2 > 0) {
    const inv = 1 / Math.sqrt(norm2);
    for (let d = 0; d < dim; d++) e[d]! *= inv;
  }
  return e;
}
