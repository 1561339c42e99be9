/** Hard limits (docs/MODEL.md#limits); past one, calls fail with LIMIT_EXCEEDED. */
export const LIMITS = {
  poolSize: 65_536,
  embeddingDim: 256,
  depth: { min: 1, max: 16 },
  beamWidth: { min: 1, max: 64 },
  /** The lower bound of `shortlist` is `depth`. */
  shortlistMax: 1_024,
  /** Shown ids remembered (and persisted, as 32-bit hashes) per session; the oldest drop first. */
  shownIds: 131_072,
  /** Largest candidate `value`: `value ** gamma` must stay finite in float32 on the GPU. */
  maxValue: 1e12,
} as const;
