// Stage 2: beam search over sequences of `depth` distinct shortlisted items. Each step
// is two dispatches: `expand` (a workgroup per beam scores every unused candidate and
// keeps its best beamWidth) and `prune` (merges those lists into the best beamWidth
// overall, ties to the lower flattened index beam * L + candidate, and writes the new
// beams). `writePlan` walks the best beam back and writes the plan for readback.

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

// A partial sequence: its value so far, the reach of its next slot, the continuation of
// its last item, the last item (a shortlist position) and its parent beam one step back.
struct Beam {
  value: f32,
  reach: f32,
  q: f32,
  pad0: f32,
  last: u32,
  parent: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> beamPass: Pass;
@group(0) @binding(1) var<uniform> plan: PlanParams;
@group(0) @binding(2) var<storage, read> vectors: array<f32>;
@group(0) @binding(3) var<storage, read> shortlist: array<ShortlistItem>;
@group(0) @binding(4) var<storage, read> shortEmbedding: array<f32>;
@group(0) @binding(5) var<storage, read> scalars: array<f32>;
// (depth + 1) steps of beamWidth beams; step 0 is the empty sequence, implied.
@group(0) @binding(6) var<storage, read_write> beams: array<Beam>;
// Per beam, its best beamWidth candidates as (score key, beam * L + candidate), best first.
@group(0) @binding(7) var<storage, read_write> beamTop: array<vec2u>;
// q(candidate | beam's last item), per beam * L + candidate.
@group(0) @binding(8) var<storage, read_write> continuation: array<f32>;
// count, value, then per item: pool index, score, reward, continueProb, reach.
@group(0) @binding(9) var<storage, read_write> planOut: array<u32>;

const MAX_SHORTLIST: u32 = 1024u;
const MAX_DIM: u32 = 256u;

var<workgroup> entries: array<vec2u, MAX_SHORTLIST>;
var<workgroup> previous: array<f32, MAX_DIM>;
var<workgroup> used: array<u32, 32>;

fn beamAt(step: u32, index: u32) -> Beam {
  if (step == 0u) {
    return Beam(0.0, 1.0, 1.0, 0.0, NONE, NONE, 0u, 0u);
  }
  return beams[step * plan.beamWidth + index];
}

@compute @workgroup_size(256)
fn expand(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let step = beamPass.step;
  let b = wid.x;
  let count = plan.shortlist;
  let dim = plan.dim;
  let head = beamAt(step, b);
  let afterItem = head.last != NONE;
  // The first step follows the last shown item, if any; later steps the beam's last item.
  let penalised = afterItem || plan.hasLast != 0u;
  if (lid < 32u) {
    used[lid] = 0u;
  }
  for (var d = lid; d < dim; d += 256u) {
    if (afterItem) {
      previous[d] = shortEmbedding[head.last * dim + d];
    } else {
      previous[d] = vectors[dim + d];
    }
  }
  workgroupBarrier();
  if (lid == 0u) {
    var index = b;
    for (var s = step; s > 0u; s--) {
      let beam = beams[s * plan.beamWidth + index];
      used[beam.last >> 5u] |= 1u << (beam.last & 31u);
      index = beam.parent;
    }
  }
  workgroupBarrier();
  var previousCategory = plan.lastCategory;
  var previousHasCategory = plan.lastHasCategory != 0u;
  if (afterItem) {
    previousCategory = shortlist[head.last].category;
    previousHasCategory = shortlist[head.last].hasCategory != 0u;
  }
  let tail = scalars[0];
  for (var c = lid; c < plan.sortSize; c += 256u) {
    var entry = LAST_KEY;
    if (c < count && (used[c >> 5u] & (1u << (c & 31u))) == 0u) {
      let item = shortlist[c];
      var q = item.pSdr;
      if (penalised) {
        var similarity = 0.0;
        if (plan.rho != 0.0) {
          for (var d = 0u; d < dim; d++) {
            similarity += shortEmbedding[c * dim + d] * previous[d];
          }
        }
        let sameCategory = previousHasCategory && item.hasCategory != 0u && item.category == previousCategory;
        q = item.pSdr * (1.0 - plan.rho * max(0.0, similarity)) * (1.0 - select(0.0, plan.phi, sameCategory));
      }
      let flat = b * count + c;
      continuation[flat] = q;
      entry = vec2u(scoreKey(head.value + head.reach * item.reward + head.reach * q * tail), flat);
    }
    entries[c] = entry;
  }
  workgroupBarrier();
  for (var stage = 2u; stage <= plan.sortSize; stage <<= 1u) {
    for (var gap = stage >> 1u; gap > 0u; gap >>= 1u) {
      for (var t = lid; t < plan.sortSize / 2u; t += 256u) {
        let a = pairStart(t, gap);
        let x = entries[a];
        let y = entries[a + gap];
        if (precedes(y, x) == ((a & stage) == 0u)) {
          entries[a] = y;
          entries[a + gap] = x;
        }
      }
      workgroupBarrier();
    }
  }
  for (var r = lid; r < plan.beamWidth; r += 256u) {
    var entry = LAST_KEY;
    if (r < plan.sortSize) {
      entry = entries[r];
    }
    beamTop[b * plan.beamWidth + r] = entry;
  }
}

// The rank of every listed candidate among all lists is its position in its own list plus,
// per other list, how many entries precede it there (binary search); the best `kept` win.
@compute @workgroup_size(256)
fn prune(@builtin(local_invocation_index) lid: u32) {
  let step = beamPass.step;
  let width = plan.beamWidth;
  let kept = beamPass.kept;
  for (var x = lid; x < beamPass.beams * width; x += 256u) {
    let entry = beamTop[x];
    if (entry.x == NONE) {
      continue;
    }
    let list = x / width;
    var rank = x % width;
    for (var other = 0u; other < beamPass.beams && rank < kept; other++) {
      if (other == list) {
        continue;
      }
      var low = 0u;
      var high = width;
      while (low < high) {
        let middle = (low + high) >> 1u;
        if (precedes(beamTop[other * width + middle], entry)) {
          low = middle + 1u;
        } else {
          high = middle;
        }
      }
      rank += low;
    }
    if (rank < kept) {
      let parent = beamAt(step, list);
      let c = entry.y % plan.shortlist;
      let q = continuation[entry.y];
      beams[(step + 1u) * width + rank] = Beam(
        parent.value + parent.reach * shortlist[c].reward, parent.reach * q, q, 0.0, c, list, 0u, 0u);
    }
  }
}

@compute @workgroup_size(1)
fn writePlan() {
  let depth = plan.depth;
  var items: array<u32, 16>;
  var continueProb: array<f32, 16>;
  var index = 0u;
  for (var s = depth; s > 0u; s--) {
    let beam = beams[s * plan.beamWidth + index];
    items[s - 1u] = beam.last;
    continueProb[s - 1u] = beam.q;
    index = beam.parent;
  }
  var reach = 1.0;
  var value = 0.0;
  for (var t = 0u; t < depth; t++) {
    let item = shortlist[items[t]];
    let at = 2u + 5u * t;
    planOut[at] = item.poolIndex;
    planOut[at + 1u] = bitcast<u32>(item.score);
    planOut[at + 2u] = bitcast<u32>(item.reward);
    planOut[at + 3u] = bitcast<u32>(continueProb[t]);
    planOut[at + 4u] = bitcast<u32>(reach);
    value += reach * item.reward;
    reach *= continueProb[t];
  }
  planOut[0] = depth;
  planOut[1] = bitcast<u32>(value + reach * scalars[0]);
}
