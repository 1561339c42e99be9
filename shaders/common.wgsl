// Prepended to every module, after the sizes shared with the TypeScript side (RADIX,
// WORKGROUP, MAX_DEPTH, FUSION_*, ...; see SHADER_CONSTANTS in sdk/gpu/schedule.ts): the
// plan-wide parameters, the per-pass parameters and the one order every selection uses
// (higher score first, then lower index).
// SwiftShader pays dearly per workgroup barrier, so the kernels use few: data-parallel
// work is barrier-free, and short sequential loops stand in for barrier-heavy networks.

struct PlanParams {
  // Pool slots in use (shown ones included) and eligible slots.
  size: u32,
  eligible: u32,
  // Embedding length, and in vec4s: rows are stored zero-padded to whole vec4s.
  dim: u32,
  dim4: u32,
  fusionKind: u32,
  personalize: u32,
  strength: f32,
  wCvr: f32,
  wView: f32,
  wSwipe: f32,
  gamma: f32,
  weightCvr: f32,
  weightVtr: f32,
  weightSdr: f32,
  alphaCvr: f32,
  alphaVtr: f32,
  alphaSdr: f32,
  betaCvr: f32,
  betaVtr: f32,
  betaSdr: f32,
  // Shortlist length L, already min(shortlist, eligible).
  shortlist: u32,
  beamWidth: u32,
  // Planned slots: min(depth, L).
  depth: u32,
  tailAuto: u32,
  tailValue: f32,
  rho: f32,
  phi: f32,
  hasLast: u32,
  lastCategory: u32,
  lastHasCategory: u32,
  pad0: u32,
  pad1: u32,
}

// What one dispatch of a multi-pass kernel needs; each kernel reads its own fields.
struct Pass {
  // Radix sort: entries per segment, segment stride, digit shift, blocks per segment.
  count: u32,
  stride: u32,
  shift: u32,
  blocks: u32,
  // Beam search: step t, live beams, beams kept after this step.
  step: u32,
  beams: u32,
  kept: u32,
  pad0: u32,
}

const NONE: u32 = 0xffffffffu;
// Sorts after every real entry: shown slots, padding, items already in a beam.
const LAST_KEY: vec2u = vec2u(0xffffffffu, 0xffffffffu);

// A u32 that orders scores from high to low, so (key, index) ascending is the tie rule.
fn scoreKey(score: f32) -> u32 {
  // -0 and +0 are equal scores; only the index may break their tie.
  let bits = bitcast<u32>(select(score, 0.0, score == 0.0));
  let ordered = select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
  return ~ordered;
}

fn precedes(a: vec2u, b: vec2u) -> bool {
  return a.x < b.x || (a.x == b.x && a.y < b.y);
}

// x^a, exact where the CPU's Math.pow is exact and WGSL's exp2(a * log2(x)) need not be.
fn powExact(x: f32, a: f32) -> f32 {
  if (a == 0.0) { return 1.0; }
  if (a == 1.0) { return x; }
  return pow(x, a);
}

// One pool candidate as uploaded (f32), 8 words.
struct Slot {
  pCvr: f32,
  pVtr: f32,
  pSdr: f32,
  value: f32,
  // logit(clamp(p, 1e-6, 1 - 1e-6)), computed once per upload in f64.
  logitCvr: f32,
  logitVtr: f32,
  category: u32,
  hasCategory: u32,
}

// One shortlisted candidate, with what stage 2 needs of it; 8 words.
struct ShortlistItem {
  poolIndex: u32,
  reward: f32,
  pSdr: f32,
  score: f32,
  category: u32,
  hasCategory: u32,
  pad0: u32,
  pad1: u32,
}
