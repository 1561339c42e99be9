// Prepended to every module, after the declarations generated from sdk/gpu/resources.ts
// and schedule.ts (the shared sizes RADIX, WORKGROUP, MAX_DEPTH, FUSION_*, ... and the
// structs PlanParams, Pass, Slot, ShortlistItem, Beam, PlanOut), and before the module's
// generated @binding declarations: the one order every selection uses (higher score
// first, then lower index).
// SwiftShader pays dearly per workgroup barrier, so the kernels use few: data-parallel
// work is barrier-free, and short sequential loops stand in for barrier-heavy networks.

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

// Where selectScratch holds stage 1's coarse histogram, after the fine one.
const COARSE_AT = HISTOGRAM_BINS;

fn precedes(a: vec2u, b: vec2u) -> bool {
  return a.x < b.x || (a.x == b.x && a.y < b.y);
}

// x^a, exact where the CPU's Math.pow is exact and WGSL's exp2(a * log2(x)) need not be.
fn powExact(x: f32, a: f32) -> f32 {
  if (a == 0.0) { return 1.0; }
  if (a == 1.0) { return x; }
  return pow(x, a);
}
