// Bitonic sorting of (key, index) pairs, ascending, which is "best first" for score keys.
// `sortBlocks` sorts blocks of SORT_BLOCK in workgroup memory (or finishes a global stage
// there), `sortGlobal` is one step of a stage wider than a block, and `reduceLists` keeps
// the best K of many sorted lists: stage 1's top-L without sorting the whole pool.

@group(0) @binding(0) var<uniform> sortPass: Pass;
@group(0) @binding(1) var<storage, read_write> keys: array<vec2u>;
@group(0) @binding(2) var<storage, read> sourceLists: array<vec2u>;
@group(0) @binding(3) var<storage, read_write> targetLists: array<vec2u>;

var<workgroup> block: array<vec2u, SORT_BLOCK>;

fn orderPair(a: u32, b: u32, ascending: bool) {
  let x = block[a];
  let y = block[b];
  if (precedes(y, x) == ascending) {
    block[a] = y;
    block[b] = x;
  }
}

// One block per workgroup; workgroup_id.y picks a segment `stride` entries long.
@compute @workgroup_size(256)
fn sortBlocks(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = wid.x * SORT_BLOCK;
  let base = wid.y * sortPass.stride + first;
  for (var s = lid; s < SORT_BLOCK; s += 256u) {
    block[s] = keys[base + s];
  }
  workgroupBarrier();
  for (var stage = sortPass.stageFirst; stage <= sortPass.stageLast; stage <<= 1u) {
    for (var gap = min(stage >> 1u, SORT_BLOCK >> 1u); gap > 0u; gap >>= 1u) {
      for (var t = lid; t < SORT_BLOCK / 2u; t += 256u) {
        let a = pairStart(t, gap);
        orderPair(a, a + gap, (((first + a) & sortPass.dirMask) & stage) == 0u);
      }
      workgroupBarrier();
    }
  }
  for (var s = lid; s < SORT_BLOCK; s += 256u) {
    keys[base + s] = block[s];
  }
}

// One compare-exchange step of gap `gap` (at least a block) within stage `stageFirst`.
@compute @workgroup_size(256)
fn sortGlobal(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  if (t >= sortPass.stride / 2u) {
    return;
  }
  let gap = sortPass.gap;
  let a = pairStart(t, gap);
  let base = gid.y * sortPass.stride;
  let x = keys[base + a];
  let y = keys[base + a + gap];
  if (precedes(y, x) == ((a & sortPass.stageFirst) == 0u)) {
    keys[base + a] = y;
    keys[base + a + gap] = x;
  }
}

// Each workgroup merges SORT_BLOCK / K sorted lists into the best K, in order.
@compute @workgroup_size(256)
fn reduceLists(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let k = sortPass.listLength;
  let group = SORT_BLOCK / k;
  for (var s = lid; s < SORT_BLOCK; s += 256u) {
    let list = wid.x * group + s / k;
    var entry = LAST_KEY;
    if (list < sortPass.lists) {
      entry = sourceLists[list * sortPass.stride + s % k];
    }
    block[s] = entry;
  }
  workgroupBarrier();
  for (var span = k; span < SORT_BLOCK; span <<= 1u) {
    let pairs = SORT_BLOCK / (2u * span);
    // The best K of two ascending lists A, B are min(A[i], B[K-1-i]): a bitonic sequence.
    for (var x = lid; x < pairs * k; x += 256u) {
      let base = (x / k) * 2u * span;
      let i = x % k;
      let other = block[base + span + k - 1u - i];
      if (precedes(other, block[base + i])) {
        block[base + i] = other;
      }
    }
    workgroupBarrier();
    for (var gap = k >> 1u; gap > 0u; gap >>= 1u) {
      for (var x = lid; x < pairs * (k >> 1u); x += 256u) {
        let a = (x / (k >> 1u)) * 2u * span + pairStart(x % (k >> 1u), gap);
        orderPair(a, a + gap, true);
      }
      workgroupBarrier();
    }
  }
  for (var s = lid; s < k; s += 256u) {
    targetLists[wid.x * k + s] = block[s];
  }
}
