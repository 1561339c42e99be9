// Stage 1: the top `shortlist` pool slots by fused score (select.wgsl, one workgroup),
// gathered in rank order into the compact arrays stage 2 reads: per shortlisted candidate
// its pool index, reward, pSdr, category, score and embedding; and the tail.

@group(0) @binding(0) var<uniform> plan: PlanParams;
@group(0) @binding(1) var<storage, read> slots: array<Slot>;
@group(0) @binding(2) var<storage, read> embedding: array<vec4f>;
@group(0) @binding(3) var<storage, read> fused: array<vec4f>;
// Per pool slot (score key, slot); LAST_KEY for slots that are not eligible.
@group(0) @binding(4) var<storage, read> keys: array<vec2u>;
@group(0) @binding(5) var<storage, read_write> shortlist: array<ShortlistItem>;
@group(0) @binding(6) var<storage, read_write> shortEmbedding: array<vec4f>;
// [0]: tail.
@group(0) @binding(7) var<storage, read_write> scalars: array<f32>;

@compute @workgroup_size(SELECT_GROUP)
fn selectShortlist(@builtin(local_invocation_index) lid: u32) {
  let count = plan.shortlist;
  selectTop(plan.size, count, lid);
  for (var j = lid; j < count; j += SELECT_GROUP) {
    let c = rankOf(j, count);
    let i = chosen[j].y;
    let f = fused[i];
    let slot = slots[i];
    shortlist[c] = ShortlistItem(i, f.z, slot.pSdr, f.w, slot.category, slot.hasCategory, 0u, 0u);
    for (var d = 0u; d < plan.dim4; d++) {
      shortEmbedding[c * plan.dim4 + d] = embedding[i * plan.dim4 + d];
    }
  }
  storageBarrier();
  // One invocation sums the rewards in shortlist order, as the CPU does.
  if (lid == 0u) {
    var sum = 0.0;
    for (var s = 0u; s < count; s++) {
      sum += shortlist[s].reward;
    }
    scalars[0] = select(plan.tailValue, sum / f32(count), plan.tailAuto != 0u);
  }
}
