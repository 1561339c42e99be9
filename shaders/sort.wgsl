// Stable LSD radix sort of (key, index) entries by key, 8 bits a pass, in segments (one
// per workgroup_id.y). Entries go in by pool index and equal keys keep their order, so
// ties go to the lower index: the tie rule of the `rank` fusion, which sorts its three
// objectives here. A pass is `radixCount` (digit counts per block), `radixScan` (where
// each block's digits start) and `radixScatter`; each block is walked by one invocation,
// so no barriers. Bindings: MODULE_BINDINGS.sort in sdk/gpu/resources.ts.

// RADIX_GROUP blocks per workgroup of radixCount and radixScatter: a pool has few blocks (one
// per RADIX_BLOCK entries), and small groups spread them over every core where a workgroup
// runs on one.

fn digitOf(entry: vec2u) -> u32 {
  return (entry.x >> sortPass.shift) & (RADIX - 1u);
}

// Each (segment, digit) row has a word per block, then the digit's total.
fn countsRow(segment: u32, digit: u32) -> u32 {
  return (segment * RADIX + digit) * (sortPass.blocks + 1u);
}

@compute @workgroup_size(RADIX_GROUP)
fn radixCount(@builtin(global_invocation_id) gid: vec3u) {
  let block = gid.x;
  let segment = gid.y;
  if (block >= sortPass.blocks) {
    return;
  }
  var counts: array<u32, RADIX>;
  let base = segment * sortPass.stride;
  let end = min((block + 1u) * RADIX_BLOCK, sortPass.count);
  for (var i = block * RADIX_BLOCK; i < end; i++) {
    counts[digitOf(source[base + i])] += 1u;
  }
  for (var digit = 0u; digit < RADIX; digit++) {
    digitCounts[countsRow(segment, digit) + block] = counts[digit];
  }
}

// One invocation per (digit, segment): where each block's digits start among the digit's
// entries, and the digit's total. radixScatter adds the totals of the lower digits, so no
// invocation waits on another (no workgroup barrier, no workgroup memory).
@compute @workgroup_size(WORKGROUP)
fn radixScan(@builtin(global_invocation_id) gid: vec3u) {
  let digit = gid.x;
  let row = countsRow(gid.y, digit);
  var total = 0u;
  for (var block = 0u; block < sortPass.blocks; block++) {
    let count = digitCounts[row + block];
    digitCounts[row + block] = total;
    total += count;
  }
  digitCounts[row + sortPass.blocks] = total;
}

@compute @workgroup_size(RADIX_GROUP)
fn radixScatter(@builtin(global_invocation_id) gid: vec3u) {
  let block = gid.x;
  let segment = gid.y;
  if (block >= sortPass.blocks) {
    return;
  }
  var next: array<u32, RADIX>;
  var digitStart = 0u;
  for (var digit = 0u; digit < RADIX; digit++) {
    let row = countsRow(segment, digit);
    next[digit] = digitStart + digitCounts[row + block];
    digitStart += digitCounts[row + sortPass.blocks];
  }
  let base = segment * sortPass.stride;
  let end = min((block + 1u) * RADIX_BLOCK, sortPass.count);
  for (var i = block * RADIX_BLOCK; i < end; i++) {
    let entry = source[base + i];
    let digit = digitOf(entry);
    sorted[base + next[digit]] = entry;
    next[digit] += 1u;
  }
}
