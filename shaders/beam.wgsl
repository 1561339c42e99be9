// Stage 2: beam search over sequences of `depth` distinct shortlisted items, two
// dispatches a step. `expand` scores every (beam, unused candidate) pair in parallel,
// with its continuation q(candidate | beam's last item) computed in place; `selectBeams`
// (select.wgsl, one workgroup) keeps the best `kept` pairs as the next step's beams and
// writes each one's used-item bitmask, so that expand tests one bit instead of walking
// the parent chain; after the last step it walks the best beam back and writes the plan
// for readback. Pairs order by (score key, beam * L + candidate): ties go to the lower
// flattened index, as on the CPU.

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
// u, then the last shown item's embedding, dim4 vec4s each.
@group(0) @binding(2) var<storage, read> vectors: array<vec4f>;
@group(0) @binding(3) var<storage, read> shortlist: array<ShortlistItem>;
@group(0) @binding(4) var<storage, read> shortEmbedding: array<vec4f>;
@group(0) @binding(5) var<storage, read> scalars: array<f32>;
// (depth + 1) steps of beamWidth beams; step 0 is the empty sequence, implied.
@group(0) @binding(6) var<storage, read_write> beams: array<Beam>;
// Two steps' (by parity) used-item bitmasks, ceil(L / 32) words per beam.
@group(0) @binding(7) var<storage, read_write> masks: array<u32>;
// Every (beam, candidate) pair of the step as (score key, beam * L + candidate).
@group(0) @binding(8) var<storage, read_write> candidates: array<vec2u>;
// The same pairs, read by selectBeams.
@group(0) @binding(9) var<storage, read> keys: array<vec2u>;
// q(candidate | beam's last item), per beam * L + candidate.
@group(0) @binding(10) var<storage, read_write> continuation: array<f32>;
// count, value, then per item: pool index, score, reward, continueProb, reach.
@group(0) @binding(11) var<storage, read_write> planOut: array<u32>;

fn beamAt(step: u32, index: u32) -> Beam {
  if (step == 0u) {
    return Beam(0.0, 1.0, 1.0, 0.0, NONE, NONE, 0u, 0u);
  }
  return beams[step * plan.beamWidth + index];
}

// q(c | previous item): the previous item's category and its embedding (the last shown
// item's, in `vectors` after u, else shortlisted item `previous`'s in shortEmbedding).
fn continueAfter(c: u32, previousCategory: u32, previousHasCategory: bool, previous: u32, afterItem: bool) -> f32 {
  let item = shortlist[c];
  var similarity = 0.0;
  if (plan.rho != 0.0) {
    let dim4 = plan.dim4;
    for (var d = 0u; d < dim4; d++) {
      var other: vec4f;
      if (afterItem) {
        other = shortEmbedding[previous * dim4 + d];
      } else {
        other = vectors[dim4 + d];
      }
      similarity += dot(shortEmbedding[c * dim4 + d], other);
    }
  }
  let sameCategory = previousHasCategory && item.hasCategory != 0u && item.category == previousCategory;
  return item.pSdr * (1.0 - plan.rho * max(0.0, similarity)) * (1.0 - select(0.0, plan.phi, sameCategory));
}

fn maskWords() -> u32 {
  return (plan.shortlist + 31u) / 32u;
}

// The first word of the used-item mask of beam b after `step` steps.
fn maskAt(step: u32, b: u32) -> u32 {
  return ((step & 1u) * plan.beamWidth + b) * maskWords();
}

// The beam key: what a partial sequence extended by `item` is ranked by after a step,
// its value so far plus the tail at the reach of its next slot.
fn beamKey(head: Beam, item: ShortlistItem, q: f32, tail: f32) -> f32 {
  return head.value + head.reach * item.reward + head.reach * q * tail;
}

// workgroup_id.y is the beam, x * WORKGROUP + local index the candidate.
@compute @workgroup_size(WORKGROUP)
fn expand(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  let b = gid.y;
  let count = plan.shortlist;
  if (c >= count) {
    return;
  }
  let step = beamPass.step;
  let flat = b * count + c;
  let head = beamAt(step, b);
  // Skip items already in this beam's sequence.
  if (step > 0u && (masks[maskAt(step, b) + c / 32u] & (1u << (c % 32u))) != 0u) {
    candidates[flat] = LAST_KEY;
    return;
  }
  let item = shortlist[c];
  var q = item.pSdr;
  if (step > 0u) {
    let previous = shortlist[head.last];
    q = continueAfter(c, previous.category, previous.hasCategory != 0u, head.last, true);
  } else if (plan.hasLast != 0u) {
    // The first step follows the last shown item.
    q = continueAfter(c, plan.lastCategory, plan.lastHasCategory != 0u, 0u, false);
  }
  continuation[flat] = q;
  candidates[flat] = vec2u(scoreKey(beamKey(head, item, q, scalars[0])), flat);
}

// The best `kept` pairs of the step become the next step's beams, best first, each with
// its used-item mask (its parent's, plus its last item). After the last step: the plan.
@compute @workgroup_size(SELECT_GROUP)
fn selectBeams(@builtin(local_invocation_index) lid: u32) {
  let step = beamPass.step;
  let count = plan.shortlist;
  let kept = beamPass.kept;
  let last = step + 1u == plan.depth;
  selectTop(beamPass.beams * count, kept, lid);
  for (var j = lid; j < kept; j += SELECT_GROUP) {
    let n = rankOf(j, kept);
    let flat = chosen[j].y;
    let b = flat / count;
    let c = flat % count;
    let parent = beamAt(step, b);
    let q = continuation[flat];
    beams[(step + 1u) * plan.beamWidth + n] = Beam(
      parent.value + parent.reach * shortlist[c].reward, parent.reach * q, q, 0.0, c, b, 0u, 0u);
    if (!last) {
      for (var w = 0u; w < maskWords(); w++) {
        var used = select(0u, 1u << (c % 32u), c / 32u == w);
        if (step > 0u) {
          used |= masks[maskAt(step, b) + w];
        }
        masks[maskAt(step + 1u, n) + w] = used;
      }
    }
  }
  if (last) {
    storageBarrier();
    if (lid == 0u) {
      writePlan();
    }
  }
}

// Walks the best beam of the last step back and writes the plan for readback.
fn writePlan() {
  let depth = plan.depth;
  var items: array<u32, MAX_DEPTH>;
  var continueProb: array<f32, MAX_DEPTH>;
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
