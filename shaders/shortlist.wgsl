// Stage 1: the top `shortlist` pool slots by fused score, gathered in rank order into the
// compact arrays stage 2 reads: per shortlisted candidate its pool index, reward, pSdr,
// category, score and embedding. One workgroup, after `fuse` (or
// `rankScore`) counted every eligible key in a histogram of its high 16 bits:
//  1. the bin where the k-th best key lies, from the histogram;
//  2. one pass over the pool: keys in a better bin are chosen, those in that bin are the
//     boundary (a few entries, unless scores tie in bulk);
//  3. one invocation chooses the rest of the boundary by a radix select (select.wgsl);
//  4. each chosen key is ranked by counting the chosen keys that precede it (k <= 1,024:
//     no sort network and its barriers).
// The order is the one of `precedes`: higher score first, then lower pool index, as on the CPU.
// Bindings: MODULE_BINDINGS.shortlist in sdk/gpu/resources.ts.

// Where selectScratch holds the chosen keys and the boundary's, two words a key.
const CHOSEN_AT = HISTOGRAM_BINS;
const BOUNDARY_AT = HISTOGRAM_BINS + 2u * MAX_SELECT;

var<workgroup> partials: array<u32, SELECT_GROUP>;
var<workgroup> boundaryCount: atomic<u32>;
// The threshold bin and the entries still needed from it, read back with
// workgroupUniformLoad so that every invocation branches alike.
var<workgroup> threshold: vec2u;

fn boundaryAt(i: u32) -> vec2u {
  let at = BOUNDARY_AT + 2u * i;
  return vec2u(atomicLoad(&selectScratch[at]), atomicLoad(&selectScratch[at + 1u]));
}

@compute @workgroup_size(SELECT_GROUP)
fn selectShortlist(@builtin(local_invocation_index) lid: u32) {
  let k = plan.shortlist;
  // 1. Each invocation sums a slice of the bins; one walks the sums, then the bins.
  let slice = HISTOGRAM_BINS / SELECT_GROUP;
  var sum = 0u;
  for (var bin = lid * slice; bin < (lid + 1u) * slice; bin++) {
    sum += atomicLoad(&selectScratch[bin]);
  }
  partials[lid] = sum;
  if (lid == 0u) {
    atomicStore(&chosenCount, 0u);
    atomicStore(&boundaryCount, 0u);
  }
  workgroupBarrier();
  if (lid == 0u) {
    var below = 0u;
    var part = 0u;
    while (part < SELECT_GROUP - 1u && below + partials[part] < k) {
      below += partials[part];
      part++;
    }
    var bin = part * slice;
    loop {
      let n = atomicLoad(&selectScratch[bin]);
      if (below + n >= k || bin == HISTOGRAM_BINS - 1u) {
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
      atomicStore(&selectScratch[at], entry.x);
      atomicStore(&selectScratch[at + 1u], entry.y);
    }
  }
  // The boundary is in storage memory.
  storageBarrier();
  // 3. The rest from the boundary: the keys' bits below the bin, then the index, decide.
  if (lid == 0u) {
    let binMask = ~((1u << HISTOGRAM_SHIFT) - 1u);
    chooseFromBoundary(atomicLoad(&boundaryCount), found.y, vec2u(found.x << HISTOGRAM_SHIFT, 0u), vec2u(binMask, 0u),
      (32u - HISTOGRAM_SHIFT) / 8u);
  }
  storageBarrier();
  // 4. Rank and gather.
  for (var j = lid; j < k; j += SELECT_GROUP) {
    let c = rankOf(j, k);
    let i = chosenAt(j).y;
    let f = fused[i];
    let slot = slots[i];
    shortlist[c] = ShortlistItem(i, f.z, slot.pSdr, f.w, slot.category, slot.hasCategory);
    for (var d = 0u; d < plan.dim4; d++) {
      shortEmbedding[c * plan.dim4 + d] = embedding[i * plan.dim4 + d];
    }
  }
}
