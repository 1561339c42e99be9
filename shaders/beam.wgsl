// Stage 2: beam search over sequences of `depth` distinct shortlisted items, two
// dispatches a step. `expand` (`expandFirst` at step 0, `expandFill` at step 1) scores
// every (beam, unused candidate) pair in parallel;
// `selectBeams` (one workgroup) keeps the best `kept` pairs as the next step's beams and
// prepares the next step: each beam's used-item bitmask, so that expand tests one bit
// instead of walking the parent chain, and the continuation rows of new last items
// (after step 0, `expandFill` fills them).
// After the last step it walks the best beam back and writes the plan for readback.
// Pairs order by (score key, beam * L + candidate): ties go to the lower flattened index,
// as on the CPU. Bindings: MODULE_BINDINGS.beam in sdk/gpu/resources.ts.

fn beamAt(step: u32, index: u32) -> Beam {
  if (step == 0u) {
    return Beam(0.0, 1.0, 1.0, NONE, NONE);
  }
  return beams[step * plan.beamWidth + index];
}

// q(c | previous item), from the previous item's category and its similarity to c.
fn continueProb(c: u32, previousCategory: u32, previousHasCategory: bool, similarity: f32) -> f32 {
  let item = shortlist[c];
  let sameCategory = previousHasCategory && item.hasCategory != 0u && item.category == previousCategory;
  return item.pSdr * (1.0 - plan.rho * max(0.0, similarity)) * (1.0 - select(0.0, plan.phi, sameCategory));
}

// q(c | shortlisted item k) for four candidates c: each vec4 of k's embedding is loaded
// once for the four (on SwiftShader the loads are the cost).
fn continueAfterItem(cs: vec4u, k: u32) -> vec4f {
  var similarity = vec4f(0.0);
  if (plan.rho != 0.0) {
    for (var d = 0u; d < plan.dim4; d++) {
      let e = shortEmbedding[k * plan.dim4 + d];
      similarity += vec4f(dot(shortEmbedding[cs.x * plan.dim4 + d], e), dot(shortEmbedding[cs.y * plan.dim4 + d], e),
        dot(shortEmbedding[cs.z * plan.dim4 + d], e), dot(shortEmbedding[cs.w * plan.dim4 + d], e));
    }
  }
  let previous = shortlist[k];
  let hasCategory = previous.hasCategory != 0u;
  return vec4f(continueProb(cs.x, previous.category, hasCategory, similarity.x),
    continueProb(cs.y, previous.category, hasCategory, similarity.y),
    continueProb(cs.z, previous.category, hasCategory, similarity.z),
    continueProb(cs.w, previous.category, hasCategory, similarity.w));
}

// Four candidates from `first`, `stride` apart; those past the shortlist repeat its last.
fn fourCandidates(first: u32, stride: u32) -> vec4u {
  return min(vec4u(first) + vec4u(0u, 1u, 2u, 3u) * stride, vec4u(plan.shortlist - 1u));
}

// q(c | the last shown item), whose embedding follows u in `vectors`.
fn continueAfterShown(c: u32) -> f32 {
  var similarity = 0.0;
  if (plan.rho != 0.0) {
    for (var d = 0u; d < plan.dim4; d++) {
      similarity += dot(shortEmbedding[c * plan.dim4 + d], vectors[plan.dim4 + d]);
    }
  }
  return continueProb(c, plan.lastCategory, plan.lastHasCategory != 0u, similarity);
}

fn rowFill() -> u32 {
  return plan.shortlist * plan.shortlist;
}

fn rowFlag(k: u32) -> u32 {
  return rowFill() + 1u + plan.beamWidth + k;
}

fn maskWords() -> u32 {
  return (plan.shortlist + 31u) / 32u;
}

// The first word of the used-item mask of beam b after `step` steps.
fn maskAt(step: u32, b: u32) -> u32 {
  return rowFlag(plan.shortlist) + ((step & 1u) * plan.beamWidth + b) * maskWords();
}

// Where the pair bounds start: per candidate c, an upper bound on r_j + q(j | .) * T over
// candidates j >= c (f32 bits), then a scale of those terms for the rounding margin.
fn boundsAt() -> u32 {
  return rowFlag(plan.shortlist) + 2u * plan.beamWidth * maskWords();
}

// The f32 value a score key was made from (scoreKey merges -0 into +0).
fn keyValue(key: u32) -> f32 {
  let ordered = ~key;
  return bitcast<f32>(select(~ordered, ordered & 0x7fffffffu, (ordered & 0x80000000u) != 0u));
}

// Where beam b's best pairs start in `candidates`.
fn beamTopAt(b: u32) -> u32 {
  return plan.beamWidth * (plan.shortlist + b);
}

// The beam key: what a partial sequence extended by `item` is ranked by after a step,
// its value so far plus the tail at the reach of its next slot.
fn beamKey(head: Beam, item: ShortlistItem, q: f32, tail: f32) -> f32 {
  return head.value + head.reach * item.reward + head.reach * q * tail;
}

// Step 0: the empty sequence extended by each candidate, x * WORKGROUP + local index. A
// kernel of its own: SwiftShader runs the code of branches no invocation takes (masked),
// so step 0's work would cost every later step.
@compute @workgroup_size(WORKGROUP)
fn expandFirst(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= plan.shortlist) {
    return;
  }
  // A new plan: no row is filled yet.
  rowCache[rowFlag(c)] = 0u;
  let item = shortlist[c];
  var q = item.pSdr;
  // The first step follows the last shown item, if any.
  if (plan.hasLast != 0u) {
    q = continueAfterShown(c);
  }
  continuation[c] = q;
  candidates[c] = vec2u(scoreKey(beamKey(beamAt(0u, 0u), item, q, plan.tail)), c);
  // q <= pSdr, so r + q * T <= r + max(0, pSdr * T) for T >= 0 (q may fall a rounding below 0,
  // so selectBeams stops walks only for T >= 0, as the CPU prunes).
  rowCache[boundsAt() + c] = bitcast<u32>(item.reward + max(0.0, item.pSdr * plan.tail));
}

// Pair (beam `head`, candidate c) at `flat`: its continuation and key, or LAST_KEY when c
// is already in the beam's sequence.
fn writePair(flat: u32, head: Beam, c: u32, q: f32, used: bool) {
  if (used) {
    candidates[flat] = LAST_KEY;
    return;
  }
  continuation[flat] = q;
  candidates[flat] = vec2u(scoreKey(beamKey(head, shortlist[c], q, plan.tail)), flat);
}

// Step 1: each beam is one item, a different one, and fills that item's continuation row
// for later steps here, in parallel, where selectBeams would fill all of them in one
// workgroup. workgroup_id.y is the beam; each invocation takes FILL_SLOTS candidates,
// WORKGROUP apart, and loads each vec4 of the beam's item once for all of them.
@compute @workgroup_size(WORKGROUP)
fn expandFill(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
  let count = plan.shortlist;
  let head = beamAt(1u, group.y);
  let first = group.x * WORKGROUP * FILL_SLOTS + lid;
  let q = continueAfterItem(fourCandidates(first, WORKGROUP), head.last);
  for (var n = 0u; n < FILL_SLOTS; n++) {
    let c = first + n * WORKGROUP;
    if (c < count) {
      rowCache[head.last * count + c] = bitcast<u32>(q[n]);
      writePair(group.y * count + c, head, c, q[n], c == head.last);
    }
  }
}

// Steps 2 on: as expandFill, with the row of head.last read from rowCache, filled by
// expandFill or by selectBeams after the step that chose head.last.
@compute @workgroup_size(WORKGROUP)
fn expand(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  let count = plan.shortlist;
  if (c >= count) {
    return;
  }
  let step = beamPass.step;
  let b = gid.y;
  let head = beams[step * plan.beamWidth + b];
  let used = (rowCache[maskAt(step, b) + c / 32u] & (1u << (c % 32u))) != 0u;
  writePair(b * count + c, head, c, bitcast<f32>(rowCache[head.last * count + c]), used);
}

// The best `kept` pairs of the step become the next step's beams, best first; after the
// last step, the plan. Else the next step's inputs: each new beam's used-item mask (its
// parent's, plus its last item) and the continuation rows q(. | k) of new last items k,
// each row once a plan, as the CPU memoises it. Each invocation keeps its beams' best
// beamWidth pairs, sorted, by insertion (a short sequential walk beats a barrier-per-step
// network where barriers are costly), one invocation merges those lists, and all fill.
@compute @workgroup_size(KEEP_GROUP)
fn selectBeams(@builtin(local_invocation_index) lid: u32) {
  let step = beamPass.step;
  let count = plan.shortlist;
  let width = plan.beamWidth;
  let bounds = boundsAt();
  if (step == 0u && lid == 0u) {
    // expandFirst's per-candidate bounds, as suffix maxima, and the scale of the terms a key
    // sums (not of their sum, which r ~ -pSdr T can cancel) for the rounding margin.
    var bound = bitcast<f32>(rowCache[bounds + count - 1u]);
    var scale = 0.0;
    for (var c = count; c > 0u; c--) {
      let own = bitcast<f32>(rowCache[bounds + c - 1u]);
      bound = max(bound, own);
      let item = shortlist[c - 1u];
      scale = max(scale, abs(item.reward) + item.pSdr * abs(plan.tail));
      rowCache[bounds + c - 1u] = bitcast<u32>(bound);
    }
    rowCache[bounds + count] = bitcast<u32>(scale);
  }
  for (var b = lid; b < beamPass.beams; b += KEEP_GROUP) {
    var top: array<vec2u, MAX_BEAM_WIDTH>;
    var kept = 0u;
    // Once the list is full, a pair enters only if its value beats the last kept's:
    // V + R * (r + q T) <= V + R * bound(c) for R >= 0 (R < 0 only by rounding: no stop),
    // and the bound only falls with c, so the walk stops where V + R * bound(c) is below it
    // by more than f32 rounding can reach.
    let head = beamAt(step, b);
    let margin = 1e-5 * (abs(head.value) + head.reach * bitcast<f32>(rowCache[bounds + count]));
    let stops = head.reach >= 0.0 && plan.tail >= 0.0;
    var worst = 0.0;
    for (var c = 0u; c < count; c++) {
      if (stops && kept == width && head.value + head.reach * bitcast<f32>(rowCache[bounds + c]) + margin < worst) {
        break;
      }
      let entry = candidates[b * count + c];
      if (entry.x == NONE || (kept == width && !precedes(entry, top[width - 1u]))) {
        continue;
      }
      var at = min(kept, width - 1u);
      while (at > 0u && precedes(entry, top[at - 1u])) {
        top[at] = top[at - 1u];
        at--;
      }
      top[at] = entry;
      kept = min(kept + 1u, width);
      if (kept == width) {
        worst = keyValue(top[width - 1u].x);
      }
    }
    for (var r = 0u; r < width; r++) {
      candidates[beamTopAt(b) + r] = select(LAST_KEY, top[r], r < kept);
    }
  }
  storageBarrier();
  if (lid == 0u) {
    mergeBeams(step);
  }
  if (step + 1u == plan.depth) {
    if (lid == 0u) {
      writePlan();
    }
    return;
  }
  storageBarrier();
  let words = maskWords();
  for (var w = lid; w < beamPass.kept * words; w += KEEP_GROUP) {
    let n = w / words;
    let word = w % words;
    let beam = beams[(step + 1u) * width + n];
    var used = select(0u, 1u << (beam.last % 32u), beam.last / 32u == word);
    if (step > 0u) {
      used |= rowCache[maskAt(step, beam.parent) + word];
    }
    rowCache[maskAt(step + 1u, n) + word] = used;
  }
  // Each invocation fills four entries of a row at a time.
  let rows = rowCache[rowFill()];
  let quads = (count + 3u) / 4u;
  for (var e = lid; e < rows * quads; e += KEEP_GROUP) {
    let k = rowCache[rowFill() + 1u + e / quads];
    let first = (e % quads) * 4u;
    let q = continueAfterItem(fourCandidates(first, 1u), k);
    for (var n = 0u; n < 4u; n++) {
      if (first + n < count) {
        rowCache[k * count + first + n] = bitcast<u32>(q[n]);
      }
    }
  }
}

// The best `kept` of all beams' sorted lists, by a k-way merge (at most 64 x 64
// comparisons), written as the beams after `step`; the rows the next step needs queued
// (none after step 0: expandFill fills them).
fn mergeBeams(step: u32) {
  let width = plan.beamWidth;
  var heads: array<u32, MAX_BEAM_WIDTH>;
  var rows = 0u;
  for (var n = 0u; n < beamPass.kept; n++) {
    var best = LAST_KEY;
    var winner = 0u;
    for (var list = 0u; list < beamPass.beams; list++) {
      if (heads[list] < width) {
        let entry = candidates[beamTopAt(list) + heads[list]];
        if (precedes(entry, best)) {
          best = entry;
          winner = list;
        }
      }
    }
    heads[winner] += 1u;
    let parent = beamAt(step, winner);
    let c = best.y % plan.shortlist;
    let q = continuation[best.y];
    beams[(step + 1u) * width + n] = Beam(
      parent.value + parent.reach * shortlist[c].reward, parent.reach * q, q, c, winner);
    if (rowCache[rowFlag(c)] == 0u) {
      rowCache[rowFlag(c)] = 1u;
      // After step 0, expandFill fills the rows.
      if (step > 0u) {
        rowCache[rowFill() + 1u + rows] = c;
        rows++;
      }
    }
  }
  rowCache[rowFill()] = rows;
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
    planOut.items[t] = PlannedItem(item.poolIndex, item.score, item.reward, continueProb[t], reach);
    value += reach * item.reward;
    reach *= continueProb[t];
  }
  planOut.count = depth;
  planOut.value = value + reach * plan.tail;
}
