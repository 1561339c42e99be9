// Stage 1: the top `shortlist` pool slots by fused score, gathered in rank order into the
// compact arrays stage 2 reads: per shortlisted candidate its pool index, reward, pSdr,
// category, score and embedding. One workgroup, after `fuse` (or
// `rankScore`) counted every eligible key in histograms of its high 16 and 8 bits:
//  1. the bin where the k-th best key lies: the coarse bin from the coarse histogram, then
//     the fine bin among that coarse bin's;
//  2. one pass over the pool: keys in a better bin are chosen, those in that bin are the
//     boundary (a few entries, unless scores tie in bulk);
//  3. the boundary's best `need` and every chosen key's rank, by counting: a key in a better
//     bin ranks by the better-bin keys that precede it, a boundary key by the boundary keys
//     that precede it, after all better-bin keys (k <= 1,024: no sort network and its
//     barriers, and no single-invocation step);
//  4. a boundary over BOUNDARY_RANK_MAX keys (scores close or tied in bulk), where counting
//     is quadratic, is cut by a parallel radix select (select.wgsl) before the chosen keys
//     are ranked by counting.
// The order is the one of `precedes`: higher score first, then lower pool index, as on the CPU.
// Bindings: MODULE_BINDINGS.shortlist in sdk/gpu/resources.ts.

// Where selectScratch holds the chosen keys and the boundary's, two words a key.
const CHOSEN_AT = COARSE_AT + COARSE_BINS;
const BOUNDARY_AT = CHOSEN_AT + 2u * MAX_SELECT;

var<workgroup> boundaryCount: atomic<u32>;
// The threshold bin and the entries still needed from it, read back with
// workgroupUniformLoad so that every invocation branches alike.
var<workgroup> threshold: vec2u;
// The boundary's size and the better bins' key count after the pass over the pool, likewise.
var<workgroup> counted: vec2u;

// Boundaries up to this size are resolved by counting in parallel (quadratic); larger ones,
// bulk ties, by the one-invocation radix select.
const BOUNDARY_RANK_MAX = 512u;

fn boundaryAt(i: u32) -> vec2u {
  return keyAt(BOUNDARY_AT, i);
}

// Pool slot i, ranked c-th, into the compact arrays stage 2 reads.
fn gather(c: u32, i: u32) {
  let f = fused[i];
  let slot = slots[i];
  shortlist[c] = ShortlistItem(i, f.z, slot.pSdr, f.w, slot.category, slot.hasCategory);
  for (var d = 0u; d < plan.dim4; d++) {
    shortEmbedding[c * plan.dim4 + d] = embedding[i * plan.dim4 + d];
  }
}

@compute @workgroup_size(SELECT_GROUP)
fn selectShortlist(@builtin(local_invocation_index) lid: u32) {
  let k = plan.shortlist;
  // 1. One invocation walks the coarse bins, then the fine bins of the coarse one where the
  // k-th key lies (every eligible key is counted, and k <= eligible).
  if (lid == 0u) {
    atomicStore(&chosenCount, 0u);
    atomicStore(&boundaryCount, 0u);
    var below = 0u;
    var coarse = 0u;
    while (coarse < COARSE_BINS - 1u && below + selectScratch[COARSE_AT + coarse] < k) {
      below += selectScratch[COARSE_AT + coarse];
      coarse++;
    }
    let fines = 1u << (COARSE_SHIFT - HISTOGRAM_SHIFT);
    var bin = coarse * fines;
    loop {
      let n = selectScratch[bin];
      if (below + n >= k || bin == (coarse + 1u) * fines - 1u) {
        threshold = vec2u(bin, k - below);
        break;
      }
      below += n;
      bin++;
    }
  }
  let found = workgroupUniformLoad(&threshold);
  // 2. One pass over the pool.
  let chunk = (plan.size + SELECT_GROUP - 1u) / SELECT_GROUP;
  let end = min((lid + 1u) * chunk, plan.size);
  for (var i = lid * chunk; i < end; i++) {
    let entry = keys[i];
    let bin = entry.x >> HISTOGRAM_SHIFT;
    if (bin < found.x) {
      choose(entry);
    } else if (bin == found.x) {
      let at = BOUNDARY_AT + 2u * atomicAdd(&boundaryCount, 1u);
      selectScratch[at] = entry.x;
      selectScratch[at + 1u] = entry.y;
    }
  }
  // The boundary is in storage memory, its count and the chosen count in workgroup memory.
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) {
    counted = vec2u(atomicLoad(&boundaryCount), atomicLoad(&chosenCount));
  }
  let sizes = workgroupUniformLoad(&counted);
  if (sizes.x <= BOUNDARY_RANK_MAX) {
    // 3. Ranks by counting; the boundary's keys ranked below `need` are the rest of the shortlist.
    gatherRanked(lid, CHOSEN_AT, sizes.y, 0u, sizes.y);
    gatherRanked(lid, BOUNDARY_AT, sizes.x, sizes.y, found.y);
    return;
  }
  // 4. A large boundary: the rest from it, where the keys' bits below the bin, then the index, decide.
  let binMask = ~((1u << HISTOGRAM_SHIFT) - 1u);
  chooseFromBoundary(lid, sizes.x, found.y, vec2u(found.x << HISTOGRAM_SHIFT, 0u), vec2u(binMask, 0u),
    (32u - HISTOGRAM_SHIFT) / 8u);
  storageBarrier();
  gatherRanked(lid, CHOSEN_AT, k, 0u, k);
}
