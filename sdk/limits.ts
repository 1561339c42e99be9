/** Hard limits (docs/MODEL.md#limits); past one, calls fail with LIMIT_EXCEEDED. */
export const LIMITS = {
  poolSize: 65_536,
  embeddingDim: 256,
  depth: { min: 1, max: 16 },
  beamWidth: { min: 1, max: 64 },
  /** The lower bound of `shortlist` is `depth`. */
  shortlistMax: 1_024,
  /** Shown ids remembered (and persisted) per session. */
  shownIds: 5_000,
} as const;
